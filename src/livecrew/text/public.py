"""What text analysis offers other features: checking a line someone will say on air."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ScriptIssue:
    term: str
    category: str
    severity: str  # block, warn...
    reason: str


def script_issues(db: Session, workspace_id: str, text: str, lang: str = "zh-Hant") -> list[ScriptIssue]:
    """What the compliance scanner finds in a line the host or the team will say (the ``host`` profile, with
    the workspace's lexicon). ``block`` issues must not go on air."""
    from livecrew.text.lexicon import lexicon_for

    hits = lexicon_for(db, workspace_id).scan(text, "host", lang)
    return [ScriptIssue(h.term, h.category, h.severity, h.reason) for h in hits]


def comment_label(text: str) -> tuple[str, str | None]:
    """A viewer comment's label (question, purchase, complaint, praise, spam or other) and its topic (for
    questions and complaints), by the same triage as the control room's comment feed (shipped lexicon)."""
    from livecrew.text.triage import triage

    result = triage(text)
    return result.label, result.topic
