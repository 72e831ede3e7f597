"""Question cue cards: grouping by meaning, answering, and a new wave reopening a card."""

from __future__ import annotations

import random
from typing import Any

from livecrew.text import CueBoard, triage
from livecrew.text.cues import NARROW_TOPICS


def add(board: CueBoard, text: str, ts: int, product: str | None = "p1") -> str | None:
    result = triage(text)
    return board.add(text, result.label, result.topic, product, ts)


def test_wordings_of_one_question_share_a_card() -> None:
    board = CueBoard()
    ids = {add(board, t, i) for i, t in enumerate(["尺碼怎麼選", "M還是L", "160穿什麼碼", "尺码怎么选"])}
    assert len(ids) == 1
    card = board.top(1)[0]
    assert (card.topic, card.count, card.newest, card.product) == ("size", 4, "尺码怎么选", "p1")
    assert card.title.startswith("尺碼")


def test_different_questions_and_products_get_their_own_cards() -> None:
    board = CueBoard()
    a = add(board, "敏感肌可以用嗎", 1)
    b = add(board, "孕婦能用嗎", 2)
    c = add(board, "敏感肌能用吗", 3)
    d = add(board, "尺碼怎麼選", 4, product="p2")
    e = add(board, "尺碼怎麼選", 5, product="p1")
    assert a == c and len({a, b, d, e}) == 4
    assert add(board, "+1", 6) is None  # not a question
    assert [card.id for card in board.top(2)] == [a, e]


def test_answer_then_a_new_wave_reopens() -> None:
    board = CueBoard(reopen_after=3)
    card_id = add(board, "多少錢", 1)
    assert card_id is not None
    board.answer(card_id, 10)
    assert board.top() == []
    add(board, "這個多少錢？", 11)
    add(board, "现在什么价", 12)
    assert board.top() == [] and board.get(card_id).status == "answered"  # type: ignore[union-attr]
    add(board, "price pls?", 13)
    assert [c.id for c in board.top()] == [card_id]
    data = board.to_dict()["cards"][0]
    assert data["status"] == "open" and data["count"] == 4 and data["answered_ts"] == 10


class _EveryCardBoard(CueBoard):
    """The board as it matched before cards were indexed by topic and product: a walk over every card."""

    def _match(self, topic: str, product: str | None, grams: frozenset[str]) -> Any:
        best = None
        best_score = -1.0
        for card in self._cards.values():
            if card.topic != topic or card.product != product:
                continue
            if topic in NARROW_TOPICS:
                score = 1.0
            elif not grams or not card.grams:
                score = 1.0 if grams == card.grams else 0.0
            else:
                score = len(grams & card.grams) / min(len(grams), len(card.grams))
            if score >= self.similarity and score > best_score:
                best, best_score = card, score
        return best


def test_indexed_matching_files_questions_as_a_walk_over_every_card() -> None:
    rng = random.Random(20)
    words = ["尺碼", "顏色", "多少錢", "敏感肌", "能用嗎", "怎麼用", "保固", "退貨", "優惠", "材質", "?", "嗎"]
    words += ["M", "L", "孕婦"]
    topics = [None, "size", "colour", "price", "usage", "quality", "after_sales", "promotion", "other"]
    for similarity in (0.2, 0.5, 1.0):
        new, old = CueBoard(similarity=similarity), _EveryCardBoard(similarity=similarity)
        for ts in range(3000):
            text = "".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
            topic = rng.choice(topics)
            product = rng.choice([None, "p1", "p2", "p3"])
            label = "question" if rng.random() < 0.9 else "praise"
            assert new.add(text, label, topic, product, ts) == old.add(text, label, topic, product, ts)
            if ts % 97 == 0 and new.top(1):
                card_id = new.top(1)[0].id
                new.answer(card_id, ts)
                old.answer(card_id, ts)
        assert new.to_dict() == old.to_dict()
        assert len(new.to_dict()["cards"]) > 20
