"""What text analysis offers other features: its character folding and the live room's cue cards."""

from __future__ import annotations

from typing import Any


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
