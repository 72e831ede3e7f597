"""The triage model: dictionary word segmentation, negation scope, and a linear (softmax) model over six labels.

Segmentation is leftmost-longest matching against a word list (``data/triage_model.json``, ``words``): common
words from jieba's dictionary (MIT) that guard the cue words (出差 keeps 差 from being read alone, 委托 keeps 托,
一般的 ...), our cue and sentiment words, negators and degree words. It runs on the folded, noise-free text, so
full stops, commas and exclamation marks never reach the model (很好 / 很好。 / 很好！ are one input). Characters
no word covers are one-character tokens. Latin words are taken from the folded text with spaces kept.

Features of one comment: its tokens; a token within two tokens after a negator (不, 不太, 没有, 一點都不 ...)
is read as negated (``!好``); the polarity of sentiment words (``+P`` positive, ``-P`` negated positive, ``+N``,
``-N``) from our word lists; the cue kinds of ``data/triage.json`` found on word boundaries (``C:question`` ...);
the first and last token; a question mark; the length; emoji mood. The weights are one vector of six per
feature, trained by ``livecrew.text.build`` on the generated set (``corpus.py``) and shipped as data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from itertools import repeat
from typing import Any

import ahocorasick_rs

LABELS = ("question", "purchase", "complaint", "praise", "spam", "other")

_REPEAT3 = re.compile(r"([\u3400-\u9fff])\1{2,}")
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_ALNUM = re.compile(r"[a-z0-9]")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+")
_HAHA = re.compile(r"^(?:h{2,}|(?:ha){2,}h?|(?:he){2,}|lo+l|xd+|lmao+)$")
_EN_NEGATORS = frozenset({"not", "no", "never", "don't", "doesn't", "isn't", "wasn't", "didn't", "won't", "can't"})
_GOOD_EMOJI = frozenset("👍❤♥😍🥰🔥💯👏🤩😘💕💖💗🌹✨🙌😻")
_BAD_EMOJI = frozenset("😡👎🤮💩😤😠🤬😒🙄💢")
_LENGTHS = ("#len0", "#len1", "#len2", *["#len4"] * 2, *["#len8"] * 4, *["#len16"] * 8)
_GOOD_EMOJI_RE = re.compile("[" + "".join(sorted(_GOOD_EMOJI)) + "]")
_BAD_EMOJI_RE = re.compile("[" + "".join(sorted(_BAD_EMOJI)) + "]")
_SCOPE = 2  # tokens after a negator that it negates


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    negators: frozenset[str]
    positive: frozenset[str]
    negative: frozenset[str]
    cues: dict[str, tuple[str, ...]]  # word → the cue kinds it belongs to (question, purchase, complaint ...)
    question_end: tuple[str, ...]
    memo_plain: dict[str, tuple[str, ...]] = field(default_factory=dict)  # token → its features
    memo_negated: dict[str, tuple[str, ...]] = field(default_factory=dict)  # negated token → its features

    @cached_property
    def automaton(self) -> Any:
        """Every word, leftmost-longest (built when first used: the batch path has its own, see ``batch.py``)."""
        return ahocorasick_rs.AhoCorasick(self.words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


def _cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def tokens(compact: str, vocab: Vocabulary) -> list[str]:
    """The words of ``compact`` (folded, noise removed) in order: dictionary words, else single characters (every
    CJK character is in the automaton, after the words); Latin letters and digits are skipped here
    (``latin_tokens`` reads them with their spaces)."""
    if _REPEAT3.search(compact):
        compact = _REPEAT3.sub(r"\1\1", compact)
    words = vocab.words
    return [words[index] for index, _s, _e in vocab.automaton.find_matches_as_indexes(compact)]


def latin_tokens(folded: str, text: str) -> list[str]:
    """Latin words and numbers as written (digits folded from 一 or ① are not numbers here: 一般, 一直)."""
    out = []
    for match in _LATIN_WORD.finditer(folded):
        word = match.group()
        if word.isdigit():
            if not ("0" <= text[match.start()] <= "9" or "０" <= text[match.start()] <= "９"):
                continue
            if len(word) >= 3 and len(set(word)) == 1:
                word = word[:3]  # 666666 → 666
            elif word.startswith("233"):
                word = "233"
            elif len(word) > 2:
                word = "#num"
        elif _HAHA.match(word):
            word = "haha"
        out.append(word)
    return out


def latin_features(latin: Sequence[str], with_words: bool, vocab: Vocabulary) -> list[str]:
    """The features of a comment's Latin words and numbers (``latin_tokens``), in order: each word (``en:``),
    negated within two words after not / never ..., then ``#latin`` or ``#mixed`` and ``#digit``."""
    rest: list[str] = []
    scope = 0
    for word in latin:
        if word in _EN_NEGATORS:
            scope = _SCOPE
            rest.append("en:not")
        elif scope:
            scope -= 1
            rest.extend(_expand(word, vocab, True, "en:"))
        else:
            rest.extend(_expand(word, vocab, False, "en:"))
    rest.append("#mixed" if with_words else "#latin")
    if any(w[0].isdigit() or w == "#num" for w in latin):
        rest.append("#digit")
    return rest


def _expand(word: str, vocab: Vocabulary, negated: bool, prefix: str = "") -> tuple[str, ...]:
    """The features one token adds: itself (``!`` when negated), its polarity, its cue kinds; memoised."""
    memo = vocab.memo_negated if negated else vocab.memo_plain
    key = prefix + word
    found = memo.get(key)
    if found is None:
        out = [prefix + ("!" if negated else "") + word]
        if word in vocab.positive:
            out.append("-P" if negated else "+P")
        elif word in vocab.negative:
            out.append("-N" if negated else "+N")
        out.extend(vocab.cues.get(word, ()))
        found = memo[key] = tuple(out)
    return found


def features(compact: str, folded: str, vocab: Vocabulary, text: str | None = None) -> list[str]:
    """The model's features of one comment (see the module docstring); ``text`` is the comment as written
    (default: ``folded``)."""
    words = tokens(compact, vocab)
    feats: list[str] = []
    negators, plain, negated = vocab.negators, vocab.memo_plain, vocab.memo_negated
    scope = 0
    for word in words:
        if word in negators:
            feats.append(word)
            scope = _SCOPE
        elif scope:
            scope -= 1
            feats.extend(negated.get(word) or _expand(word, vocab, True))
        else:
            feats.extend(plain.get(word) or _expand(word, vocab, False))
    latin = latin_tokens(folded, text or folded) if _ALNUM.search(compact) else []
    if latin:
        scope = 0
        for word in latin:
            if word in _EN_NEGATORS:
                scope = _SCOPE
                feats.append("en:not")
            elif scope:
                scope -= 1
                feats.extend(_expand(word, vocab, True, "en:"))
            else:
                feats.extend(_expand(word, vocab, False, "en:"))
        feats.append("#latin" if not words else "#mixed")
        if any(w[0].isdigit() or w == "#num" for w in latin):
            feats.append("#digit")
    seq = words or latin
    if seq:
        feats.append("^" + seq[0])
        feats.append(seq[-1] + "$")
    if "?" in folded:
        feats.append("#?")
    if compact.endswith(vocab.question_end):
        feats.append("#qend")
    size = len(compact)
    feats.append(_LENGTHS[size] if size < len(_LENGTHS) else "#long")
    if not folded.isascii():
        if _GOOD_EMOJI_RE.search(folded):
            feats.append("#emoji+")
        if _BAD_EMOJI_RE.search(folded):
            feats.append("#emoji-")
        if _A_NOT_A.search(compact):
            feats.append("#anota")
    return feats


@dataclass
class Linear:
    """Six weights per feature, stored as three complex numbers (labels 0/1, 2/3, 4/5) so that one C-level
    ``sum`` adds two labels at once."""

    weights: dict[str, list[float]]
    bias: list[float]

    def __post_init__(self) -> None:
        self._packed = [
            {f: complex(w[2 * k], w[2 * k + 1]) for f, w in self.weights.items()} for k in range(len(LABELS) // 2)
        ]
        self._bias = [complex(self.bias[2 * k], self.bias[2 * k + 1]) for k in range(len(LABELS) // 2)]
        self._plain: dict[str, tuple[complex, complex, complex]] = {}  # token → its features' weights
        self._negated: dict[str, tuple[complex, complex, complex]] = {}  # negated token → its features' weights
        self._margins: dict[str, tuple[float, ...]] = {}  # feature → each weight less its highest (predict)

    def scores(self, feats: Sequence[str]) -> list[float]:
        out: list[float] = []
        for table, bias in zip(self._packed, self._bias, strict=True):
            total = bias + sum(map(table.get, feats, repeat(0j)))
            out += (total.real, total.imag)
        return out

    def best(self, feats: Sequence[str]) -> str:
        """The best label only (no probability, no explanation): the fast path."""
        a, b, c = self._packed
        ba, bb, bc = self._bias
        ab = ba + sum(map(a.get, feats, repeat(0j)))
        cd = bb + sum(map(b.get, feats, repeat(0j)))
        ef = bc + sum(map(c.get, feats, repeat(0j)))
        scores = (ab.real, ab.imag, cd.real, cd.imag, ef.real, ef.imag)
        return LABELS[scores.index(max(scores))]

    def vector(self, feats: Sequence[str]) -> tuple[complex, complex, complex]:
        """The packed weights of ``feats`` added up (no bias)."""
        a, b, c = self._packed
        return (
            sum(map(a.get, feats, repeat(0j))),
            sum(map(b.get, feats, repeat(0j))),
            sum(map(c.get, feats, repeat(0j))),
        )

    def token_vector(self, word: str, kind: int, vocab: Vocabulary) -> tuple[complex, complex, complex]:
        """What one token adds in ``label_of``: ``kind`` 0 plain, 1 negated, 2 a negator (the same memos)."""
        if kind == 2:
            found = self._plain.get("\x00" + word)
            if found is None:
                found = self._plain["\x00" + word] = self.vector((word,))
        elif kind == 1:
            found = self._negated.get(word)
            if found is None:
                found = self._negated[word] = self.vector(_expand(word, vocab, True))
        else:
            found = self._plain.get(word)
            if found is None:
                found = self._plain[word] = self.vector(_expand(word, vocab, False))
        return found

    def bias_vector(self) -> tuple[complex, complex, complex]:
        a, b, c = self._bias
        return (a, b, c)

    def label_of(self, compact: str, folded: str, vocab: Vocabulary, text: str | None = None) -> str:
        """``best(features(compact, folded, vocab, text))`` without building the feature list: each token's
        features are added up once per process (memoised per token), so a comment costs a few additions per
        word. Used on the hot path; ``features`` remains the definition (and the explanation)."""
        plain_memo, negated_memo = self._plain, self._negated
        a = b = c = 0j
        scope = 0
        negators = vocab.negators
        words = tokens(compact, vocab)
        for word in words:
            if word in negators:
                found = plain_memo.get("\x00" + word)
                if found is None:
                    found = plain_memo["\x00" + word] = self.vector((word,))
                scope = _SCOPE
            elif scope:
                scope -= 1
                found = negated_memo.get(word)
                if found is None:
                    found = negated_memo[word] = self.vector(_expand(word, vocab, True))
            else:
                found = plain_memo.get(word)
                if found is None:
                    found = plain_memo[word] = self.vector(_expand(word, vocab, False))
            a += found[0]
            b += found[1]
            c += found[2]
        latin = latin_tokens(folded, text or folded) if _ALNUM.search(compact) else []
        rest = latin_features(latin, bool(words), vocab) if latin else []
        seq = words or latin
        if seq:
            rest.append("^" + seq[0])
            rest.append(seq[-1] + "$")
        if "?" in folded:
            rest.append("#?")
        if compact.endswith(vocab.question_end):
            rest.append("#qend")
        size = len(compact)
        rest.append(_LENGTHS[size] if size < len(_LENGTHS) else "#long")
        if not folded.isascii():
            if _GOOD_EMOJI_RE.search(folded):
                rest.append("#emoji+")
            if _BAD_EMOJI_RE.search(folded):
                rest.append("#emoji-")
            if _A_NOT_A.search(compact):
                rest.append("#anota")
        x, y, z = self.vector(rest)
        ba, bb, bc = self._bias
        a += x + ba
        b += y + bb
        c += z + bc
        scores = (a.real, a.imag, b.real, b.imag, c.real, c.imag)
        return LABELS[scores.index(max(scores))]

    def predict(self, feats: Sequence[str]) -> tuple[str, float, list[str]]:
        """The best label, its probability and the features that pushed hardest towards it (by how far each
        feature's weight for that label stands from its highest weight, read from a table made once per feature)."""
        scores = self.scores(feats)
        top = max(scores)
        best = scores.index(top)
        exp = math.exp
        probability = 1.0 / sum([exp(s - top) for s in scores])
        margins = self._margins
        for f in feats:
            if f not in margins and f in self.weights:
                w = self.weights[f]
                margins[f] = tuple(v - max(w) for v in w)
        pushed = sorted(
            dict.fromkeys(f for f in feats if f in margins and not f.startswith("#")),
            key=lambda f: margins[f][best],
            reverse=True,
        )
        return LABELS[best], probability, pushed[:3]


def train(
    samples: Sequence[tuple[list[str], int]], epochs: int = 12, rate: float = 0.3, l2: float = 1e-5, seed: int = 7
) -> Linear:
    """Softmax regression by AdaGrad over the samples (features, label index)."""
    import random

    rnd = random.Random(seed)
    n = len(LABELS)
    weights: dict[str, list[float]] = {}
    grads: dict[str, list[float]] = {}
    bias = [0.0] * n
    bias_g = [1e-8] * n
    order = list(range(len(samples)))
    for _epoch in range(epochs):
        rnd.shuffle(order)
        for i in order:
            feats, gold = samples[i]
            rows = [weights.setdefault(f, [0.0] * n) for f in feats]
            scores = [bias[k] + sum(r[k] for r in rows) for k in range(n)]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            for k in range(n):
                g = exps[k] / total - (1.0 if k == gold else 0.0)
                if abs(g) < 1e-4:
                    continue
                bias_g[k] += g * g
                bias[k] -= rate * g / math.sqrt(bias_g[k])
                for f, r in zip(feats, rows, strict=True):
                    acc = grads.setdefault(f, [1e-8] * n)
                    step = g + l2 * r[k]
                    acc[k] += step * step
                    r[k] -= rate * step / math.sqrt(acc[k])
    weights = {f: [round(v, 4) for v in w] for f, w in weights.items() if max(map(abs, w)) >= 0.02}
    return Linear(weights, [round(b, 4) for b in bias])


# ------------------------------------------------------------------ the shipped model


def vocabulary_from(doc: dict[str, Any], cue_doc: dict[str, Any]) -> Vocabulary:
    from livecrew.text.normalize import normalize

    # words.json is written normalized by livecrew.text.build: no need to fold 38,000 words at start-up.
    words: list[str] = doc["words"]
    negators = frozenset(doc["negators"])
    positive = frozenset(doc["positive"])
    negative = frozenset(doc["negative"])
    cues: dict[str, list[str]] = {}
    for kind in ("question", "purchase", "complaint", "complaint_soft", "praise", "other"):
        for word in cue_doc[kind]:
            key = normalize(word) if not word.isascii() else word.strip().lower()
            if key and "C:" + kind not in cues.setdefault(key, []):
                cues[key].append("C:" + kind)
    for word in doc.get("question_prefix", ()):
        if "C:question" not in cues.setdefault(word, []):
            cues[word].append("C:question")
    degree = tuple(doc.get("degree", ()))
    polar_pos, polar_neg = set(positive), set(negative)
    for word in cues:
        for d in degree:
            if word.startswith(d) and len(word) > len(d):
                rest = word[len(d) :]
                if rest in positive:
                    polar_pos.add(word)
                elif rest in negative:
                    polar_neg.add(word)
    positive, negative = frozenset(polar_pos), frozenset(polar_neg)
    # In a fixed order (not a set's, which changes with the hash seed): the ids are the same in every process.
    ordered_sets = [*sorted(negators), *sorted(positive), *sorted(negative)]
    everything = dict.fromkeys(w for w in [*words, *ordered_sets, *cues] if w and not w.isascii())
    # Every CJK character last: a character no word covers is a token of its own.
    everything.update(dict.fromkeys(map(chr, range(0x3400, 0xA000))))
    ordered = list(everything)
    question_end = tuple(normalize(w) for w in cue_doc["question_end"])
    return Vocabulary(ordered, negators, positive, negative, {k: tuple(v) for k, v in cues.items()}, question_end)


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("livecrew.text").joinpath(f"data/{name}").read_text("utf-8"))
    return data


@cache
def lexicon_doc() -> dict[str, Any]:
    """Segmentation words, negators and sentiment words (``data/words.json``)."""
    return _read("words.json")


@cache
def vocabulary() -> Vocabulary:
    return vocabulary_from(lexicon_doc(), _read("triage.json"))


@cache
def shipped_model() -> Linear:
    doc = _read("triage_model.json")
    return Linear(doc["weights"], doc["bias"])
