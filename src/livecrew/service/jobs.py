"""Customer service's background job: every half minute, record SLA breaches (``SlaBreached``) and push the daily
report of each workspace at its report time (``DailyReportReady``)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import select, union
from sqlalchemy.orm import Session

from livecrew.core.background import in_thread
from livecrew.core.clock import Clock
from livecrew.core.db import session_scope
from livecrew.core.logging import get_logger
from livecrew.service import reports, tickets
from livecrew.service.models import ServiceSettings, Ticket

log = get_logger(__name__)
EVERY_SECONDS = 30.0


def tick(db: Session, clock: Clock) -> tuple[int, int]:
    """One pass: (breaches recorded, reports pushed). The caller commits."""
    breaches = tickets.check_breaches(db, clock)
    workspaces = db.scalars(union(select(Ticket.workspace_id).distinct(), select(ServiceSettings.workspace_id))).all()
    pushed = sum(1 for ws in workspaces if reports.push_due(db, clock, ws) is not None)
    return len(breaches), pushed


def run_once(app: FastAPI) -> tuple[int, int]:
    ctx = app.state.ctx
    with session_scope(ctx.sessions) as db:
        return tick(db, ctx.clock)


async def _run(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(EVERY_SECONDS)
        try:
            breaches, pushed = await in_thread(run_once, app)
            if breaches or pushed:
                log.info("service.tick", breaches=breaches, reports=pushed)
        except Exception:
            log.exception("service.tick_failed")


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(_run(app), name="livecrew-service-clocks")]
