"""Health and the workspace event stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from livecrew import __version__
from livecrew.core.auth.deps import Principal, StreamGuard, require
from livecrew.core.auth.permissions import Action
from livecrew.core.deps import UnitOfWorkRoute, app_context, get_db
from livecrew.core.pubsub import AUTH_CHANNEL, LocalHub, workspace_channel

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
    request: Request,
    hub: LocalHub,
    channel: str,
    first: list[dict[str, Any]],
    *,
    guard: StreamGuard | None = None,
) -> AsyncIterator[bytes]:
    """Server-Sent Events from one hub channel, with keep-alive comments and disconnect detection.

    With a ``guard``, the caller's access is checked again at least every ``guard.every`` seconds and at once
    when their credentials change (a token revoked, a session ended, a password changed, a person
    deactivated): the stream then says so and ends, instead of flowing for hours after access was taken away.
    """
    loop = asyncio.get_running_loop()
    yield b"retry: 3000\n\n"
    for message in first:
        yield sse_frame(message)
    subscription = hub.subscribe(channel)
    changes = hub.subscribe(AUTH_CHANNEL) if guard is not None else None
    next_message: asyncio.Future[dict[str, Any]] | None = None
    next_change: asyncio.Future[dict[str, Any]] | None = None
    next_check = loop.time() + (guard.every if guard else 0)
    try:
        while True:
            if await request.is_disconnected():
                break
            if next_message is None:
                next_message = asyncio.ensure_future(anext(subscription))
            waiting: set[asyncio.Future[dict[str, Any]]] = {next_message}
            timeout = KEEPALIVE_SECONDS
            if guard is not None and changes is not None:
                if next_change is None:
                    next_change = asyncio.ensure_future(anext(changes))
                waiting.add(next_change)
                timeout = max(0.0, min(timeout, next_check - loop.time()))
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            check = guard is not None and loop.time() >= next_check
            if next_change is not None and next_change in done:
                try:
                    change = next_change.result()
                except StopAsyncIteration:
                    break
                next_change = None
                check = check or (guard is not None and change.get("user") == guard.user_id)
            if guard is not None and check:
                next_check = loop.time() + guard.every
                if not await guard.allowed():
                    yield sse_frame({"kind": "auth.ended", "message": "Your access to this stream has ended."})
                    break
            if next_message in done:
                try:
                    message = next_message.result()
                except StopAsyncIteration:  # the hub stopped (the server is shutting down): end the stream
                    break
                next_message = None
                yield sse_frame(message)
            elif not done:
                yield b": keep-alive\n\n"
    finally:
        for pending in (next_message, next_change):
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await pending
        await subscription.aclose()  # type: ignore[attr-defined]
        if changes is not None:
            await changes.aclose()  # type: ignore[attr-defined]


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
    guard = StreamGuard.for_request(request, principal, Action.workspace_view)
    return StreamingResponse(
        sse_stream(request, hub, workspace_channel(principal.workspace.id), [hello], guard=guard),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
