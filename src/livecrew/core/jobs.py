"""The core's background job: write the noted last-use times of tokens and sessions every few seconds."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from livecrew.core.auth.service import flush_touches
from livecrew.core.background import in_thread
from livecrew.core.logging import get_logger

log = get_logger(__name__)
FLUSH_SECONDS = 5.0


async def _run(app: FastAPI) -> None:
    engine = app.state.engine
    try:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await in_thread(flush_touches, engine)
            except Exception:
                log.exception("core.flush_failed")
    finally:
        await in_thread(flush_touches, engine)


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(_run(app), name="livecrew-core-touches")]
