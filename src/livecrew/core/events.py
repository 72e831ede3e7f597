"""Typed domain events: how one feature reacts to another's fact without importing its internals.

The owning feature defines the event (a frozen dataclass with a ``topic``) in its ``public.py`` and emits
it with :func:`emit` inside its transaction. Features that care subscribe to the topic in their manifest
(``Feature.subscribers``). Handlers run at once, in the emitter's transaction and session: they flush,
never commit, so the fact and every reaction to it are committed (or rolled back) together — a message
and its pushes in the outbox, an alert and the incident it opens.

Live updates for browsers are not domain events: they go through ``core.pubsub.publish_after_commit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy.orm import Session

from livecrew.core.plugins import subscribers


@dataclass(frozen=True)
class DomainEvent:
    """Base of every domain event. Subclasses set ``topic`` (``"<feature>.<fact>"``)."""

    topic: ClassVar[str] = ""


def emit(db: Session, event: DomainEvent) -> None:
    """Hand ``event`` to every subscriber of its topic, in this transaction."""
    if not event.topic:
        raise TypeError(f"{type(event).__name__} has no topic")
    for handler in subscribers(event.topic):
        handler(db, event)
