"""The domain events the shows feature emits (``livecrew.core.events``); other features import them from
``livecrew.shows.public``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
class RehearsalProblemsFound(DomainEvent):
    """A rehearsal found problems to fix before the show. The board makes each a task (for ``owner_id``,
    due ``due_on``) and hands the task ids back with :func:`livecrew.shows.public.link_rehearsal_tasks`."""

    topic: ClassVar[str] = "shows.rehearsal_problems_found"
    workspace_id: str
    show_id: str
    show_title: str
    rehearsal_id: int
    problems: tuple[str, ...]
    notes: str
    due_on: date
    owner_id: str | None
    actor_id: str | None


@dataclass(frozen=True)
class GateRefusedFact(DomainEvent):
    """The gate refused a show's move (say, to ``live``). The move itself rolled back: this fact is emitted in a
    small transaction of its own by the route that caught the refusal. ``problems``: the unmet conditions as
    ``{"check", "message", "key", "params"}``."""

    topic: ClassVar[str] = "shows.gate_refused"
    workspace_id: str
    show_id: str
    to_status: str
    problems: tuple[dict[str, Any], ...]
    actor_id: str | None
