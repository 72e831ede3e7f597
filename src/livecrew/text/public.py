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

__all__ = ["ComplianceFlagged", "annotate", "answer", "cards", "label", "lexicon_for"]


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
