"""Question cue cards: grouping by meaning, answering, and a new wave reopening a card."""

from __future__ import annotations

from livecrew.text import CueBoard, triage


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
