"""What the shows feature offers other features: the domain events it emits (``livecrew.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

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
