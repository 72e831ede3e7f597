"""The team's background job: check the matrices' review dates once an hour."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from livecrew.core.background import in_thread
from livecrew.core.db import session_scope
from livecrew.core.logging import get_logger
from livecrew.team import reminders

log = get_logger(__name__)
EVERY_SECONDS = 3600.0
FIRST_AFTER_SECONDS = 60.0  # let start-up (migrations, demo seeding, the simulator) settle first


def run_once(app: FastAPI) -> int:
    ctx = app.state.ctx
    with session_scope(ctx.sessions) as db:  # the job's unit of work
        made = reminders.remind(db, ctx.clock)
    return len(made)


async def _run(app: FastAPI) -> None:
    await asyncio.sleep(FIRST_AFTER_SECONDS)
    while True:
        try:
            made = await in_thread(run_once, app)
            if made:
                log.info("team.matrix_reminders", tasks=made)
        except Exception:
            log.exception("team.reminder_failed")
        await asyncio.sleep(EVERY_SECONDS)


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(_run(app), name="livecrew-team-reminders")]
