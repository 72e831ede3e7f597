"""Publish / subscribe for live updates (Server-Sent Events).

Messages are published only after the database transaction that produced them commits
(``publish_after_commit``); a rollback drops them. Two hubs share one interface:

* ``LocalHub``: in-process asyncio queues, for the embedded single-process mode.
* ``RedisHub``: Redis pub/sub, so that several web processes see every message. Each process
  keeps one Redis subscription and fans the messages out to its own local subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.orm import Session

from livecrew.core.live_messages import check
from livecrew.core.logging import get_logger

log = get_logger(__name__)

PENDING_KEY = "livecrew_pending_messages"
HUB_KEY = "livecrew_hub"
QUEUE_SIZE = 512


# Credentials changed (a token revoked, a session ended, a password changed, a person deactivated):
# {"kind": "auth.changed", "user": user_id}. Open streams of that person check their access again.
AUTH_CHANNEL = "auth"


def workspace_channel(workspace_id: str) -> str:
    return f"ws:{workspace_id}"


def show_channel(show_id: str) -> str:
    return f"show:{show_id}"


class LocalHub:
    """Fan-out to subscribers of this process. Safe to publish from worker threads."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    async def start(self) -> None:
        self.bind_loop(asyncio.get_running_loop())

    async def stop(self) -> None:
        return None

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def _deliver(self, channel: str, message: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            if queue.full():
                # A slow client loses its oldest message rather than holding everyone up.
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(message)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        """Publish from any thread. The message's kind must be in the live message catalog."""
        check(message)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(channel, message)
        else:
            loop.call_soon_threadsafe(self._deliver, channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        if self._loop is None:
            self.bind_loop(asyncio.get_running_loop())
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers[channel].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                self._subscribers.pop(channel, None)


class RedisHub(LocalHub):
    """Redis pub/sub across processes; local fan-out inside each process."""

    PREFIX = "livecrew:"

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis
        import redis.asyncio as aioredis

        self._url = url
        self._sync = redis.Redis.from_url(url)
        self._async = aioredis.Redis.from_url(url)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        await super().start()
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="livecrew-redis-hub")
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._async.aclose()
        self._sync.close()

    async def _listen(self) -> None:
        pubsub = self._async.pubsub()
        await pubsub.psubscribe(self.PREFIX + "*")
        self._ready.set()
        try:
            async for item in pubsub.listen():
                if item.get("type") != "pmessage":
                    continue
                channel = item["channel"].decode()[len(self.PREFIX) :]
                try:
                    message = orjson.loads(item["data"])
                except orjson.JSONDecodeError:
                    log.warning("pubsub.bad_message", channel=channel)
                    continue
                self._deliver(channel, message)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]  # typed from redis 8.2

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        check(message)
        self._sync.publish(self.PREFIX + channel, orjson.dumps(message))


def make_hub(redis_url: str | None) -> LocalHub:
    return RedisHub(redis_url) if redis_url else LocalHub()


def publish_after_commit(db: Session, channel: str, message: dict[str, Any]) -> None:
    """Queue a message on the session; it goes out when (and only if) the transaction commits."""
    check(message)  # an undeclared kind fails the change that publishes it, not the commit
    db.info.setdefault(PENDING_KEY, []).append((channel, message))


@event.listens_for(Session, "after_commit")
def _flush_pending(session: Session) -> None:
    pending: list[tuple[str, dict[str, Any]]] = session.info.pop(PENDING_KEY, [])
    hub: LocalHub | None = session.info.get(HUB_KEY)
    if hub is None:
        return
    for channel, message in pending:
        try:
            hub.publish(channel, message)
        except Exception:  # a broken hub must never undo a committed transaction
            log.exception("pubsub.publish_failed", channel=channel)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
