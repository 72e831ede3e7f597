"""A simulated show played inside the server (``livecrew serve --simulate demo``), through the ingest path."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.background import in_thread
from livecrew.core.db import session_scope
from livecrew.core.logging import get_logger
from livecrew.core.plugins import contributions
from livecrew.live import ingest
from livecrew.live.events import parse_body
from livecrew.live.state import after_ingest, registry_of
from livecrew.shows import public as shows
from livecrew.shows.public import Show, ShowStatus
from livecrew.simulate import generate, play

log = get_logger(__name__)

# Other features give the simulator the show's real products (goods: the lineup); else it uses its own.
ProductSource = Callable[[Session, Show], list[dict[str, Any]]]
PRODUCT_SOURCES = "live.product_source"


def show_products(app: FastAPI, show_id: str) -> list[dict[str, Any]] | None:
    with app.state.ctx.sessions() as db:
        show = db.get(Show, show_id)
        if show is None:
            return None
        products = [p for source in contributions(PRODUCT_SOURCES) for p in source(db, show)]
    return products or None


def pick_show(app: FastAPI, ref: str) -> str | None:
    """``demo``: the demo workspace's show that is live, else the one that is ready (moved to live)."""
    ctx = app.state.ctx
    with session_scope(ctx.sessions) as db:  # the start-up job's unit of work
        if ref != "demo":
            show = db.get(Show, ref)
            return show.id if show else None
        from livecrew.core.auth.models import User
        from livecrew.core.hooks import demo_email

        owner = db.scalar(select(User).where(User.email == demo_email("owner")))
        if owner is None:
            return None
        candidates = db.scalars(
            select(Show)
            .where(Show.workspace_id == owner.workspace_id, Show.status.in_([ShowStatus.live, ShowStatus.ready]))
            .order_by(Show.status.desc(), Show.starts_at)
        ).all()
        live = next((s for s in candidates if s.status == ShowStatus.live), None)
        if live is not None:
            return str(live.id)
        ready = next(iter(candidates), None)
        if ready is None:
            return None
        from livecrew.core.auth.models import Workspace

        ws = db.get(Workspace, ready.workspace_id)
        assert ws is not None
        problems = shows.gate_problems(db, ready, ShowStatus.live.value)
        if problems:
            log.warning("simulate.gate_refused", show=ready.id, problems=[p.message for p in problems])
            return None
        ops = db.scalar(select(User).where(User.email == demo_email("ops")))
        shows.transition(db, ctx.clock, ws, ready, ShowStatus.live.value, actor=ops, note="simulated show")
        return str(ready.id)


def _append(app: FastAPI, show_id: str, lines: list[bytes]) -> int:
    ctx = app.state.ctx
    parsed = parse_body(b"\n".join(lines), session=show_id)
    with ctx.sessions() as db:

        def write() -> ingest.IngestResult | None:
            show = db.get(Show, show_id)
            if show is None or show.status == ShowStatus.cancelled:
                return None
            result = ingest.append(db, ctx.clock, show, parsed.events)
            db.commit()  # ingest, under the writer lock (see core.deps)
            return result

        def apply(result: ingest.IngestResult | None) -> None:
            if result is not None:
                after_ingest(ctx.hub, registry_of(app), show_id, result)

        result = ingest.write_then_apply(db, show_id, write, apply)
    if result is None:
        return -1
    if result.refused:  # e.g. the show already holds events from months ago: say so instead of going quiet
        log.warning("simulate.refused", show=show_id, count=len(result.refused), first=result.refused[0].error)
    return result.accepted


async def run(app: FastAPI, config: dict[str, Any]) -> None:
    show_id = await in_thread(pick_show, app, str(config.get("show", "demo")))
    if show_id is None:
        log.warning("simulate.no_show", hint="run `livecrew demo` first; the demo needs a ready show")
        return
    minutes = int(config.get("minutes", 120))
    speed = float(config.get("speed", 1.0))
    run_id = secrets.token_hex(3)
    log.info("simulate.started", show=show_id, minutes=minutes, speed=speed)
    products = await in_thread(show_products, app, show_id)
    stream = generate(
        minutes=minutes,
        seed=int(time.time()),
        session=f"sim{run_id}",
        incidents=tuple(config.get("incidents", ())),
        products=products,
    )
    pending: list[bytes] = []
    last = time.monotonic()
    for wait, event in play(stream, speed):
        if wait > 0:
            if pending:
                if await in_thread(_append, app, show_id, pending) < 0:
                    return
                pending = []
            await asyncio.sleep(wait)
        pending.append(orjson.dumps(event))
        if len(pending) >= 2000 or time.monotonic() - last > 1:
            if await in_thread(_append, app, show_id, pending) < 0:
                return
            pending, last = [], time.monotonic()
    if pending:
        await in_thread(_append, app, show_id, pending)
    log.info("simulate.finished", show=show_id)
