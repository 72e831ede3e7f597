"""Question cue cards: many wordings of one question become one card the host can answer once.

A question joins an open (or answered) card of the same topic and product when the topic is narrow (size,
colour, price, stock, shipping: the host answers "which size" once, whatever the wording), and otherwise when
its character bigrams overlap the card's enough (usage, quality, after-sales, promotion and other questions
differ more). An answered card collects new questions quietly; ``reopen_after`` of them reopen it (a new wave).
Pure in-memory state: the caller persists and publishes ``to_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from livecrew.text.normalize import normalize

NARROW_TOPICS = frozenset({"size", "colour", "price", "stock", "shipping"})
TOPIC_TITLES = {
    "size": "尺碼",
    "colour": "顏色",
    "price": "價格",
    "shipping": "出貨 / 運送",
    "stock": "庫存",
    "usage": "用法",
    "quality": "品質 / 材質",
    "after_sales": "售後",
    "promotion": "優惠 / 活動",
    "other": "其他",
}
# Words every question has; they say nothing about which question it is.
_FILLER = frozenset(
    [
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "请",
        "问",
        "的",
        "了",
        "是",
        "这",
        "个",
        "那",
        "有",
        "没",
        "可",
        "以",
        "能",
        "会",
        "不",
    ]
)


@lru_cache(maxsize=4096)  # a show's questions repeat their wordings: normalised once each
def _grams(text: str) -> frozenset[str]:
    core = "".join(ch for ch in normalize(text) if ch not in _FILLER and ch not in "?!+")
    if len(core) <= 1:
        return frozenset({core}) if core else frozenset()
    return frozenset(core[i : i + 2] for i in range(len(core) - 1))


@dataclass
class Card:
    id: str
    topic: str
    product: str | None
    title: str
    count: int
    newest: str
    newest_ts: int
    first_ts: int
    status: str = "open"  # open / answered
    answered_ts: int | None = None
    since_answer: int = 0
    grams: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.topic}|{self.product or '-'}|{self.id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "topic": self.topic,
            "title": self.title,
            "count": self.count,
            "newest": self.newest,
            "newest_ts": self.newest_ts,
            "first_ts": self.first_ts,
            "product": self.product,
            "status": self.status,
            "answered_ts": self.answered_ts,
            "since_answer": self.since_answer,
        }


class CueBoard:
    """The open questions of one live room, grouped into cards.

    ``add(text, label, topic, product_ref, ts)`` files a triaged comment (non-questions are ignored) and returns
    the card's id; ``answer(card_id, ts)`` marks a card answered; ``top(n)`` lists the open cards with the most
    questions first; ``to_dict()`` is the whole board as plain data."""

    def __init__(self, similarity: float = 0.2, reopen_after: int = 3) -> None:
        self.similarity = similarity
        self.reopen_after = reopen_after
        self._cards: dict[str, Card] = {}
        # The cards of each (topic, product), in the order they were made: a question is only ever compared with
        # these, in that order (as a walk over every card skipping the others would), so a board of many
        # topics and products does not compare each question with all of its cards.
        self._by_kind: dict[tuple[str, str | None], list[Card]] = {}
        self._next = 1

    def add(self, comment_text: str, label: str, topic: str | None, product_ref: str | None, ts: int) -> str | None:
        if label != "question":
            return None
        topic = topic or "other"
        grams = _grams(comment_text)
        card = self._match(topic, product_ref, grams)
        if card is None:
            card = Card(
                id=f"q{self._next}",
                topic=topic,
                product=product_ref,
                title=f"{TOPIC_TITLES.get(topic, topic)}：{comment_text.strip()[:40]}",
                count=0,
                newest=comment_text,
                newest_ts=ts,
                first_ts=ts,
            )
            self._next += 1
            self._cards[card.id] = card
            self._by_kind.setdefault((topic, product_ref), []).append(card)
        card.count += 1
        card.grams |= grams
        if ts >= card.newest_ts:
            card.newest, card.newest_ts = comment_text, ts
        if card.status == "answered":
            card.since_answer += 1
            if card.since_answer >= self.reopen_after:
                card.status = "open"
        return card.id

    def _match(self, topic: str, product: str | None, grams: frozenset[str]) -> Card | None:
        same = self._by_kind.get((topic, product))
        if not same:
            return None
        if topic in NARROW_TOPICS:  # every card of the kind scores 1.0: the first one made wins
            return same[0] if self.similarity <= 1.0 else None
        best: Card | None = None
        best_score = -1.0
        for card in same:
            if not grams or not card.grams:
                score = 1.0 if grams == card.grams else 0.0
            else:
                score = len(grams & card.grams) / min(len(grams), len(card.grams))
            if score >= self.similarity and score > best_score:
                best, best_score = card, score
                if score >= 1.0:  # no later card can score higher (a score is at most 1.0)
                    break
        return best

    def answer(self, card_id: str, ts: int) -> Card:
        """Mark a card answered. Raises KeyError for an unknown id."""
        card = self._cards[card_id]
        card.status = "answered"
        card.answered_ts = ts
        card.since_answer = 0
        return card

    def get(self, card_id: str) -> Card | None:
        return self._cards.get(card_id)

    def top(self, n: int = 5) -> list[Card]:
        """The open cards, most asked first (newest first among equals)."""
        open_cards = [c for c in self._cards.values() if c.status == "open"]
        return sorted(open_cards, key=lambda c: (-c.count, -c.newest_ts))[:n]

    def to_dict(self) -> dict[str, Any]:
        cards = sorted(self._cards.values(), key=lambda c: (c.status != "open", -c.count, -c.newest_ts))
        return {"cards": [c.to_dict() for c in cards]}
