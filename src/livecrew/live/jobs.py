"""The live ticker: once a second, one snapshot per live show (not one per viewer), alerts, fan-out."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.background import in_thread
from livecrew.core.db import session_scope
from livecrew.core.logging import get_logger
from livecrew.core.pubsub import show_channel
from livecrew.live import alerts
from livecrew.live.state import LiveRegistry, LiveShow, registry_of
from livecrew.shows.public import Show, ShowStatus

log = get_logger(__name__)
TICK_SECONDS = 0.5
WATCHED = (ShowStatus.live, ShowStatus.rehearsing)


def tick(app: FastAPI, registry: LiveRegistry) -> int:
    """One pass over the loaded shows; returns how many snapshots were published.

    Each show in its own transaction: one show's failure (logged with the show) is rolled back and never
    stops another's tick; the failing show is tried again on the next tick."""
    ctx = app.state.ctx
    published = 0
    loaded = registry.loaded()
    if not loaded:
        return 0
    with session_scope(ctx.sessions) as db:  # the job's unit of work
        shows = {s.id: s for s in db.scalars(select(Show).where(Show.id.in_([x.show_id for x in loaded]))).all()}
        for live in loaded:
            show = shows.get(live.show_id)
            if show is None:
                registry.forget(live.show_id)
                continue
            try:
                published += _tick_show(app, registry, db, show, live)
                if show.status in WATCHED:  # its alerts were evaluated (and may have been written)
                    db.commit()
            except Exception:
                db.rollback()
                log.exception("live.show_tick_failed", show=live.show_id)
        db.commit()  # ends the reads' transaction (a commit, as a rollback would also undo a shared test connection's)
    return published


def _tick_show(app: FastAPI, registry: LiveRegistry, db: Session, show: Show, live: LiveShow) -> int:
    ctx = app.state.ctx
    registry.catch_up(db, live)
    # A rehearsal is watched like a show on air: its injected incidents raise alerts (drills).
    is_live = show.status in WATCHED
    changed = live.version != live.published_version
    if not (changed or is_live) or (ctx.hub.subscriber_count(show_channel(show.id)) == 0 and not is_live):
        return 0
    snapshot = live.snapshot()
    live.published_version = live.version
    if changed:
        ctx.hub.publish(show_channel(show.id), {"kind": "metrics", "show": show.id, "metrics": snapshot})
    if is_live:
        alerts.evaluate(
            db,
            ctx.clock,
            show,
            snapshot,
            last_received=live.last_received,
            last_comment_ts=live.last_comment_ts,
        )
    return 1 if changed else 0


async def _run(app: FastAPI) -> None:
    registry = registry_of(app)
    while True:
        await asyncio.sleep(TICK_SECONDS)
        try:
            await in_thread(tick, app, registry)
        except Exception:  # one bad tick must not stop the live room
            log.exception("live.tick_failed")


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    registry_of(app)
    tasks = [asyncio.create_task(_run(app), name="livecrew-live-ticker")]
    config = getattr(app.state, "simulate", None)
    if config:
        from livecrew.live.simulation import run

        tasks.append(asyncio.create_task(run(app, config), name="livecrew-simulated-show"))
    return tasks
