"""Request-scoped dependencies: the database session, the clock, settings and the hub; and the request's
unit of work (:class:`UnitOfWorkRoute`).

One transaction boundary: a request's session is committed once, by :class:`UnitOfWorkRoute`, after the
route has built its response and before the response is sent; an exception rolls everything back. A route
that answers an error itself (a console form shown again with its error) has rolled the failed change back
first (``web.render.form_failed``), and keeps only what it means to keep (a failed sign-in's record).
Routes and services never commit. Two documented exceptions commit
themselves, because their commit is what ingest's writer lock orders: ingest (``live.api`` and the
live CLI/simulator) and control-room actions (``live.api`` / ``live.pages``): the commit happens inside
``ingest.write_then_apply`` so the live state is applied in commit order. Commands have the same unit of
work in ``core.cli.database``, jobs in ``core.db.session_scope``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from livecrew.core.clock import Clock
from livecrew.core.config import Settings
from livecrew.core.db import KEEP_ON_ERROR
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
    """A session per request. :class:`UnitOfWorkRoute` commits it once the response is built; anything
    not committed (an error) is rolled back here.

    Making the session does no I/O (it connects on first use). A committed session has given its
    connection back, so closing is no I/O either; a rollback talks to the database, in a worker thread.
    """
    session = app_context(request).sessions()
    request.state.db = session
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


def _commit(session: Session) -> None:
    session.commit()


async def _commit_in_thread(session: Session) -> None:
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(_commit, session, limiter=anyio.CapacityLimiter(1))


class UnitOfWorkRoute(APIRoute):
    """Every feature's router uses this route class: the request's unit of work.

    Once the route has returned and its response is built (serialised), the request's session is
    committed, before the response is sent: a client that got an answer finds the change there on its
    next request. An exception keeps nothing (the session is rolled back by :func:`get_db`). A request
    that only read ends its read transaction the same way.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception:
                # An error keeps nothing, unless the request marked what it keeps (core.db.keep_on_error).
                session = getattr(request.state, "db", None)
                if session is not None and session.info.pop(KEEP_ON_ERROR, False) and session.in_transaction():
                    await _commit_in_thread(session)
                raise
            session = getattr(request.state, "db", None)
            if session is not None:
                session.info.pop(KEEP_ON_ERROR, None)
                if session.in_transaction():
                    await _commit_in_thread(session)
            return response

        return handle
