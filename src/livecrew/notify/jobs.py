"""The server's relay job: delivers the outbox while the app runs.

It wakes when a commit wrote to the outbox (in this process), when the next backoff or rate-limit wait ends,
and on a poll for what other processes wrote (PostgreSQL: every second; a SQLite file: every few seconds).
On SQLite it is the one relay on the database, so at start it drops the leases a killed server left behind.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from livecrew.core.background import in_thread
from livecrew.core.deps import AppContext
from livecrew.core.logging import get_logger
from livecrew.notify.relay import Relay
from livecrew.notify.service import on_outbox_commit

log = get_logger(__name__)
PG_POLL_SECONDS = 1.0
SQLITE_POLL_SECONDS = 5.0
RELAY_KEY = "notify_relay"


def relay_of(app: FastAPI) -> Relay:
    """The app's relay (made on first use when the lifespan did not run, e.g. in a bare test app)."""
    relay: Relay | None = getattr(app.state, RELAY_KEY, None)
    if relay is None:
        ctx: AppContext = app.state.ctx
        relay = Relay(ctx.sessions, ctx.clock)
        setattr(app.state, RELAY_KEY, relay)
    return relay


async def _run(app: FastAPI, relay: Relay, wake: asyncio.Event, poll: float | None, *, first: bool) -> None:
    clock = relay.clock
    if not first:
        await wake.wait()
    while True:
        wake.clear()
        try:
            await in_thread(relay.run_pass)
            due = await in_thread(relay.next_due)
        except Exception:
            log.exception("notify.relay_failed")
            due = None
            await asyncio.sleep(1.0)
        timeout = poll
        if due is not None:
            until = max(0.05, (due - clock.now()).total_seconds())
            timeout = until if timeout is None else min(timeout, until)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=timeout)


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    ctx: AppContext = app.state.ctx
    engine = app.state.engine
    if getattr(app.state, "notify_job_off", False):  # tests that drive the relay by hand
        return []
    relay = relay_of(app)
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def poke() -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the app is stopping
            loop.call_soon_threadsafe(wake.set)

    remove = on_outbox_commit(poke)
    poll: float | None
    first = True
    if engine.dialect.name == "sqlite":
        # An in-memory database is new with the process and has no other writers: the relay only works when
        # this process wrote to the outbox. A file may hold what a killed server left, and the CLI may write.
        memory = engine.url.database in (None, "", ":memory:")
        if memory:
            poll, first = None, False
        else:
            await in_thread(relay.release_leases)
            poll = SQLITE_POLL_SECONDS
    else:
        poll = PG_POLL_SECONDS
    log.debug("notify.relay_started", database=engine.dialect.name, clock=type(ctx.clock).__name__)

    async def run() -> None:
        try:
            await _run(app, relay, wake, poll, first=first)
        finally:
            remove()
            setattr(app.state, RELAY_KEY, None)
            relay.close()

    return [asyncio.create_task(run(), name="livecrew-notify-relay")]
