"""What text analysis offers other features: small reads over its triage and compliance scanner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CommentVerdict:
    """Triage of one comment: ``label`` (question, purchase, complaint, praise, spam, other) and, for questions
    and complaints, its ``topic`` (size, colour, price, shipping, stock, usage, quality, after_sales...)."""

    label: str
    topic: str | None


def triage_comment(text: str) -> CommentVerdict:
    """Label one viewer's comment the way the control room's feed does."""
    from livecrew.text.triage import triage

    verdict = triage(text)
    return CommentVerdict(verdict.label, verdict.topic)


def scan_reply(db: Session, workspace_id: str, text: str, profile: str = "host") -> list[dict[str, Any]]:
    """Findings of the workspace's compliance lexicon in a text said to customers (``block`` and ``warn``
    severities only), each ``{"start", "end", "term", "category", "severity", "reason"}``."""
    from livecrew.text.lexicon import lexicon_for

    hits = lexicon_for(db, workspace_id).scan(text, profile)
    return [h.to_dict() for h in hits if h.severity in ("block", "warn")]
