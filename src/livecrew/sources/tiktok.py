"""TikTok LIVE through the TikTokLive package (the optional extra ``livecrew[tiktok]``).

TikTokLive decodes the room's webcast messages into event objects; :func:`map_event` turns each kind into
live events (docs/sources.md has the table). Ids come from the message's ``common.msg_id``, so a message
seen twice counts once. A gift in a streak is counted when its streak ends (TikTok repeats the message for
every tap of a combo gift); its value is its diamonds times the source's diamond value, in the workspace
currency's minor units. Only the mapping reads TikTokLive's classes, by their attributes: it works on the
objects the package builds and on any object of the same shape.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from livecrew.core.clock import Clock, to_ms
from livecrew.sources.base import ConnectionLost, Event, SourceRefused, SourceState

# The TikTokLive event classes read here, by name (the package's names) -> the live event type.
KINDS = {
    "CommentEvent": "comment",
    "LikeEvent": "like",
    "GiftEvent": "gift",
    "FollowEvent": "follow",
    "ShareEvent": "share",
    "JoinEvent": "enter",
    "RoomUserSeqEvent": "online",
    "LiveEndEvent": "live_end",
}
COMBO_GIFT = 1  # a gift type TikTok streaks (repeat_end says when the streak is over)


def _user(obj: Any) -> str | None:
    user = getattr(obj, "user", None)
    uid = getattr(user, "id", None) if user is not None else None
    if uid:
        return f"tt:{uid}"
    for name in ("unique_id", "display_id"):
        handle = getattr(user, name, None) if user is not None else None
        if handle:
            return f"tt:@{handle}"
    return None


def map_event(obj: Any, clock: Clock, *, diamond_value: int = 1) -> Event | None:
    """One TikTokLive event object -> one live event, or None when it carries nothing to count."""
    kind = KINDS.get(type(obj).__name__)
    common = getattr(obj, "common", None)
    msg_id = getattr(common, "msg_id", None) if common is not None else None
    if kind is None or not msg_id:
        return None
    created = getattr(common, "create_time", 0) or 0
    ts = int(created) if created > 10**11 else (int(created) * 1000 if created else to_ms(clock.now()))
    event: Event = {"id": f"tt:{msg_id}", "type": kind, "ts": ts}
    if kind == "online":
        event["count"] = int(getattr(obj, "total", 0) or 0)
        return event
    if kind == "live_end":
        return event
    user = _user(obj)
    if user is None:
        return None
    event["user"] = user
    nickname = getattr(getattr(obj, "user", None), "nickname", None)
    if nickname:
        event["nickname"] = nickname
    if kind == "comment":
        text = getattr(obj, "content", None) or getattr(obj, "comment", None)
        if not text:
            return None
        event["text"] = str(text)
    elif kind == "like":
        event["count"] = max(1, int(getattr(obj, "count", 1) or 1))
    elif kind == "gift":
        gift = getattr(obj, "gift", None)
        if gift is not None and getattr(gift, "type", 0) == COMBO_GIFT and not getattr(obj, "repeat_end", 0):
            return None  # the streak goes on: count it once, at its end
        count = max(1, int(getattr(obj, "repeat_count", 1) or 1))
        diamonds = int(getattr(gift, "diamond_count", 0) or 0) if gift is not None else 0
        event["gift"] = str(getattr(gift, "name", "") or getattr(obj, "gift_id", "") or "gift")
        event["count"] = count
        event["value"] = diamonds * count * diamond_value
    return event


class TikTokStream:
    """A room's stream through TikTokLive's client. ``client_factory`` builds the client (tests pass one)."""

    platform = "tiktok"

    def __init__(
        self,
        username: str,
        clock: Clock,
        *,
        diamond_value: int = 1,
        client_factory: Callable[[str], Any] | None = None,
    ) -> None:
        self.username = username if username.startswith("@") else f"@{username}"
        self.clock = clock
        self.diamond_value = diamond_value
        self.client_factory = client_factory or _tiktoklive_client

    async def stream(self, state: SourceState) -> AsyncIterator[list[Event]]:
        client = self.client_factory(self.username)
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=10_000)
        ended = object()

        def on_event(obj: Any) -> None:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(obj)

        for name in (*KINDS, "DisconnectEvent"):
            client.listen(name, on_event)
        runner = asyncio.create_task(client.run())
        runner.add_done_callback(lambda _t: queue.put_nowait(ended))
        state.status = "connected"
        try:
            while True:
                obj = await queue.get()
                if obj is ended or type(obj).__name__ == "DisconnectEvent":
                    break
                event = map_event(obj, self.clock, diamond_value=self.diamond_value)
                if event is None:
                    continue
                yield [event]
                if event["type"] == "live_end":
                    break
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
        if runner.done() and not runner.cancelled() and (exc := runner.exception()) is not None:
            _raise_for(exc)


def _raise_for(exc: BaseException) -> None:
    name = type(exc).__name__
    if name in ("UserOfflineError", "UserNotFoundError", "AgeRestrictedError"):
        raise SourceRefused(f"TikTok: {name.removesuffix('Error')}: {exc}") from exc
    raise ConnectionLost(f"TikTok: {name}: {exc}") from exc


class _ClientAdapter:
    """TikTokLive's client behind the two calls the stream needs: listen(name, fn) and run()."""

    def __init__(self, username: str) -> None:
        try:
            from TikTokLive import TikTokLiveClient
            from TikTokLive import events as tt_events
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise SourceRefused("TikTok sources need the TikTokLive package: pip install 'livecrew[tiktok]'") from exc
        self._events = tt_events
        self._client = TikTokLiveClient(unique_id=username)

    def listen(self, name: str, fn: Callable[[Any], None]) -> None:
        kind = getattr(self._events, name)

        async def handler(event: Any) -> None:
            fn(event)

        self._client.add_listener(kind, handler)

    async def run(self) -> None:
        await self._client.connect()


def _tiktoklive_client(username: str) -> Any:
    return _ClientAdapter(username)
