"""A Server-Sent Events stream ends cleanly when its subscription ends (at shutdown the event loop closes
the hub's generators; the stream used to raise RuntimeError for every open viewer)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from livecrew.core.api import sse_stream


class EndingHub:
    async def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        yield {"kind": "metrics", "n": 1}


class Connected:
    async def is_disconnected(self) -> bool:
        return False


def test_the_stream_ends_when_the_subscription_ends() -> None:
    async def frames() -> list[bytes]:
        return [f async for f in sse_stream(Connected(), EndingHub(), "show:x", [])]  # type: ignore[arg-type]

    got = asyncio.run(frames())
    assert got[0].startswith(b"retry:") and got[1].startswith(b"event: metrics") and len(got) == 2
