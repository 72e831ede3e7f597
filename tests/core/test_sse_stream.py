"""A Server-Sent Events stream ends cleanly when its subscription ends (at shutdown the event loop closes
the hub's generators; the stream used to raise RuntimeError for every open viewer)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from livecrew.core.api import sse_stream
from livecrew.core.auth import service
from livecrew.core.auth.deps import StreamGuard
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import FakeClock
from livecrew.core.db import make_sessionmaker
from livecrew.core.pubsub import AUTH_CHANNEL, LocalHub
from support import Factory


class EndingHub:
    async def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        yield {"kind": "metrics", "show": "x", "metrics": {"n": 1}}


class Connected:
    async def is_disconnected(self) -> bool:
        return False


def test_the_stream_ends_when_the_subscription_ends() -> None:
    async def frames() -> list[bytes]:
        return [f async for f in sse_stream(Connected(), EndingHub(), "show:x", [])]  # type: ignore[arg-type]

    got = asyncio.run(frames())
    assert got[0].startswith(b"retry:") and got[1].startswith(b"event: metrics") and len(got) == 2


class QuietHub(LocalHub):
    """A real local hub; the test publishes on it from the same loop."""


def _guard(allowed: list[bool], every: float) -> StreamGuard:
    async def check() -> bool:
        return allowed[0]

    return StreamGuard(user_id="u1", allowed=check, every=every)


def test_a_guarded_stream_ends_at_once_when_the_persons_credentials_change() -> None:
    async def run() -> list[bytes]:
        hub = QuietHub()
        await hub.start()
        allowed = [True]
        frames: list[bytes] = []

        async def read() -> None:
            async for frame in sse_stream(Connected(), hub, "show:x", [], guard=_guard(allowed, 3600)):  # type: ignore[arg-type]
                frames.append(frame)

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.05)
        hub.publish("show:x", {"kind": "metrics", "show": "x", "metrics": {"n": 1}})
        hub.publish(AUTH_CHANNEL, {"kind": "auth.changed", "user": "someone-else"})
        await asyncio.sleep(0.05)
        assert not reader.done()  # another person's change: still allowed, still open
        allowed[0] = False
        hub.publish(AUTH_CHANNEL, {"kind": "auth.changed", "user": "u1"})
        await asyncio.wait_for(reader, timeout=2)
        return frames

    frames = asyncio.run(run())
    assert frames[1].startswith(b"event: metrics")
    assert frames[-1].startswith(b"event: auth.ended")


def test_a_guarded_stream_checks_again_on_its_own_clock() -> None:
    async def run() -> list[bytes]:
        hub = QuietHub()
        await hub.start()
        allowed = [True]
        frames: list[bytes] = []

        async def read() -> None:
            async for frame in sse_stream(Connected(), hub, "show:x", [], guard=_guard(allowed, 0.05)):  # type: ignore[arg-type]
                frames.append(frame)

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.2)
        assert not reader.done()
        allowed[0] = False  # e.g. a token that expired: nobody announces it
        await asyncio.wait_for(reader, timeout=2)
        return frames

    assert asyncio.run(run())[-1].startswith(b"event: auth.ended")


def test_revoking_a_token_announces_it_after_commit_and_the_guard_then_refuses(
    engine: Engine, db: Session, hub: LocalHub, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "controller")
    token, secret = service.create_token(db, clock, user, name="feed")
    db.commit()
    token_id = token.id
    sessions = make_sessionmaker(engine)
    request = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(ctx=SimpleNamespace(sessions=sessions, clock=clock))),
        headers={"authorization": f"Bearer {secret}"},
        cookies={},
    )
    principal = SimpleNamespace(via="token", user=SimpleNamespace(id=user.id))
    guard = StreamGuard.for_request(request, principal, Action.live_view)  # type: ignore[arg-type]
    assert asyncio.run(guard.allowed())
    seen: list[dict[str, Any]] = []
    hub.publish = lambda channel, message: seen.append({"channel": channel, **message})  # type: ignore[method-assign]
    service.revoke_token(db, clock, ws, token_id, actor=user, may_manage_all=True)
    assert seen == []  # nothing before the commit
    db.commit()
    assert seen == [{"channel": AUTH_CHANNEL, "kind": "auth.changed", "user": user.id}]
    assert not asyncio.run(guard.allowed())
