"""Request-scoped dependencies: the database session, the clock, settings and the hub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
import anyio.to_thread
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


# The dependencies below are ``async def`` although they never await: FastAPI runs a plain ``def``
# dependency in a worker thread, and each such hop (hand-over, wake-up, hand-back) cost more than the work
# of these few lines; a request with five of them spent more of its time hopping than in its route.


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request. Routes commit explicitly before answering; anything else is rolled back.

    Making the session does no I/O (it connects on first use). A route that committed has given its
    connection back, so closing is no I/O either; a rollback talks to the database, in a worker thread.
    """
    session = app_context(request).sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            # As FastAPI exits a plain dependency: shielded, so a client that went away cannot leave the
            # transaction open, and with a limiter of its own, since waiting for one of the busy worker
            # threads while holding a pooled connection could deadlock the threads against the pool.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_rollback_and_close, session, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


async def get_clock(request: Request) -> Clock:
    return app_context(request).clock


async def get_settings_dep(request: Request) -> Settings:
    return app_context(request).settings
