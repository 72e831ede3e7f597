"""What text analysis offers other features: its character folding and the live room's cue cards."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session


def fold_for_search(text: str) -> str:
    """The text folded for matching: full-width forms half-width, lower case, Traditional characters made
    Simplified (OpenCC), Chinese numerals made digits. Same length as the input; fold both the stored text and
    the query, then compare (a search for 庫存 finds 库存)."""
    from livecrew.text.normalize import fold

    return fold(text)


def top_cue_cards(show_id: str, n: int = 3) -> list[dict[str, Any]]:
    """The show's top question cue cards as the control room shows them (this process's live room)."""
    from livecrew.text.room import cards

    return cards(show_id, n)


# What the text engine offers other features for reading: labels, question cards and host compliance hits.


def label_texts(texts: Iterable[str], lexicon: Any = None) -> dict[str, tuple[str, str | None]]:
    """Triage label and topic of each distinct text (``question``, ``purchase``, ``complaint``, ``praise``,
    ``spam``, ``other``), scanned for audience compliance with ``lexicon`` (default: the shipped one).
    Without the live room's flood rule (that needs the live order of one user's comments)."""
    from livecrew.text.compliance import default_lexicon
    from livecrew.text.triage import triage

    chosen = lexicon or default_lexicon()
    out: dict[str, tuple[str, str | None]] = {}
    for text in texts:
        if text not in out:
            result = triage(text, hits=chosen.scan(text, "audience"))
            out[text] = (result.label, result.topic)
    return out


def question_cards(questions: Iterable[tuple[str, str | None, str | None, int]]) -> list[dict[str, Any]]:
    """``(text, topic, product, ts)`` of question comments grouped into cue cards as the control room groups
    them; most asked first."""
    from livecrew.text.cues import CueBoard

    board = CueBoard()
    for text, topic, product, ts in questions:
        board.add(text, "question", topic, product, ts)
    return list(board.to_dict()["cards"])


def answered_cards(show_id: str) -> list[dict[str, Any]]:
    """The cue cards this process's control room holds for the show that were marked answered."""
    from livecrew.text.room import room_of

    room = room_of(show_id)
    with room.lock:
        cards = room.board.to_dict()["cards"]
    return [c for c in cards if c.get("answered_ts") is not None]


def workspace_lexicon(db: Session, workspace_id: str) -> Any:
    """The workspace's effective compliance lexicon (``.scan(text, profile, lang)`` gives hits)."""
    from livecrew.text.lexicon import lexicon_for

    return lexicon_for(db, workspace_id)
