"""The connector interface and the loop that runs connectors: read, map, batch, feed, reconnect.

A connector reads one platform stream and yields lists of live events (docs/events.md) whose ids come from
the platform's own message ids, so whatever a reconnect replays is dropped as a duplicate by ingest. It
raises :class:`SourceRefused` when the platform says no for good (a revoked token, an unknown stream) and
lets connection errors out (or ends) when the connection dropped; :func:`run` reconnects those with
exponential backoff and jitter and stops on a refusal. Writing the next connector: docs/sources.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from livecrew.core.clock import Clock
from livecrew.core.logging import get_logger

log = get_logger(__name__)

BATCH_EVENTS = 500
BATCH_SECONDS = 0.3

Event = dict[str, Any]
Sink = Callable[[list[Event]], Awaitable[dict[str, Any]]]


class SourceRefused(Exception):
    """The platform refused the connection for good; the message is the platform's own."""


class ConnectionLost(Exception):
    """The connection dropped or the platform answered with a passing error: reconnect."""


@dataclass
class SourceState:
    """How a running source is doing; shown in the control room and kept on the source's row."""

    status: str = "starting"
    events: int = 0
    duplicates: int = 0
    garbage: int = 0
    reconnects: int = 0
    rejected: int = 0
    last_event_at: datetime | None = None
    last_error: str = ""
    notes: list[str] = field(default_factory=list)


class Connector(Protocol):
    platform: str

    def stream(self, state: SourceState) -> AsyncIterator[list[Event]]:
        """Connect and yield mapped events until the stream ends; may raise SourceRefused or ConnectionLost."""
        ...


@dataclass
class Backoff:
    """Exponential backoff with full jitter: a wait in [0, min(cap, base * 2**n)]."""

    base: float = 0.5
    cap: float = 30.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next(self) -> float:
        high = min(self.cap, self.base * (2**self.attempt))
        self.attempt += 1
        return self.rng.uniform(high / 2, high)

    def reset(self) -> None:
        self.attempt = 0


_PASSING = (httpx.TransportError, httpx.StreamError, ConnectionLost, OSError)


async def run(
    connectors: Sequence[Connector],
    sink: Sink,
    state: SourceState,
    clock: Clock,
    *,
    stop: asyncio.Event | None = None,
    on_change: Callable[[SourceState], Awaitable[None]] | None = None,
    backoff: Callable[[], Backoff] = Backoff,
    max_reconnects: int | None = None,
) -> SourceState:
    """Run the connectors (one platform may need several streams) into one sink until ``stop`` is set, a
    connector is refused, or (for tests and one-off runs) ``max_reconnects`` is reached. Returns the state."""
    stop = stop or asyncio.Event()
    queue: asyncio.Queue[list[Event] | None] = asyncio.Queue(maxsize=1000)
    refused: list[str] = []

    async def changed() -> None:
        if on_change is not None:
            await on_change(state)

    async def produce(connector: Connector) -> None:
        waits = backoff()
        while not stop.is_set():
            try:
                async for events in connector.stream(state):
                    waits.reset()
                    if events:
                        await queue.put(events)
                    if stop.is_set():
                        return
                state.last_error = "the platform closed the stream"
            except SourceRefused as exc:
                # This stream is over; the source fails when every one of its streams was refused.
                refused.append(str(exc))
                state.last_error = str(exc)
                if len(refused) == len(connectors):
                    state.status = "failed"
                    stop.set()
                else:
                    state.notes.append(str(exc))
                    await changed()
                return
            except _PASSING as exc:
                state.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if stop.is_set() or (max_reconnects is not None and state.reconnects >= max_reconnects):
                return
            state.reconnects += 1
            state.status = "starting"
            log.info("sources.reconnect", platform=connector.platform, error=state.last_error)
            await changed()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=waits.next())

    async def consume() -> None:
        loop = asyncio.get_running_loop()
        done = False
        while not done:
            first = await queue.get()
            if first is None:
                break
            batch = list(first)
            deadline = loop.time() + BATCH_SECONDS
            while len(batch) < BATCH_EVENTS:
                try:
                    more = await asyncio.wait_for(queue.get(), timeout=max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                if more is None:
                    done = True
                    break
                batch.extend(more)
            answer = await _deliver(sink, batch, state, stop)
            if answer is None:
                continue
            state.events += int(answer.get("accepted", 0))
            state.duplicates += int(answer.get("duplicates", 0))
            state.rejected += len(answer.get("rejected", ()))
            state.last_event_at = clock.now()
            await changed()

    consumer = asyncio.create_task(consume())
    producers = {asyncio.create_task(produce(c)) for c in connectors}
    stopper = asyncio.create_task(stop.wait())
    try:
        while producers:
            done, _ = await asyncio.wait({*producers, stopper}, return_when=asyncio.FIRST_COMPLETED)
            producers -= done
            for task in done - {stopper}:
                task.result()
            if stopper in done:
                break  # a stream may sit idle for minutes: stop it where it waits
    finally:
        for task in producers:
            task.cancel()
        for task in producers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        stopper.cancel()
        await queue.put(None)
        await consumer
    if state.status != "failed":
        state.status = "stopped"
    await changed()
    return state


async def _deliver(sink: Sink, batch: list[Event], state: SourceState, stop: asyncio.Event) -> dict[str, Any] | None:
    """Hand a batch to the sink, again and again while it fails (a database busy, a server restarting): ingest
    drops what it already has, so trying again never counts twice. After a stop, five tries at most."""
    waits = Backoff(base=0.2, cap=10.0)
    for attempt in range(1_000_000):
        try:
            return await sink(batch)
        except Exception as exc:  # the sink's own failure, whatever it is: keep the batch and try again
            state.last_error = f"could not feed the show: {type(exc).__name__}: {exc}"[:500]
            log.warning("sources.feed_failed", error=state.last_error, events=len(batch))
            if stop.is_set() and attempt >= 4:
                state.notes.append(f"{len(batch)} events not fed after the stop: {state.last_error}")
                return None
            await asyncio.sleep(waits.next())
    return None


async def sse_data(lines: AsyncIterator[str], state: SourceState) -> AsyncIterator[str]:
    """The ``data`` of each Server-Sent Event in a stream of lines. Lines that are no SSE field are counted in
    ``state.garbage`` and skipped; comments (``:``) and ``event``/``id``/``retry`` fields are ignored."""
    data: list[str] = []
    async for line in lines:
        if line == "":
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if not colon or name not in ("data", "event", "id", "retry"):
            state.garbage += 1
            continue
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)
