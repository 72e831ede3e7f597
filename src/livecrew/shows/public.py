"""What the shows feature offers other features: the domain events it emits (``livecrew.core.events``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

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


@dataclass(frozen=True)
class ShowInfo:
    """What another feature may read of a show."""

    id: str
    workspace_id: str
    title: str
    status: str
    starts_at: datetime


def show_info(db: Session, show_id: str) -> ShowInfo | None:
    """The show's id, workspace, title, status and start, or None when there is no such show."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    row = db.execute(
        select(Show.id, Show.workspace_id, Show.title, Show.status, Show.starts_at).where(Show.id == show_id)
    ).first()
    return ShowInfo(*row) if row is not None else None


def roster_of(db: Session, show_id: str) -> list[tuple[str, str]]:
    """The show's roster as ``(role, user_id)`` pairs, in the order they were added."""
    from sqlalchemy import select

    from livecrew.shows.models import RosterEntry

    rows = db.execute(
        select(RosterEntry.role, RosterEntry.user_id).where(RosterEntry.show_id == show_id).order_by(RosterEntry.id)
    ).all()
    return [(str(role), str(user_id)) for role, user_id in rows]


def make_gate_check(name: str, fn: Callable[[Session, Any], list[Any]], applies_to: tuple[str, ...] = ("live",)) -> Any:
    """A go-live gate check for another feature's manifest: ``fn(db, show)`` returns problems made with
    :func:`gate_problem` (``show`` has ``id``, ``workspace_id`` and ``status``)."""
    from livecrew.shows.gate import GateCheck

    return GateCheck(name, frozenset(applies_to), fn)


def gate_problem(check: str, message: str, key: str, params: dict[str, Any] | None = None) -> Any:
    """One unmet go-live condition, in words a person can act on (``key`` is its catalog key)."""
    from livecrew.shows.gate import Problem

    return Problem(check, message, key, params or {})
