"""Comment triage: one label per comment (and a topic for questions and complaints), with the reason why.

Rules decide where rules are right: links, contact numbers and diversion words (the compliance lexicon's audience
profile) are spam; the +1 / 扣1 / 已拍 forms are purchases; question particles and wh-words make questions unless
a strong complaint cue (還沒到, 騙, 太貴 ...) says the viewer is unhappy. What is left (praise, complaints, chatter)
goes to a small multinomial naive Bayes over character unigrams and bigrams, trained when first used from
``data/train.jsonl`` in this package. ``Flood`` is per-room state that turns repeated text into spam.
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import ahocorasick_rs

from livecrew.text.compliance import Hit, Lexicon, default_lexicon
from livecrew.text.model import Linear, features, shipped_model, vocabulary
from livecrew.text.normalize import fold, normalize

LABELS = ("question", "purchase", "complaint", "praise", "spam", "other")
TOPICS = ("size", "colour", "price", "shipping", "stock", "usage", "quality", "after_sales", "promotion", "other")
TOPIC_LABELS = frozenset({"question", "complaint"})

_LATIN = re.compile(r"[a-z]")
_MODEL_LABELS = ("complaint", "praise", "other")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")
# Whole-comment purchase forms: +1, ＋２, 扣1, A1+1, a1 黑m +2, 1, 2, M, 黑M, L+1, 2件, x2, 扣A1.
_PURCHASE_FORM = re.compile(
    r"^(?:[a-z]{1,2}\d{1,3})?(?:[黑白红蓝粉灰绿紫黄杏咖米]色?)?(?:xxxl|xxl|xl|xs|[sml]|\d{2,3})?"
    r"(?:(?:[+]\d{1,2})+|扣[a-z]?\d{0,3}|[x*]\d|\d{1,2}件|要\d件)?$|^\d{1,2}$"
)
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_NEGATION = ("不", "没", "别", "难", "差", "假")
_SIZE_TOKENS = frozenset({"s", "m", "l", "xl", "xxl", "xxxl", "xs", "2xl", "3xl"})
_ASK_ENGLISH = frozenset(
    {"how", "what", "when", "where", "which", "why", "who", "does", "do", "is", "are", "can", "could", "will", "would"}
)
_OR_QUESTION = re.compile(r"^.{1,8}还是.{1,8}$")
_OR_NOT = ("很", "挺", "一样", "觉得", "不错", "好用", "喜欢", "没")
_PRAISE_ONLY = re.compile(r"^(?:6{3,}|8{3,}|9{3,}|[赞棒]+|[❤♥]+|yyds)$")
_GOOD_EMOJI = frozenset("👍❤♥😍🥰🔥💯👏🤩😘💕💖💗🌹✨🙌😻")
_BAD_EMOJI = frozenset("😡👎🤮💩😤😠🤬😒🙄")
_EMOJI_RANGES = ((0x1F000, 0x1FB00), (0x2600, 0x27C0))


class Triage(NamedTuple):
    """The verdict on one comment. ``topic`` is set for questions and complaints only."""

    label: str
    topic: str | None
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "topic": self.topic, "why": self.why}


# A cue found in a comment: (kind, the word as written in triage.json, topic rank or None). Kinds are question,
# purchase, complaint, complaint_soft, praise, other, topic:<name> and weak:<name>. The rank orders topic cues:
# strong before weak, longer before shorter, then the topic order of triage.json; its last item is the topic.
Cue = tuple[str, str, tuple[int, int, int, str] | None]


def _cue(kind: str, word: str, priority: Mapping[str, int]) -> Cue:
    strength = 2 if kind.startswith("topic:") else 1 if kind.startswith("weak:") else 0
    if not strength:
        return (kind, word, None)
    topic = kind.split(":", 1)[1]
    return (kind, word, (strength, len(word), -priority.get(topic, len(priority)), topic))


@dataclass(frozen=True)
class _Cues:
    automaton: Any
    kinds: list[Cue]  # per automaton pattern
    english: dict[str, list[Cue]]  # word or "word word" → cues
    priority: dict[str, int]
    exact: dict[str, str]  # whole short comments whose label is known (收到 → other, 衝 → purchase)
    automaton_strings: list[str]  # the automaton's patterns (kinds[i] is the cue of automaton_strings[i])


def _split(words: Iterable[str]) -> tuple[list[str], list[str]]:
    ascii_words = [w for w in words if w.isascii()]
    return [w for w in words if not w.isascii()], ascii_words


@cache
def _cues() -> _Cues:
    doc = json.loads(resources.files("livecrew.text").joinpath("data/triage.json").read_text("utf-8"))
    groups: dict[str, list[str]] = {
        k: doc[k] for k in ("question", "purchase", "complaint", "complaint_soft", "praise", "other")
    }
    groups["question_end"] = doc["question_end"]
    for topic, words in doc["topics"].items():
        groups[f"topic:{topic}"] = words
    for topic, words in doc["topics_weak"].items():
        groups[f"weak:{topic}"] = words
    priority = {t: i for i, t in enumerate(doc["topic_priority"])}
    strings: list[str] = []
    kinds: list[Cue] = []
    english: dict[str, list[Cue]] = {}
    seen: set[tuple[str, str]] = set()
    for kind, words in groups.items():
        cjk, latin = _split(words)
        for word in cjk:
            key = normalize(word)
            if kind != "question_end" and key and (kind, key) not in seen:
                seen.add((kind, key))
                strings.append(key)
                kinds.append(_cue(kind, word, priority))
        for word in latin:
            english.setdefault(word.strip().lower(), []).append(_cue(kind, word.strip(), priority))
    for token in _SIZE_TOKENS:
        english.setdefault(token, []).append(_cue("topic:size", token, priority))
    exact = {normalize(k): v for k, v in doc["exact"].items()}
    return _Cues(ahocorasick_rs.AhoCorasick(strings), kinds, english, priority, exact, strings)


@cache
def _question_end() -> tuple[str, ...]:
    doc = json.loads(resources.files("livecrew.text").joinpath("data/triage.json").read_text("utf-8"))
    return tuple(normalize(w) for w in doc["question_end"])


# ----------------------------------------------------------------------------------------------- the model


def model() -> Linear:
    """The shipped linear model (``model.py``), loaded once per process."""
    return shipped_model()


# ----------------------------------------------------------------------------------------------- rules


def _emoji_only(text: str) -> bool:
    return bool(text) and all(
        any(lo <= ord(ch) < hi for lo, hi in _EMOJI_RANGES) or ch in "\ufe0f\u200d " for ch in text
    )


_CUES: _Cues | None = None


def _load() -> _Cues:
    global _CUES
    _CUES = _cues()
    return _CUES


def topic_of(text: str, compact: str | None = None) -> str:
    """The topic a question or complaint is about (``other`` when no topic word is present)."""
    cue_kinds = _find_cues(compact if compact is not None else normalize(text), fold(text))
    return _topic(cue_kinds)


def _find_cues(compact: str, folded: str) -> list[Cue]:
    cues = _CUES or _load()
    found = [cues.kinds[i] for i, _s, _e in cues.automaton.find_matches_as_indexes(compact, overlapping=True)]
    if cues.english and _LATIN.search(folded):
        words = _WORD.findall(folded)
        for i, word in enumerate(words):
            found.extend(cues.english.get(word, ()))
            if i + 1 < len(words):
                found.extend(cues.english.get(word + " " + words[i + 1], ()))
    return found


def _topic(found: Sequence[Cue]) -> str:
    """The topic of the most telling cue: strong cues beat weak ones, longer cues beat shorter ones, and
    among equals the topic order in ``triage.json`` decides (after-sales first, usage last)."""
    ranks = [rank for _k, _w, rank in found if rank]
    return max(ranks)[3] if ranks else "other"


def triage(
    text: str,
    *,
    hits: Sequence[Hit] | None = None,
    room: Flood | None = None,
    user: str | None = None,
    ts: int | None = None,
    lexicon: Lexicon | None = None,
    explain: bool = True,
) -> Triage:
    """Label one comment. Pass ``hits`` if the audience scan already ran (saves a second scan), and a ``room``
    (``Flood``) with ``user`` and ``ts`` (ms) to catch repeated text. ``explain=False`` skips the model's
    probability and strongest features in ``why`` (the command line prints no ``why``)."""
    if room is None and hits is not None:
        # A live room repeats itself (+1, 666, 來了): the same text with the same hits gets the same verdict, found
        # before any folding.
        known = _MEMO.get((text, explain, *hits))
        if known is not None:
            return known
    compact = normalize(text)
    whole = fold(text)
    folded = whole.strip()
    if not compact:
        if _emoji_only(folded.replace(" ", "")):
            if any(ch in _GOOD_EMOJI for ch in folded):
                return Triage("praise", None, "rule: positive emoji")
            if any(ch in _BAD_EMOJI for ch in folded):
                return Triage("complaint", "other", "rule: angry emoji")
        if "?" in folded:
            return Triage("question", "other", "rule: a bare question mark")
        return Triage("other", None, "rule: no words")
    if room is not None and (reason := room.check(compact, user, ts)):
        return Triage("spam", None, f"rule: {reason}")
    if hits is None:
        hits = (lexicon or default_lexicon()).scan(text, "audience")
    # The same text with the same hits gets the same verdict: live rooms repeat themselves (+1, 666, 來了).
    key = (text, explain, *hits)
    known = _MEMO.get(key)
    if known is None:
        known = _verdict(text, compact, whole, folded, hits, explain)
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = known
    return known


MEMO_SIZE = 50_000
_MEMO: dict[tuple[Any, ...], Triage] = {}


def forget() -> None:
    """Empty the memo of verdicts (benchmarks use it to measure cold runs)."""
    _MEMO.clear()


def _verdict(text: str, compact: str, whole: str, folded: str, hits: Sequence[Hit], explain: bool) -> Triage:
    for hit in hits:
        if hit.category == "diversion":
            return Triage("spam", None, f"lexicon: diversion ({hit.term})")
    asks = "?" in folded
    if len(compact) <= 12 and not asks:
        if _PRAISE_ONLY.match(compact):
            return Triage("praise", None, f"rule: cheering ({compact[:6]})")
        if _PURCHASE_FORM.match(compact):
            return Triage("purchase", None, f"rule: claim form ({compact})")
        exact = (_CUES or _load()).exact.get(compact)
        if exact:
            return Triage(exact, None, f"rule: common short comment ({compact})")
    for hit in hits:
        if hit.category == "abuse" and hit.severity == "block":
            return Triage("complaint", _topic(_find_cues(compact, folded)), f"lexicon: abuse ({hit.term})")
    if explain:
        label, probability, pushed = model().predict(features(compact, whole, vocabulary(), text))
        why = f"model: {label} {probability:.2f} ({', '.join(pushed) or 'prior'})"
    else:
        label = model().label_of(compact, whole, vocabulary(), text)
        why = f"model: {label}"
    return Triage(label, _topic(_find_cues(compact, folded)) if label in TOPIC_LABELS else None, why)


def _question_cue(found: Sequence[Cue], compact: str, folded: str) -> str | None:
    for kind, word, _rank in found:
        # 沒什麼效果 states a fact; it does not ask anything.
        if kind == "question" and not (word.startswith(("什", "甚", "啥")) and "没" + normalize(word) in compact):
            return word
    if compact.endswith(_question_end()):
        return compact[-1]
    either = _A_NOT_A.search(compact)
    if either:
        return either.group()
    if "还是" in compact and _OR_QUESTION.match(compact) and not any(w in compact for w in _OR_NOT):
        return "還是"
    if folded[:1].isascii():
        first = _WORD.match(folded)
        if first and first.group() in _ASK_ENGLISH:
            return first.group()
    return None


class Flood:
    """Per-room memory of recent comments: the same text again and again is spam.

    A comment is flooding when the same user sent the same text ``per_user`` times within ``window_ms``, or
    ``across_users`` different users sent the same text of at least ``min_chars`` characters in that window
    (a bot wave). Short texts (+1, 666, 想要) are never flooding: a room full of +1 is a good room."""

    def __init__(
        self, window_ms: int = 60_000, per_user: int = 3, across_users: int = 4, min_chars: int = 6, limit: int = 5000
    ) -> None:
        self.window_ms, self.per_user, self.across_users = window_ms, per_user, across_users
        self.min_chars, self.limit = min_chars, limit
        self._recent: deque[tuple[int, str, str]] = deque()
        self._by_text: dict[str, Counter[str]] = {}

    def check(self, compact: str, user: str | None, ts: int | None) -> str | None:
        """Record one comment (already ``normalize``d) and say why it is flooding, or None."""
        if len(compact) < self.min_chars or ts is None:
            return None
        who = user or "?"
        while self._recent and (self._recent[0][0] < ts - self.window_ms or len(self._recent) >= self.limit):
            _t, old_text, old_user = self._recent.popleft()
            users = self._by_text[old_text]
            users[old_user] -= 1
            if users[old_user] <= 0:
                del users[old_user]
            if not users:
                del self._by_text[old_text]
        self._recent.append((ts, compact, who))
        users = self._by_text.setdefault(compact, Counter())
        users[who] += 1
        if users[who] >= self.per_user:
            return f"the same text {users[who]} times from one viewer"
        if len(users) >= self.across_users:
            return f"the same text from {len(users)} viewers"
        return None
