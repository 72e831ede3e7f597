"""Ingest listener: what the host says (``speech``) is scanned with the ``host`` profile and what viewers
write with the ``audience`` profile, both with the workspace's lexicon; violations raise alerts for the controller
in the same transaction (the live room raises them: ``text.public.ComplianceFlagged``), so the control room
hears of them as soon as the events are stored. A comment's hits are
handed to the room (``room.remember``) so labelling it after the commit does not scan it again."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.events import emit
from livecrew.shows.public import Show
from livecrew.text import room
from livecrew.text.compliance import Hit, Lexicon
from livecrew.text.lexicon import lexicon_for

AUDIENCE_ALERT = frozenset({"diversion", "abuse"})


def on_events(db: Session, clock: Clock, show: Show, events: Iterable[Any]) -> None:
    lexicon: Lexicon | None = None
    comments: dict[str, list[Hit]] = {}
    # rule → (how many lines hit it in this batch, the last of them, its hits): one alert write per rule
    # and batch, whatever a comment storm holds (each write was a query and a flush).
    worst: dict[str, tuple[int, Any, list[Hit]]] = {}
    for event in events:
        if event.type not in ("speech", "comment"):
            continue
        if lexicon is None:
            lexicon = lexicon_for(db, show.workspace_id)
        if event.type == "speech":
            hits = [h for h in lexicon.scan(event.text or "", "host") if h.severity in ("block", "warn")]
            rule = "speech_compliance"
        else:
            found = comments[event.id] = lexicon.scan(event.text or "", "audience")
            hits = [h for h in found if h.category in AUDIENCE_ALERT]
            rule = "comment_compliance"
        if hits:
            worst[rule] = (worst[rule][0] + 1 if rule in worst else 1, event, hits)
    for rule, (lines, event, hits) in worst.items():
        _raise(db, clock, show, rule, event, hits, lines)
    if lexicon is not None:
        room.remember(show.id, comments, lexicon)


def _raise(db: Session, clock: Clock, show: Show, rule: str, event: Any, hits: list[Hit], lines: int = 1) -> None:
    """Tell the live room: one open alert per rule and show, raised once, then updated with the latest line."""
    from livecrew.text.public import ComplianceFlagged

    text = event.text or ""
    params = {
        "text": text[:200],
        "terms": "、".join(dict.fromkeys(h.term for h in hits)),
        "user": event.user or "",
        "hits": [h.to_dict() for h in hits[:5]],
    }
    speech = rule == "speech_compliance"
    emit(
        db,
        ComplianceFlagged(
            workspace_id=show.workspace_id,
            show_id=show.id,
            rule=rule,
            severity="high" if speech else "medium",
            roles=("controller",) if speech else ("controller", "service"),
            message=f'"{text[:80]}": {params["terms"]} ({hits[0].reason})',
            params=params,
            lines=lines,
            ts=event.ts,
        ),
    )
