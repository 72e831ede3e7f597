"""What the shows feature offers other features: the domain events it emits (``livecrew.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from livecrew.core.events import DomainEvent


@dataclass(frozen=True)
class ShowCreated(DomainEvent):
    topic: ClassVar[str] = "shows.show_created"
    workspace_id: str
    show_id: str
    title: str
    starts_at: datetime
    actor_id: str | None


@dataclass(frozen=True)
class ShowTransitioned(DomainEvent):
    """A show moved in its lifecycle (``planned`` → ``rehearsing`` → ``ready`` → ``live`` → ``ended``...)."""

    topic: ClassVar[str] = "shows.show_transitioned"
    workspace_id: str
    show_id: str
    from_status: str
    to_status: str
    actor_id: str | None


@dataclass(frozen=True)
class ShowBrief:
    """A show as other features list it."""

    id: str
    workspace_id: str
    title: str
    status: str
    starts_at: datetime


def show_brief(db: Any, workspace_id: str, show_id: str) -> ShowBrief | None:
    """One show of the workspace, or None (another workspace's show is None too)."""
    from livecrew.shows.models import Show

    show = db.get(Show, show_id)
    if show is None or show.workspace_id != workspace_id:
        return None
    return ShowBrief(show.id, show.workspace_id, show.title, show.status, show.starts_at)


def shows_between(db: Any, workspace_id: str, start: datetime, end: datetime) -> list[ShowBrief]:
    """The workspace's shows starting in ``[start, end)``, oldest first."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    rows = db.scalars(
        select(Show)
        .where(Show.workspace_id == workspace_id, Show.starts_at >= start, Show.starts_at < end)
        .order_by(Show.starts_at)
    ).all()
    return [ShowBrief(s.id, s.workspace_id, s.title, s.status, s.starts_at) for s in rows]
