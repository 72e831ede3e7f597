"""Request-scoped dependencies: the database session, the clock, settings and the hub."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from livecrew.core.clock import Clock
from livecrew.core.config import Settings
from livecrew.core.pubsub import LocalHub


@dataclass
class AppContext:
    """What the app factory builds once and every request shares."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    hub: LocalHub


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def get_db(request: Request) -> Iterator[Session]:
    """A session per request. Routes commit explicitly before answering; anything else is rolled back."""
    session = app_context(request).sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            session.rollback()
        session.close()


def get_clock(request: Request) -> Clock:
    return app_context(request).clock


def get_settings_dep(request: Request) -> Settings:
    return app_context(request).settings
