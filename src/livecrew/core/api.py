"""Health and the workspace event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from livecrew import __version__
from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.deps import UnitOfWorkRoute, app_context, get_db
from livecrew.core.pubsub import LocalHub, workspace_channel

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["system"])

KEEPALIVE_SECONDS = 15.0


@router.get("/health", summary="200 when the app and its database answer")
def health(db: Annotated[Session, Depends(get_db)]) -> JSONResponse:
    try:
        db.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "message": f"the database does not answer: {exc.__class__.__name__}"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "version": __version__, "database": db.get_bind().dialect.name})


def sse_frame(message: dict[str, Any]) -> bytes:
    kind = str(message.get("kind", "message"))
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(message) + b"\n\n"


async def sse_stream(
    request: Request, hub: LocalHub, channel: str, first: list[dict[str, Any]]
) -> AsyncIterator[bytes]:
    """Server-Sent Events from one hub channel, with keep-alive comments and disconnect detection."""
    yield b"retry: 3000\n\n"
    for message in first:
        yield sse_frame(message)
    subscription = hub.subscribe(channel)
    try:
        while True:
            if await request.is_disconnected():
                break
            try:
                message = await asyncio.wait_for(anext(subscription), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            except StopAsyncIteration:  # the hub stopped (the server is shutting down): end the stream
                break
            yield sse_frame(message)
    finally:
        await subscription.aclose()  # type: ignore[attr-defined]


def _stream_principal(
    db: Annotated[Session, Depends(get_db)],
    principal: Annotated[Principal, Depends(require(Action.workspace_view))],
) -> Principal:
    # The stream may stay open for hours: give the database connection back now, in this same thread.
    db.close()
    return principal


@router.get("/stream", summary="Server-Sent Events for the caller's workspace")
async def workspace_stream(
    request: Request, principal: Annotated[Principal, Depends(_stream_principal)]
) -> StreamingResponse:
    hub = app_context(request).hub
    hello = {"kind": "hello", "workspace": principal.workspace.id}
    return StreamingResponse(
        sse_stream(request, hub, workspace_channel(principal.workspace.id), [hello]),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
