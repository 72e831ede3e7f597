"""The server's source job: runs the live sources people started, reports their state, raises an alert
in the control room when a platform refuses one (a revoked token, a stream that ended for good)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from typing import Any

from fastapi import FastAPI

from livecrew.core.background import in_thread
from livecrew.core.db import session_scope
from livecrew.core.logging import get_logger
from livecrew.live.public import raise_alert
from livecrew.sources import service
from livecrew.sources.base import SourceState, run
from livecrew.sources.runners import connectors_for
from livecrew.sources.sinks import ServerSink

log = get_logger(__name__)
POLL_SECONDS = 2.0
# Without a hint the table is read this often: a source started in another process, or one whose runner died
# (its lease ran out). A start in this process hints the job (``wake``), which then reads it every pass for a
# few seconds (the start commits after its request's answer is built). A quiet table is not read in between.
SLOW_POLL_SECONDS = 30.0
HINT_SECONDS = 6.0


class SourceJob:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.ctx = app.state.ctx
        self.runner = f"{os.uname().nodename}:{os.getpid()}:{secrets.token_hex(3)}"
        self.running: dict[int, tuple[asyncio.Task[SourceState], asyncio.Event, SourceState]] = {}
        self.hinted_until = 0.0
        self.next_claim = time.monotonic() + SLOW_POLL_SECONDS

    def wake(self) -> None:
        """A source was started in this process (from any thread): read the table on the next passes."""
        self.hinted_until = time.monotonic() + HINT_SECONDS

    def _claim(self) -> list[tuple[int, str, str, str, dict[str, object], str]]:
        with session_scope(self.ctx.sessions) as db:  # the pass's unit of work
            mine = service.claim(db, self.ctx.clock.now(), self.runner)
            rows = [(s.id, s.show_id, s.platform, s.target, dict(s.options), s.secret) for s in mine]
        return rows

    def _report(self, source_id: int, state: SourceState) -> bool:
        with session_scope(self.ctx.sessions) as db:  # the pass's unit of work
            wanted = service.report(db, source_id, state, self.ctx.clock.now(), self.runner)
        return wanted

    def _failed(self, source_id: int, show_id: str, platform: str, state: SourceState) -> None:
        with session_scope(self.ctx.sessions) as db:  # the pass's unit of work
            service.report(db, source_id, state, self.ctx.clock.now(), self.runner)
            raise_alert(
                db,
                self.ctx.clock,
                show_id,
                rule="source_failed",
                severity="high",
                message=f"{platform} source stopped: {state.last_error}",
                key="alert.source_failed",
                params={"platform": platform, "error": state.last_error[:300]},
            )
            service.release(db, source_id, self.runner)

    async def _run_one(
        self, row: tuple[int, str, str, str, dict[str, object], str], stop: asyncio.Event, state: SourceState
    ) -> SourceState:
        source_id, show_id, platform, target, options, secret = row

        async def on_change(current: SourceState) -> None:
            if not await in_thread(self._report, source_id, current):
                stop.set()

        try:
            connectors = connectors_for(platform, target, self.ctx.clock, token=secret, options=options)
            await run(connectors, ServerSink(self.app, show_id), state, self.ctx.clock, stop=stop, on_change=on_change)
        except Exception as exc:  # a connector's own bug: report it, never take the server down
            log.exception("sources.crashed", source=source_id)
            state.status, state.last_error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        if state.status == "failed":
            await in_thread(self._failed, source_id, show_id, platform, state)
        else:
            await in_thread(self._finished, source_id, state)
        return state

    def _finished(self, source_id: int, state: SourceState) -> None:
        with session_scope(self.ctx.sessions) as db:  # the pass's unit of work
            service.report(db, source_id, state, self.ctx.clock.now(), self.runner)
            service.release(db, source_id, self.runner)

    async def tick(self) -> None:
        for source_id, (task, stop, state) in list(self.running.items()):
            if task.done():
                self.running.pop(source_id)
            elif not await in_thread(self._report, source_id, state):  # stopped by a person; renews the lease
                stop.set()
        now = time.monotonic()
        if not (self.running or now < self.hinted_until or now >= self.next_claim):
            return  # nothing runs here and nothing new was started: the database is not asked
        self.next_claim = now + SLOW_POLL_SECONDS
        for row in await in_thread(self._claim):
            if row[0] not in self.running:
                stop, state = asyncio.Event(), SourceState()
                task = asyncio.create_task(self._run_one(row, stop, state), name=f"livecrew-source-{row[0]}")
                self.running[row[0]] = (task, stop, state)

    async def start_running(self) -> None:
        self.hinted_until = time.monotonic() + 1
        await self.tick()
        self.hinted_until = 0.0

    async def loop(self) -> None:
        try:
            while True:
                try:
                    await self.tick()
                except Exception:
                    log.exception("sources.tick_failed")
                await asyncio.sleep(POLL_SECONDS)
        finally:
            for _task, stop, _state in self.running.values():
                stop.set()
            for task, _stop, _state in self.running.values():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=5)


def wake(app: Any) -> None:
    """Hint this process's source job that a source was started (nothing when no job runs here)."""
    job = getattr(app.state, "sources", None)
    if isinstance(job, SourceJob):
        job.wake()


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    job = SourceJob(app)
    app.state.sources = job
    await job.start_running()  # sources left running before a restart, before the first request
    return [asyncio.create_task(job.loop(), name="livecrew-sources")]
