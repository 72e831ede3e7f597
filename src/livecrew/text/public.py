"""What text analysis offers other features: the control room's cue cards and labels, the workspace's
lexicon, and the domain event of a compliance finding in a live show (``livecrew.core.events``).

Other features import these from here only, never from the modules behind them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.orm import Session

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


# ------------------------------------------------------------------ reads for the review (復盤)


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


def warm_up() -> None:
    """Load the triage model and the shipped lexicon (a second or so), as the first comment labelled would."""
    label_texts(["這個還有嗎？ 这个多少钱 warm up"])


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


# What text analysis offers other features: small reads over its triage and compliance scanner.


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


# What text analysis offers other features: checking a line someone will say on air.


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
