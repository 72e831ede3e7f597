"""The server's review job: builds the final reviews of ended shows (``review.builds``) while the app runs.

It wakes when a commit of this process asked for a build, and polls for what other processes asked
(PostgreSQL: every 2 seconds; a SQLite file: every 5). At start it builds whatever is waiting, so a build
asked for before a stop is done after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from livecrew.core.auth.models import Workspace
from livecrew.core.background import in_thread
from livecrew.core.clock import Clock
from livecrew.core.db import session_scope
from livecrew.core.deps import AppContext
from livecrew.core.logging import get_logger
from livecrew.review import builds, service
from livecrew.shows import public as shows

log = get_logger(__name__)
PG_POLL_SECONDS = 2.0
SQLITE_POLL_SECONDS = 5.0


def build_one(sessions: sessionmaker[Session], clock: Clock, runner: str, server: Any = None) -> str | None:
    """Claim one build and do it: the review stored and the row removed in one transaction (kept, unleased,
    when someone asked again meanwhile). A failure is recorded and tried again later. Returns the show id
    (None: nothing to build). ``server``: the app the job runs in, whose live engine of the show, when it has
    applied the log up to the review's version, stands for the log's replay (``service.build_review``)."""
    with session_scope(sessions) as db:
        taken = builds.claim(db, clock.now(), runner)
    if taken is None:
        return None
    show_id, requests = taken
    try:
        with session_scope(sessions) as db:
            workspace_id = shows.workspace_of_show(db, show_id)
            workspace = db.get(Workspace, workspace_id) if workspace_id else None
            if workspace is not None:
                service.store_figures(db, clock, workspace, show_id, server=server)
            builds.done(db, show_id, requests)
        log.info("review.built", show=show_id)
    except Exception as exc:
        log.exception("review.build_failed", show=show_id)
        with session_scope(sessions) as db:
            builds.failed(db, clock.now(), show_id, f"{type(exc).__name__}: {exc}")
    return show_id


def drain(ctx: AppContext, runner: str, server: Any = None) -> int:
    """Build every waiting review that can be taken now; how many were tried."""
    done = 0
    while build_one(ctx.sessions, ctx.clock, runner, server) is not None:
        done += 1
    return done


async def _run(ctx: AppContext, runner: str, wake: asyncio.Event, poll: float | None, server: FastAPI) -> None:
    while True:
        wake.clear()
        try:
            await in_thread(drain, ctx, runner, server)
        except Exception:
            log.exception("review.job_failed")
            await asyncio.sleep(1.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll)


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    if getattr(app.state, "review_job_off", False):  # tests that run the builds by hand
        return []
    ctx: AppContext = app.state.ctx
    engine = app.state.engine
    runner = f"{os.uname().nodename}:{os.getpid()}:{secrets.token_hex(3)}"
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def poke() -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the app is stopping
            loop.call_soon_threadsafe(wake.set)

    remove = builds.on_build_requested(poke)
    poll: float | None = PG_POLL_SECONDS
    if engine.dialect.name == "sqlite":
        memory = engine.url.database in (None, "", ":memory:")
        poll = None if memory else SQLITE_POLL_SECONDS

    async def run() -> None:
        try:
            await _run(ctx, runner, wake, poll, app)
        finally:
            remove()

    return [asyncio.create_task(run(), name="livecrew-review-builds")]
