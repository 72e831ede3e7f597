"""What text analysis offers other features: the control room's cue cards and labels, the workspace's
lexicon, and the domain event of a compliance finding in a live show (``livecrew.core.events``).

Other features import these from here only, never from the modules behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from livecrew.core.events import DomainEvent
from livecrew.text.lexicon import lexicon_for
from livecrew.text.room import annotate, answer, cards, label

__all__ = [
    "ComplianceFlagged",
    "annotate",
    "answer",
    "cards",
    "fold_for_search",
    "label",
    "lexicon_for",
    "top_cue_cards",
]


@dataclass(frozen=True)
class ComplianceFlagged(DomainEvent):
    """Lines of a live show broke the workspace's lexicon in one ingest batch: what the host said
    (``rule`` ``speech_compliance``) or what viewers wrote (``comment_compliance``). The live room raises
    (or updates) the show's open alert of that rule; ``lines`` is how many lines hit it in the batch,
    ``text``/``user``/``ts`` are the last of them."""

    topic: ClassVar[str] = "text.compliance_flagged"
    workspace_id: str
    show_id: str
    rule: str
    severity: str
    roles: tuple[str, ...]
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    lines: int = 1
    ts: int | None = None


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
