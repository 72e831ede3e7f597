"""Triage of a whole batch of lines at once: the command line's fast path, with the same result as ``triage`` per line.

Everything that is per character or per word runs over the whole batch, in numpy or in one automaton pass:

1. the batch is joined with line breaks and read as an array of code points (UTF-32); folding and dropping noise
   are look-ups in two tables of the whole Unicode range (the same tables as ``str.translate`` uses), and runs of
   one CJK character are shortened by comparing the array with itself shifted;
2. segmentation is one leftmost-longest pass of an automaton of the vocabulary's words of two or more characters
   over the whole compact text; every CJK character no word covers is a token of its own (the per-line automaton
   holds every CJK character as a last resort: the same tokens); tokens are mapped to lines by their offsets;
3. negation scope is a shift of the token array (a token is negated when one of the two before it, in the same
   line, is a negator), and the weights of each distinct (token, scope) are added up once; per line they are
   summed with ``numpy.bincount`` in token order, so every score is the same floating-point sum as ``label_of``;
4. the other features (first and last word, length, question mark, final particle, emoji, A-不-A) are found by
   array comparisons; only Latin words and numbers are read line by line, and only on lines that have them;
5. the rules (diversion, cheering, claim forms, common short comments, abuse) are applied per line on the few
   lines they can concern; lines with no words at all go through ``triage`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import chain
from typing import Any

import ahocorasick_rs
import numpy as np

from livecrew.text import model as m
from livecrew.text.compliance import Hit
from livecrew.text.prepared import NL as _NL
from livecrew.text.prepared import Prepared
from livecrew.text.prepared import codes as _codes
from livecrew.text.prepared import line_of as _line_of
from livecrew.text.prepared import member as _member
from livecrew.text.prepared import text_of as _text
from livecrew.text.triage import _PRAISE_ONLY as PRAISE_ONLY
from livecrew.text.triage import _PURCHASE_FORM as PURCHASE_FORM
from livecrew.text.triage import _WORD as WORD
from livecrew.text.triage import LABELS, TOPIC_LABELS, _load, triage

_CJK_LO, _CJK_HI = 0x3400, 0xA000  # the characters the vocabulary holds one by one
_REPEAT_LO, _REPEAT_HI = 0x3400, 0xA000  # model._REPEAT3: [\u3400-\u9fff]
_NOT = (ord("不"), ord("没"))


class _Segmenter:
    """The vocabulary's words of two or more characters (and any other word outside the CJK range), in one
    leftmost-longest automaton, and the token id of every CJK character."""

    def __init__(self, vocab: m.Vocabulary) -> None:
        words = vocab.words
        keep = [i for i, w in enumerate(words) if not (len(w) == 1 and _CJK_LO <= ord(w) < _CJK_HI)]
        self.automaton = ahocorasick_rs.AhoCorasick(
            [words[i] for i in keep], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        )
        self.ids = np.array(keep, dtype=np.int64)
        char_ids = np.full(_CJK_HI - _CJK_LO, -1, dtype=np.int64)
        singles = [i for i, w in enumerate(words) if len(w) == 1 and _CJK_LO <= ord(w) < _CJK_HI]
        char_ids[[ord(words[i]) - _CJK_LO for i in singles]] = singles
        self.char_ids = char_ids
        self.negators = np.array(sorted(i for i, w in enumerate(words) if w in vocab.negators), dtype=np.int64)
        self._size = 3 * len(words)
        self._linear: m.Linear | None = None
        self._table = np.zeros((0, 6))
        self._known = np.zeros(0, dtype=bool)
        self._features: dict[str, tuple[float, ...]] = {}

    def weights(self, linear: m.Linear) -> tuple[Any, Any]:
        """The six weights each (token id × 3 + scope) adds, and which of them are filled in yet (per model)."""
        self._reset(linear)
        return self._table, self._known

    def feature_vectors(self, linear: m.Linear) -> dict[str, tuple[float, ...]]:
        """The six weights of each other feature read so far (per model)."""
        self._reset(linear)
        return self._features

    def _reset(self, linear: m.Linear) -> None:
        if self._linear is not linear:
            self._linear = linear
            self._table = np.zeros((self._size, 6))
            self._known = np.zeros(self._size, dtype=bool)
            self._features = {}


@cache
def _segmenter() -> _Segmenter:
    return _Segmenter(m.vocabulary())


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

    # Tokens: _REPEAT3 (a CJK run of three or more keeps two), then the automaton and the uncovered characters.
    cjk = (compact >= _REPEAT_LO) & (compact < _REPEAT_HI)
    drop = np.zeros(len(compact), dtype=bool)
    if len(compact) > 2:
        drop[2:] = cjk[2:] & (compact[2:] == compact[1:-1]) & (compact[1:-1] == compact[:-2])
    seg_codes = compact[~drop] if drop.any() else compact
    found = seg.automaton.find_matches_as_indexes(_text(seg_codes))
    flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=3 * len(found)).reshape(-1, 3)
    covered = np.zeros(len(seg_codes) + 1, dtype=np.int64)
    np.add.at(covered, flat[:, 1], 1)
    np.add.at(covered, flat[:, 2], -1)
    is_covered = np.cumsum(covered[:-1]) > 0
    lone = np.flatnonzero(~is_covered & (seg_codes >= _CJK_LO) & (seg_codes < _CJK_HI))
    slots = np.full(len(seg_codes), -1, dtype=np.int64)
    slots[flat[:, 1]] = seg.ids[flat[:, 0]]
    slots[lone] = seg.char_ids[seg_codes[lone] - _CJK_LO]
    positions = np.flatnonzero(slots >= 0)
    ids = slots[positions]
    s_breaks = np.flatnonzero(seg_codes == _NL)
    tok_line = _line_of(s_breaks, positions)

    # Negation scope: a token is negated when one of the two tokens before it (same line) is a negator.
    is_neg = np.isin(ids, seg.negators)
    negated = np.zeros(len(ids), dtype=bool)
    for back in (1, 2):
        if len(ids) > back:
            negated[back:] |= is_neg[:-back] & (tok_line[:-back] == tok_line[back:])
    kind = np.where(is_neg, 2, np.where(negated, 1, 0))
    keys = ids * 3 + kind
    table_, known = seg.weights(linear)
    need = np.flatnonzero((np.bincount(keys, minlength=3 * len(vocab.words)) > 0) & ~known)
    words = vocab.words
    for key in need.tolist():  # each (token, scope) is read from the model once per process
        table_[key] = _unpack(linear.token_vector(words[key // 3], key % 3, vocab))
    known[need] = True
    weights = table_[keys]
    tok_sum = np.stack([np.bincount(tok_line, weights=weights[:, j], minlength=n) for j in range(6)], axis=1)

    # The other features, as (line, feature) items in label_of's order: bincount adds them in array order, so the
    # groups go in the order label_of appends them (Latin words, ^first, last$, #?, #qend, length, emoji, A-不-A).
    features: dict[str, int] = {}
    items_line: list[Any] = []
    items_feat: list[Any] = []

    def feature(name: str) -> int:
        return features.setdefault(name, len(features))

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
    compact_lines: list[str] | None = None
    if letter.any() or digit.any():
        folded_text = batch.folded_text
        apostrophe = np.zeros(len(folded), dtype=bool)
        if len(folded) > 2:
            apostrophe[1:-1] = (folded[1:-1] == ord("'")) & letter[:-2] & letter[2:]
        slow = np.zeros(n, dtype=bool)
        slow[_line_of(f_breaks, np.flatnonzero(apostrophe))] = True
        kind_of = letter.astype(np.int8) + 2 * digit.astype(np.int8)  # 1 letter, 2 digit, 0 neither
        edges = np.flatnonzero(np.diff(kind_of, prepend=0, append=0))
        run_start, run_end = edges[:-1], edges[1:]
        run_kind = kind_of[run_start]
        run_start, run_end, run_kind = run_start[run_kind > 0], run_end[run_kind > 0], run_kind[run_kind > 0]
        first_raw = raw[run_start]
        written = ((first_raw >= ord("0")) & (first_raw <= ord("9"))) | ((first_raw >= 0xFF10) & (first_raw <= 0xFF19))
        keep_run = (run_kind == 1) | written
        run_line = _line_of(f_breaks, run_start)
        keep_run &= ~slow[run_line]
        run_start, run_end, run_line = run_start[keep_run], run_end[keep_run], run_line[keep_run]
        words_ = [_latin_word(folded_text[x:y]) for x, y in zip(run_start.tolist(), run_end.tolist(), strict=True)]
        if words_:
            en_neg = np.fromiter((w in m._EN_NEGATORS for w in words_), bool, len(words_))
            scoped = np.zeros(len(words_), dtype=bool)
            for back in (1, 2):
                if len(words_) > back:
                    scoped[back:] |= en_neg[:-back] & (run_line[:-back] == run_line[back:])
            keyed: dict[tuple[str, int], int] = {}
            key_feats: list[list[int]] = []
            keys_ = np.empty(len(words_), dtype=np.int64)
            for at, (w, neg, sc) in enumerate(zip(words_, en_neg.tolist(), scoped.tolist(), strict=True)):
                k = 2 if neg else 1 if sc else 0
                known = keyed.get((w, k))
                if known is None:
                    known = keyed[(w, k)] = len(key_feats)
                    names = ("en:not",) if k == 2 else m._expand(w, vocab, k == 1, "en:")
                    key_feats.append([feature(f) for f in names])
                keys_[at] = known
            lengths_ = np.array([len(f) for f in key_feats], dtype=np.int64)
            offsets = np.concatenate(([0], np.cumsum(lengths_)[:-1]))
            flat_feats = np.fromiter(chain.from_iterable(key_feats), np.int64)
            per = lengths_[keys_]
            total = int(per.sum())
            within = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
            add(np.repeat(run_line, per), flat_feats[np.repeat(offsets[keys_], per) + within])
            with_latin = np.unique(run_line)
            add(with_latin, np.where(has_words[with_latin], feature("#mixed"), feature("#latin")))
            is_digit = np.fromiter((w[0].isdigit() or w == "#num" for w in words_), bool, len(words_))
            add_one(np.unique(run_line[is_digit]), "#digit")
            run_first = np.flatnonzero(np.diff(run_line, prepend=-1))
            run_last = np.append(run_first[1:], len(run_line)) - 1
            for i, f, last in zip(run_line[run_first].tolist(), run_first.tolist(), run_last.tolist(), strict=True):
                latin_first[i], latin_last[i] = words_[f], words_[last]
        if slow.any():
            folded_lines = folded_text.split("\n")
            compact_lines = batch.compact_text.split("\n")
            l_line: list[int] = []
            l_feat: list[int] = []
            for i in np.flatnonzero(slow).tolist():
                latin = m.latin_tokens(folded_lines[i], lines[i]) if m._ALNUM.search(compact_lines[i]) else []
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
    for mark, spots in (("^", line_starts), ("$", line_ends)):
        first_ids = ids[spots]
        distinct = np.unique(first_ids)
        lookup = np.zeros(len(words), dtype=np.int64)
        lookup[distinct] = [feature("^" + words[w] if mark == "^" else words[w] + "$") for w in distinct.tolist()]
        latin_names = [("^" + latin_first[i]) if mark == "^" else (latin_last[i] + "$") for i in only_latin]
        add(
            np.concatenate((with_tokens, np.asarray(only_latin, dtype=np.int64))),
            np.concatenate((lookup[first_ids], np.asarray([feature(f) for f in latin_names], dtype=np.int64))),
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
    for chars, name in ((m._GOOD_EMOJI, "#emoji+"), (m._BAD_EMOJI, "#emoji-")):
        spots = _member(chars)[folded]
        add_one(np.unique(_line_of(f_breaks, np.flatnonzero(spots))), name)
    if len(compact) > 2:
        a = compact[:-2]
        anota = (a >= 0x4E00) & (a < 0xA000) & np.isin(compact[1:-1], _NOT) & (compact[2:] == a)
        add_one(np.unique(_line_of(c_breaks, np.flatnonzero(anota))), "#anota")
    i_line = np.concatenate(items_line)
    i_feat = np.concatenate(items_feat)
    vectors = seg.feature_vectors(linear)
    table = np.array([vectors.get(f) or vectors.setdefault(f, _unpack(linear.vector((f,)))) for f in features])
    table = table.reshape(-1, 6)
    rest_weights = table[i_feat]
    rest_sum = np.stack([np.bincount(i_line, weights=rest_weights[:, j], minlength=n) for j in range(6)], axis=1)
    scores = tok_sum + (rest_sum + np.array(_unpack(linear.bias_vector())))
    label_ids = np.argmax(scores, axis=1)

    # The rules, on the lines they can concern: no words, a hit, or short without a question mark.
    special = (sizes == 0) | ((sizes <= 12) & ~asks)
    hit_lines = [i for i, h in enumerate(hits) if h]
    special[hit_lines] = True
    labels: list[str] = [LABELS[k] for k in label_ids.tolist()]
    if compact_lines is None:
        compact_lines = batch.compact_text.split("\n")
    exact = _load().exact
    asks_list = asks
    for i in np.flatnonzero(special).tolist():
        text = compact_lines[i]
        if not text:  # decided by triage itself, below
            continue
        line_hits = hits[i]
        blocked = False
        if line_hits:
            if any(h.category == "diversion" for h in line_hits):
                labels[i] = "spam"
                continue
            blocked = any(h.category == "abuse" and h.severity == "block" for h in line_hits)
        if len(text) <= 12 and not asks_list[i]:
            if PRAISE_ONLY.match(text):
                labels[i] = "praise"
                continue
            if PURCHASE_FORM.match(text):
                labels[i] = "purchase"
                continue
            common = exact.get(text)
            if common:
                labels[i] = common
                continue
        if blocked:
            labels[i] = "complaint"
    lettered = np.zeros(n, dtype=bool)  # lines whose folded text has a Latin letter (English cues need one)
    lettered[_line_of(f_breaks, np.flatnonzero(letter))] = True
    wanted = [i for i, label in enumerate(labels) if label in TOPIC_LABELS]
    topics = _topics(batch, compact_lines, wanted, lettered)
    empty = np.flatnonzero(sizes == 0).tolist()
    out: list[tuple[str, str | None]] = [(label, None) for label in labels]
    for i, topic in zip(wanted, topics, strict=True):
        out[i] = (labels[i], topic)
    for i in empty:  # triage itself decided these lines, topic included
        verdict = triage(lines[i], hits=hits[i], explain=False)
        out[i] = (verdict.label, verdict.topic)
    return out


def _topics(batch: Prepared, compact_lines: list[str], wanted: list[int], lettered: Any) -> list[str]:
    """The topic of each wanted line: the best-ranked cue (``triage._topic``), found in one pass over the batch.
    ``lettered`` tells, per line of the batch, whether its folded text has a Latin letter."""
    if not wanted:
        return []
    cues = _load()
    ranked = _ranks()
    text = "\n".join([compact_lines[i] for i in wanted])
    found = ranked.automaton.find_matches_as_indexes(text, overlapping=True)
    flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=3 * len(found)).reshape(-1, 3)
    breaks = np.flatnonzero(_codes(text) == _NL)
    best = np.zeros(len(wanted), dtype=np.int64)
    np.maximum.at(best, _line_of(breaks, flat[:, 1]), ranked.codes[flat[:, 0]])
    english = ranked.english if cues.english else None
    with_letters: list[int] = np.flatnonzero(lettered[np.asarray(wanted, dtype=np.int64)]).tolist() if english else []
    if english and with_letters:
        folded_lines = batch.folded_text.split("\n")
        find_words = WORD.findall
        codes = best.tolist()
        for j in with_letters:
            # English cue words and pairs of words (triage._find_cues), ranked in the same order as the CJK cues.
            code = codes[j]
            words = find_words(folded_lines[wanted[j]])
            last = len(words) - 1
            for k, word in enumerate(words):
                cue = english.get(word, 0)
                if k < last:
                    cue = max(cue, english.get(word + " " + words[k + 1], 0))
                if cue > code:
                    code = cue
            best[j] = code
    names: list[str] = ranked.names[best].tolist()
    return names


class _Ranked:
    """The topic cues alone (the only cues a topic reads), in one automaton, with a code per rank order."""

    def __init__(self) -> None:
        cues = _load()
        english_ranks = {rank for found in cues.english.values() for _k, _w, rank in found if rank}
        ranks = sorted({rank for _k, _w, rank in cues.kinds if rank} | english_ranks)
        self.order = ranks
        self.names = np.array(["other", *(rank[3] for rank in ranks)], dtype=object)  # code → topic
        index = {rank: r + 1 for r, rank in enumerate(ranks)}
        strings = cues.automaton_strings
        keep = [i for i, (_k, _w, rank) in enumerate(cues.kinds) if rank]
        self.automaton = ahocorasick_rs.AhoCorasick([strings[i] for i in keep])
        self.codes = np.array([index[cues.kinds[i][2]] for i in keep], dtype=np.int64)  # type: ignore[index]
        # English cue words and pairs of words that carry a topic → the code of their best rank.
        self.english = {
            key: max(index[rank] for _k, _w, rank in found if rank)
            for key, found in cues.english.items()
            if any(rank for _k, _w, rank in found)
        }


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
