"""Triage of a whole batch of lines at once: the command line's fast path, with the same result as ``triage`` per line.

Everything that is per character or per word runs over the whole batch, in numpy, with no Python object per
character, per token or per match:

1. the batch is read once as arrays of code points (``prepared.Prepared``): folded, compact (``normalize``), and
   with runs of one CJK character shortened (``model._REPEAT3``) by comparing the array with itself shifted;
2. segmentation is a walk of a trie of the vocabulary's words of two or more characters (``trie.Trie``) from every
   position at once, then the leftmost-longest choice among the matches (``trie.covered_by_words``); every CJK
   character no chosen word covers is a token of its own (the per-line automaton holds every CJK character as a
   last resort: the same tokens). The trie's arrays are kept on disk between runs (``cache.py``);
3. negation scope is a shift of the token array (a token is negated when one of the two before it, in the same
   line, is a negator), and the weights of each distinct (token, scope) are read from the model once per process;
   per line and label they are summed with ``numpy.bincount`` in token order, so every score is the same
   floating-point sum as ``label_of``;
4. the other features (Latin words and numbers, first and last word, length, question mark, final particle, emoji,
   A-不-A) are found by array comparisons; each distinct run of letters or digits is read once; only lines with an
   apostrophe inside a word are read line by line;
5. the rules (diversion, cheering, claim forms, common short comments, abuse) run on the lines they can concern:
   once per distinct short text, and on the lines with a hit; lines with no words at all go through ``triage``;
6. topics: a walk of a trie of the topic cues over the questions and complaints (the best rank per line), and the
   English cue words and pairs among the runs of letters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from itertools import chain
from typing import Any, NamedTuple

import numpy as np

from livecrew.text import model as m
from livecrew.text.cache import arrays as cached_arrays
from livecrew.text.compliance import Hit
from livecrew.text.prepared import NL as _NL
from livecrew.text.prepared import Prepared
from livecrew.text.prepared import distinct as _distinct_values
from livecrew.text.prepared import line_of as _line_of
from livecrew.text.prepared import member as _member
from livecrew.text.prepared import text_of as _text
from livecrew.text.triage import _PRAISE_ONLY as PRAISE_ONLY
from livecrew.text.triage import _PURCHASE_FORM as PURCHASE_FORM
from livecrew.text.triage import _WORD as WORD
from livecrew.text.triage import LABELS, TOPIC_LABELS, _load, triage
from livecrew.text.trie import Trie, covered_by_words

_CJK_LO, _CJK_HI = 0x3400, 0xA000  # the characters the vocabulary holds one by one, and model._REPEAT3's range
_NOT = (ord("不"), ord("没"))
_EMOJI_LO = min(map(ord, m._GOOD_EMOJI | m._BAD_EMOJI))
# The rules' whole-comment expressions, read line by line over short lines joined with line breaks.
_PRAISE_LINES = re.compile(PRAISE_ONLY.pattern, PRAISE_ONLY.flags | re.MULTILINE)
_PURCHASE_LINES = re.compile(PURCHASE_FORM.pattern, PURCHASE_FORM.flags | re.MULTILINE)
_EMOJI_NOT_CJK = not any(_CJK_LO <= ord(ch) < _CJK_HI for ch in m._GOOD_EMOJI | m._BAD_EMOJI)


class _Segmenter:
    """The vocabulary's words of two or more characters (and any other word outside the CJK range) in a trie
    (``trie.Trie``, numbered by word id), the token id of every CJK character, and which ids are negators."""

    def __init__(self, arrays: dict[str, Any]) -> None:
        self.trie = Trie({key[5:]: value for key, value in arrays.items() if key.startswith("trie_")})
        self.char_ids = arrays["char_ids"]
        self.negator = arrays["negator"]
        self._size = 3 * len(self.negator)
        self._linear: m.Linear | None = None
        self._table = np.zeros((6, 0))
        self._known = np.zeros(0, dtype=bool)
        self._features: _Features | None = None

    @staticmethod
    def arrays(vocab: m.Vocabulary) -> dict[str, Any]:
        words = vocab.words
        keep = [i for i, w in enumerate(words) if not (len(w) == 1 and _CJK_LO <= ord(w) < _CJK_HI)]
        trie = Trie.build([words[i] for i in keep], keep)
        char_ids = np.full(_CJK_HI - _CJK_LO, -1, dtype=np.int64)
        singles = [i for i, w in enumerate(words) if len(w) == 1 and _CJK_LO <= ord(w) < _CJK_HI]
        char_ids[[ord(words[i]) - _CJK_LO for i in singles]] = singles
        negator = np.zeros(len(words), dtype=bool)
        negator[[i for i, w in enumerate(words) if w in vocab.negators]] = True
        return {
            **{"trie_" + key: value for key, value in trie.arrays().items()},
            "char_ids": char_ids,
            "negator": negator,
        }

    def weights(self, linear: m.Linear) -> tuple[Any, Any]:
        """The six weights each (token id × 3 + scope) adds, one row per label, and which of them are filled in yet
        (per model)."""
        self._reset(linear)
        return self._table, self._known

    def features(self, linear: m.Linear) -> _Features:
        """The other features read so far, numbered, with their weights (per model)."""
        self._reset(linear)
        assert self._features is not None
        return self._features

    def _reset(self, linear: m.Linear) -> None:
        if self._linear is not linear:
            self._linear = linear
            self._table = np.zeros((6, self._size))
            self._known = np.zeros(self._size, dtype=bool)
            self._features = _Features(linear, len(self.negator))


class _Features:
    """The features other than tokens met so far (per model, for the whole process): a number each, and their six
    weights, one row per label; and the number of the ``^word`` and ``word$`` features of each token id."""

    def __init__(self, linear: m.Linear, words: int) -> None:
        self.linear = linear
        self.numbers: dict[str, int] = {}
        self._rows: list[tuple[float, ...]] = []
        self._table = np.zeros((6, 0))
        self.first = np.full(words, -1, dtype=np.int64)  # token id → the number of ^word
        self.last = np.full(words, -1, dtype=np.int64)  # token id → the number of word$

    def number(self, name: str) -> int:
        found = self.numbers.get(name)
        if found is None:
            found = self.numbers[name] = len(self._rows)
            self._rows.append(_unpack(self.linear.vector((name,))))
        return found

    def table(self) -> Any:
        """The weights of every feature numbered so far: one row per label."""
        if self._table.shape[1] < len(self._rows):
            self._table = np.concatenate((self._table, np.array(self._rows[self._table.shape[1] :]).T), axis=1)
        return self._table


@cache
def _segmenter() -> _Segmenter:
    """The shipped vocabulary's segmenter; its arrays are kept on disk between runs (``cache.py``)."""
    vocab = m.vocabulary()
    source = "\n".join(vocab.words) + "\0" + "\n".join(sorted(vocab.negators))  # all the arrays are made of
    return _Segmenter(cached_arrays("segmenter", source.encode(), lambda: _Segmenter.arrays(vocab)))


def triage_lines(
    lines: Sequence[str], hits: Sequence[Sequence[Hit]], prepared: Prepared | None = None
) -> list[tuple[str, str | None]]:
    """``[(t.label, t.topic) for t in (triage(line, hits=h, explain=False) ...)]`` for a batch, in whole-batch
    passes (see the module docstring). Lines must not hold line breaks."""
    n = len(lines)
    if not n:
        return []
    batch = prepared or Prepared(lines)
    linear = m.shipped_model()
    vocab = m.vocabulary()
    seg = _segmenter()
    compact = batch.compact
    c_breaks = np.flatnonzero(compact == _NL)
    c_ends = np.append(c_breaks, len(compact))  # one past each line's last compact character
    c_starts = np.concatenate(([0], c_breaks + 1))
    sizes = c_ends - c_starts  # len(normalize(line))

    # Tokens: _REPEAT3 (a CJK run of three or more keeps two), then the words of the trie and the uncovered characters.
    cjk = (compact >= _CJK_LO) & (compact < _CJK_HI)
    drop = np.zeros(len(compact), dtype=bool)
    if len(compact) > 2:
        drop[2:] = cjk[2:] & (compact[2:] == compact[1:-1]) & (compact[1:-1] == compact[:-2])
    seg_codes, seg_cjk = (compact[~drop], cjk[~drop]) if drop.any() else (compact, cjk)
    length, number = seg.trie.longest(seg_codes)
    # A token starts at each position no chosen word covers: a word, or a CJK character of its own.
    positions = np.flatnonzero(~covered_by_words(length) & ((length > 0) | seg_cjk))
    word = length[positions] > 0
    ids = np.where(word, number[positions], seg.char_ids[np.where(word, 0, seg_codes[positions] - _CJK_LO)])
    tok_line = np.cumsum(seg_codes == _NL)[positions]  # the line of each token

    # Negation scope: a token is negated when one of the two tokens before it (same line) is a negator.
    is_neg = seg.negator[ids]
    negated = np.zeros(len(ids), dtype=bool)
    for back in (1, 2):
        if len(ids) > back:
            negated[back:] |= is_neg[:-back] & (tok_line[:-back] == tok_line[back:])
    kind = np.where(is_neg, 2, np.where(negated, 1, 0))
    keys = ids * 3 + kind
    table_, known = seg.weights(linear)
    need = np.flatnonzero((np.bincount(keys, minlength=3 * len(vocab.words)) > 0) & ~known)
    words = vocab.words
    if len(need):  # each (token, scope) is read from the model once per process
        rows = [_unpack(linear.token_vector(words[key // 3], key % 3, vocab)) for key in need.tolist()]
        table_[:, need] = np.array(rows).T
        known[need] = True
    # Per label, the weights of the tokens added up line by line in token order (the sums label_of makes).
    tok_sum = np.stack([np.bincount(tok_line, weights=column[keys], minlength=n) for column in table_], axis=1)

    # The other features, as (line, feature) items in label_of's order: bincount adds them in array order, so the
    # groups go in the order label_of appends them (Latin words, ^first, last$, #?, #qend, length, emoji, A-不-A).
    registry = seg.features(linear)
    feature = registry.number
    items_line: list[Any] = []
    items_feat: list[Any] = []

    def add(where: Any, feats: Any) -> None:
        items_line.append(np.asarray(where, dtype=np.int64))
        items_feat.append(np.asarray(feats, dtype=np.int64))

    def add_one(where: Any, name: str) -> None:
        add(where, np.full(len(where), feature(name), dtype=np.int64))

    has_words = np.bincount(tok_line, minlength=n) > 0
    folded = batch.folded
    f_breaks = np.flatnonzero(folded == _NL)
    raw = batch.raw
    # Latin words and numbers (model.latin_tokens), read as runs of letters and of digits over the whole batch;
    # a run of digits counts only when its first character was written as an ASCII or full-width digit (not 一, ①).
    # Lines with an apostrophe between letters (don't) are read line by line.
    letter = (folded >= ord("a")) & (folded <= ord("z"))
    digit = (folded >= ord("0")) & (folded <= ord("9"))
    latin_first: dict[int, str] = {}
    latin_last: dict[int, str] = {}
    slow = np.zeros(n, dtype=bool)
    none = np.zeros(0, dtype=np.int64)
    runs = _Runs(none, none, none, np.zeros(0, dtype=bool), slow, none, [])
    if letter.any() or digit.any():
        folded_text = batch.folded_text
        apostrophe = np.zeros(len(folded), dtype=bool)
        if len(folded) > 2:
            apostrophe[1:-1] = (folded[1:-1] == ord("'")) & letter[:-2] & letter[2:]
        slow[_line_of(f_breaks, np.flatnonzero(apostrophe))] = True
        # Runs: letters or digits next to each other, all of one kind.
        alnum = np.flatnonzero(letter | digit)
        is_letter = letter[alnum]
        new_run = np.ones(len(alnum), dtype=bool)
        new_run[1:] = (np.diff(alnum) != 1) | (is_letter[1:] != is_letter[:-1])
        firsts = np.flatnonzero(new_run)
        run_start = alnum[firsts]
        run_end = alnum[np.append(firsts[1:], len(alnum)) - 1] + 1
        run_kind = np.where(is_letter[firsts], 1, 2)
        run_line = _line_of(f_breaks, run_start)
        all_ids, run_texts = _distinct(batch, run_start, run_end)  # each distinct run is read once
        runs = _Runs(run_start, run_end, run_line, run_kind == 1, slow, all_ids, run_texts)
        first_raw = raw[run_start]
        written = ((first_raw >= ord("0")) & (first_raw <= ord("9"))) | ((first_raw >= 0xFF10) & (first_raw <= 0xFF19))
        keep_run = (run_kind == 1) | written
        keep_run &= ~slow[run_line]
        run_start, run_end, run_line = run_start[keep_run], run_end[keep_run], run_line[keep_run]
        # The word of each distinct run (model.latin_tokens), whether it is a negator, a number.
        run_ids = all_ids[keep_run]
        if len(run_ids):
            words_ = [_latin_word(run) for run in run_texts]
            en_neg = np.array([w in m._EN_NEGATORS for w in words_], dtype=bool)[run_ids]
            scoped = np.zeros(len(run_ids), dtype=bool)
            for back in (1, 2):
                if len(run_ids) > back:
                    scoped[back:] |= en_neg[:-back] & (run_line[:-back] == run_line[back:])
            # (word, scope) keys: 0 plain, 1 negated, 2 a negator; the features of each distinct key read once.
            scope = np.where(en_neg, 2, np.where(scoped, 1, 0))
            pairs, keys_ = np.unique(run_ids * 3 + scope, return_inverse=True)
            key_feats: list[list[int]] = []
            for pair in pairs.tolist():
                w, k = words_[pair // 3], pair % 3
                names = ("en:not",) if k == 2 else m._expand(w, vocab, k == 1, "en:")
                key_feats.append([feature(f) for f in names])
            lengths_ = np.array([len(f) for f in key_feats], dtype=np.int64)
            offsets = np.concatenate(([0], np.cumsum(lengths_)[:-1]))
            flat_feats = np.fromiter(chain.from_iterable(key_feats), np.int64)
            per = lengths_[keys_]
            total = int(per.sum())
            within = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
            add(np.repeat(run_line, per), flat_feats[np.repeat(offsets[keys_], per) + within])
            with_latin = _distinct_values(run_line)
            add(with_latin, np.where(has_words[with_latin], feature("#mixed"), feature("#latin")))
            numbers = np.array([w[0].isdigit() or w == "#num" for w in words_], dtype=bool)[run_ids]
            add_one(_distinct_values(run_line[numbers]), "#digit")
            # The first and last Latin word of the lines without any other token (^first and last$ below).
            alone_lines = with_latin[~has_words[with_latin]]
            if len(alone_lines):
                run_first = np.searchsorted(run_line, alone_lines, side="left")
                run_last = np.searchsorted(run_line, alone_lines, side="right") - 1
                for i, f, last in zip(
                    alone_lines.tolist(), run_ids[run_first].tolist(), run_ids[run_last].tolist(), strict=True
                ):
                    latin_first[i], latin_last[i] = words_[f], words_[last]
        if slow.any():
            compact_text = batch.compact_text
            f_starts = np.append(0, f_breaks + 1).tolist()
            f_ends = np.append(f_breaks, len(folded)).tolist()
            l_line: list[int] = []
            l_feat: list[int] = []
            for i in np.flatnonzero(slow).tolist():
                own = compact_text[c_starts[i] : c_ends[i]]
                latin = m.latin_tokens(folded_text[f_starts[i] : f_ends[i]], lines[i]) if m._ALNUM.search(own) else []
                if not latin:
                    continue
                rest = m.latin_features(latin, bool(has_words[i]), vocab)
                l_line += [i] * len(rest)
                l_feat += [feature(f) for f in rest]
                latin_first[i], latin_last[i] = latin[0], latin[-1]
            add(l_line, l_feat)
    # ^first and last$: the first and last token, or the first and last Latin word of a line with no token.
    line_starts = np.flatnonzero(np.diff(tok_line, prepend=-1)) if len(tok_line) else np.zeros(0, dtype=np.int64)
    line_ends = np.append(line_starts[1:], len(tok_line)) - 1
    with_tokens = tok_line[line_starts]
    only_latin = [i for i in latin_first if not has_words[i]]
    for mark, spots, known in (("^", line_starts, registry.first), ("$", line_ends, registry.last)):
        tokens_ = ids[spots]
        new = _distinct_values(tokens_[known[tokens_] < 0])
        if len(new):
            known[new] = [feature("^" + words[w] if mark == "^" else words[w] + "$") for w in new.tolist()]
        latin_names = [("^" + latin_first[i]) if mark == "^" else (latin_last[i] + "$") for i in only_latin]
        add(
            np.concatenate((with_tokens, np.asarray(only_latin, dtype=np.int64))),
            np.concatenate((known[tokens_], np.asarray([feature(f) for f in latin_names], dtype=np.int64))),
        )
    asks = np.zeros(n, dtype=bool)
    asks[_line_of(f_breaks, np.flatnonzero(folded == ord("?")))] = True
    add_one(np.flatnonzero(asks), "#?")
    last_code = compact[np.maximum(c_ends - 1, 0)]
    qend = (sizes > 0) & np.isin(last_code, [ord(w) for w in vocab.question_end])
    add_one(np.flatnonzero(qend), "#qend")
    lengths = m._LENGTHS
    size_feature = np.array([feature(name) for name in lengths] + [feature("#long")], dtype=np.int64)
    add(np.arange(n), size_feature[np.minimum(sizes, len(lengths))])
    # Only the characters in the emoji's range (and outside the CJK range, which holds none) are looked up.
    symbols = folded >= _EMOJI_LO
    if _EMOJI_NOT_CJK:
        symbols &= (folded < _CJK_LO) | (folded >= _CJK_HI)
    symbols = np.flatnonzero(symbols)
    for chars, name in ((m._GOOD_EMOJI, "#emoji+"), (m._BAD_EMOJI, "#emoji-")):
        spots = symbols[_member(chars)[folded[symbols]]]
        add_one(_distinct_values(_line_of(f_breaks, spots)), name)
    if len(compact) > 2:
        middle = compact[1:-1]
        anota = np.flatnonzero(((middle == _NOT[0]) | (middle == _NOT[1])) & (compact[2:] == compact[:-2]))
        around = compact[anota]
        anota = anota[(around >= 0x4E00) & (around < 0xA000)]
        add_one(_distinct_values(_line_of(c_breaks, anota)), "#anota")
    i_line = np.concatenate(items_line)
    i_feat = np.concatenate(items_feat)
    table = registry.table()
    rest_sum = np.stack([np.bincount(i_line, weights=column[i_feat], minlength=n) for column in table], axis=1)
    scores = tok_sum + (rest_sum + np.array(_unpack(linear.bias_vector())))
    label_ids = np.argmax(scores, axis=1)

    # The rules, on the lines they can concern: short (12 characters or fewer) without a question mark, or with a
    # hit. A diversion hit makes spam; then cheering, claim forms and common short comments; then an abuse hit
    # (block) makes a complaint. Lines with no words at all are decided by triage itself, below.
    labels: list[str] = [LABELS[k] for k in label_ids.tolist()]
    ruled = _short_rules(batch, np.flatnonzero((sizes > 0) & (sizes <= 12) & ~asks), sizes)
    for i, rule in ruled.items():
        labels[i] = rule
    for i, line_hits in enumerate(hits):
        if not line_hits or not sizes[i]:
            continue
        if any(h.category == "diversion" for h in line_hits):
            labels[i] = "spam"
        elif i not in ruled and any(h.category == "abuse" and h.severity == "block" for h in line_hits):
            labels[i] = "complaint"
    lettered = np.zeros(n, dtype=bool)  # lines whose folded text has a Latin letter (English cues need one)
    lettered[runs.lines[runs.letters]] = True
    wanted = [i for i, label in enumerate(labels) if label in TOPIC_LABELS]
    topics = _topics(batch, wanted, lettered, c_breaks, sizes, runs)
    empty = np.flatnonzero(sizes == 0).tolist()
    out: list[tuple[str, str | None]] = [(label, None) for label in labels]
    for i, topic in zip(wanted, topics, strict=True):
        out[i] = (labels[i], topic)
    for i in empty:  # triage itself decided these lines, topic included
        verdict = triage(lines[i], hits=hits[i], explain=False)
        out[i] = (verdict.label, verdict.topic)
    return out


def _short_rules(batch: Prepared, short: Any, sizes: Any) -> dict[int, str]:
    """The label the rules give each of the ``short`` lines (normalized, 12 characters or fewer, no question mark)
    that one fits: cheering, else a claim form, else a common short comment (``triage._verdict``). The two
    expressions run once over all the short lines joined (``^`` and ``$`` at each line: neither expression reads
    a line break), the common comments are looked up for the lines as short as they are."""
    if not len(short):
        return {}
    compact = batch.compact
    begin = batch.compact_starts[short]
    size = np.minimum(sizes[short] + 1, len(compact) - begin)  # each line with the line break that ends it
    offsets = np.cumsum(size) - size
    text = _text(compact[np.repeat(begin - offsets, size) + np.arange(int(size.sum()))])
    ruled: dict[int, str] = {}
    exact = _load().exact
    longest = max(map(len, exact), default=0)
    few = np.flatnonzero(sizes[short] <= longest)
    ends = offsets + sizes[short]
    for line, start, end in zip(short[few].tolist(), offsets[few].tolist(), ends[few].tolist(), strict=True):
        common = exact.get(text[start:end])
        if common:
            ruled[line] = common
    for label, pattern in (("purchase", _PURCHASE_LINES), ("praise", _PRAISE_LINES)):  # the first that fits wins
        found = [m.start() for m in pattern.finditer(text) if m.end() > m.start()]  # (no short line is empty)
        for i in np.searchsorted(offsets, found, side="right") - 1:
            ruled[int(short[i])] = label
    return ruled


def _distinct(batch: Prepared, starts: Any, ends: Any) -> tuple[Any, list[str]]:
    """The runs ``folded_text[start:end]`` of letters or of digits (each run is all letters or all digits): a
    number for each run, the same for the same text, and the text of each number. Runs of up to 12 characters are
    told apart by a number made of their characters (5 bits each, after a leading 1 and the kind: 62 bits), without
    a Python string per run; a longer run is a number of its own."""
    folded = batch.folded
    sizes = ends - starts
    # A leading 1 (so that the length shows), a bit for digits or letters (both count from 1), 5 bits a character.
    keys = 2 + (folded[starts] <= ord("9")).astype(np.int64)
    for k in range(min(12, int(sizes.max(initial=0)))):
        longer = np.flatnonzero(sizes > k)
        points = folded[starts[longer] + k].astype(np.int64)
        keys[longer] = (keys[longer] << 5) | np.where(
            points <= ord("9"), points - (ord("0") - 1), points - (ord("a") - 1)
        )
    long = np.flatnonzero(sizes > 12)
    keys[long] = -1 - long
    _keys, first, ids = np.unique(keys, return_index=True, return_inverse=True)
    text = batch.folded_text
    return ids, [text[x:y] for x, y in zip(starts[first].tolist(), ends[first].tolist(), strict=True)]


class _Runs(NamedTuple):
    """The runs of Latin letters and of digits of a batch's folded text (starts, ends, lines), and the lines with
    an apostrophe between letters (``don't``: one word for ``triage._WORD``, two runs here)."""

    starts: Any
    ends: Any
    lines: Any
    letters: Any  # True for a run of letters, False for a run of digits
    apostrophe: Any
    ids: Any  # the number of each run's text (``_distinct``)
    texts: list[str]  # the text of each number


def _topics(batch: Prepared, wanted: list[int], lettered: Any, breaks: Any, sizes: Any, runs: _Runs) -> list[str]:
    """The topic of each wanted line: the best-ranked cue (``triage._topic``), found by one walk of the topic cues'
    trie over the wanted lines of the batch, and the English cue words and pairs of words among the runs of
    letters and digits of the lines that have a Latin letter (``lettered``). ``breaks`` are the line breaks of the
    compact text, ``sizes`` the lengths of its lines."""
    if not wanted:
        return []
    cues = _load()
    ranked = _ranks()
    lines = np.asarray(wanted, dtype=np.int64)
    in_line = np.zeros(len(sizes), dtype=bool)
    in_line[lines] = True
    found = ranked.trie.best(batch.compact, np.repeat(in_line, sizes + 1)[: len(batch.compact)])
    at = np.flatnonzero(found >= 0)
    per_line = np.zeros(len(sizes), dtype=np.int64)
    np.maximum.at(per_line, _line_of(breaks, at), found[at])
    english = ranked.english if cues.english else None
    if english:
        # triage._find_cues reads the words of _WORD: runs of letters (with don't as one word) and of decimal
        # digits. Lines with an apostrophe between letters or a decimal digit other than 0-9 are read with _WORD.
        in_line &= lettered
        odd = runs.apostrophe | _other_digits(batch, len(sizes))
        runs_in = np.flatnonzero(in_line[runs.lines] & ~odd[runs.lines])
        if len(runs_in):
            run_lines, ids, words = runs.lines[runs_in], runs.ids[runs_in], runs.texts
            codes = np.array([english.get(w, 0) for w in words], dtype=np.int64)[ids]
            pair_first = np.array([w in ranked.pair_firsts for w in words], dtype=bool)[ids]
            pairs = np.flatnonzero(pair_first[:-1] & (run_lines[:-1] == run_lines[1:]))
            for k, a, b in zip(pairs.tolist(), ids[pairs].tolist(), ids[pairs + 1].tolist(), strict=True):
                codes[k] = max(codes[k], english.get(words[a] + " " + words[b], 0))
            np.maximum.at(per_line, run_lines, codes)
        odd_lines = np.flatnonzero(in_line & odd).tolist()
        if odd_lines:
            folded_text, starts = batch.folded_text, batch.raw_starts
            ends = np.append(batch.raw_breaks, len(batch.raw))
            for i in odd_lines:
                words = WORD.findall(folded_text[starts[i] : ends[i]])
                code = int(per_line[i])
                for k, word in enumerate(words):
                    code = max(code, english.get(word, 0))
                    if k + 1 < len(words):
                        code = max(code, english.get(word + " " + words[k + 1], 0))
                per_line[i] = code
    names: list[str] = ranked.names[per_line[lines]].tolist()
    return names


def _other_digits(batch: Prepared, count: int) -> Any:
    """Per line: whether its folded text has a decimal digit other than 0-9 (``\\d`` reads them; the batch's runs
    do not). Below U+0660 the only decimal digits are 0-9, and the CJK range has none."""
    folded = batch.folded
    lines = np.zeros(count, dtype=bool)
    spots = np.flatnonzero((folded >= 0x660) & ((folded < 0x3400) | (folded > 0x9FFF)))
    if len(spots):
        decimal = [code for code in _distinct_values(folded[spots]).tolist() if chr(code).isdecimal()]
        if decimal:
            found = spots[np.isin(folded[spots], decimal)]
            lines[_line_of(np.flatnonzero(folded == _NL), found)] = True
    return lines


class _Ranked:
    """The topic cues alone (the only cues a topic reads), in a trie, with a code per rank order."""

    def __init__(self) -> None:
        cues = _load()
        english_ranks = {rank for found in cues.english.values() for _k, _w, rank in found if rank}
        ranks = sorted({rank for _k, _w, rank in cues.kinds if rank} | english_ranks)
        self.order = ranks
        self.names = np.array(["other", *(rank[3] for rank in ranks)], dtype=object)  # code → topic
        index = {rank: r + 1 for r, rank in enumerate(ranks)}
        strings = cues.automaton_strings
        keep = [i for i, (_k, _w, rank) in enumerate(cues.kinds) if rank]
        # a cue found twice (a strong and a weak topic) counts with its best rank
        self.trie = Trie.build([strings[i] for i in keep], [index[cues.kinds[i][2]] for i in keep], keep="max")  # type: ignore[index]
        # English cue words and pairs of words that carry a topic → the code of their best rank; the first words of
        # the pairs.
        self.english = {
            key: max(index[rank] for _k, _w, rank in found if rank)
            for key, found in cues.english.items()
            if any(rank for _k, _w, rank in found)
        }
        self.pair_firsts = frozenset(key.split(" ", 1)[0] for key in self.english if " " in key)


@cache
def _ranks() -> _Ranked:
    return _Ranked()


_LATIN_WORDS: dict[str, str] = {}


def _latin_word(run: str) -> str:
    """A run of letters or digits as ``model.latin_tokens`` reads it (666666 → 666, hhh → haha, 12345 → #num)."""
    word = _LATIN_WORDS.get(run)
    if word is None:
        word = run
        if run.isdigit():
            if len(run) >= 3 and len(set(run)) == 1:
                word = run[:3]
            elif run.startswith("233"):
                word = "233"
            elif len(run) > 2:
                word = "#num"
        elif m._HAHA.match(run):
            word = "haha"
        if len(_LATIN_WORDS) < 100_000:
            _LATIN_WORDS[run] = word
    return word


def _unpack(vector: tuple[complex, complex, complex]) -> tuple[float, float, float, float, float, float]:
    a, b, c = vector
    return (a.real, a.imag, b.real, b.imag, c.real, c.imag)
