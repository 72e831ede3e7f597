"""What the shows feature offers other features: the domain events it emits (``livecrew.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy.orm import Session

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


def show_status(db: Session, workspace_id: str, show_id: str) -> str:
    """The show's status, when it is this workspace's; NotFound otherwise (other features check ownership so)."""
    from sqlalchemy import select

    from livecrew.core.errors import NotFound
    from livecrew.shows.models import Show

    status = db.scalar(select(Show.status).where(Show.id == show_id, Show.workspace_id == workspace_id))
    if status is None:
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show")
    return str(status)


def workspace_of_show(db: Session, show_id: str) -> str | None:
    """The workspace a show belongs to (None: no such show); for commands that run with the database's
    own rights, such as ``livecrew connect``."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    return db.scalar(select(Show.workspace_id).where(Show.id == show_id))
