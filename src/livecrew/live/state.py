"""Live state per show: one metrics engine per show in this process, rebuilt from the event log on demand.

The engine drops duplicate ids itself, so applying an event that a rebuild already read is harmless:
the log is the truth and the engine can always be recomputed from it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker

from livecrew.live.engine import SessionEngine
from livecrew.live.events import Event, parse_body
from livecrew.live.ingest import iter_bodies

FEED_SIZE = 200
REBUILD_BATCH = 20_000


def new_engine(show_id: str) -> SessionEngine:
    return SessionEngine(show_id)


def events_from_bodies(bodies: list[dict[str, Any]], show_id: str) -> list[Event]:
    """Logged bodies back into events (they were valid when accepted)."""
    data = b"\n".join(orjson.dumps(b) for b in bodies)
    return parse_body(data, session=show_id).events


@dataclass
class LiveShow:
    show_id: str
    engine: SessionEngine
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0
    published_version: int = -1
    last_received: float | None = None  # monotonic seconds of the last accepted event (feed silence)
    feed: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=FEED_SIZE))

    def apply(self, events: Iterable[Event]) -> int:
        applied = 0
        with self.lock:
            for event in events:
                if self.engine.apply(event):
                    applied += 1
                    if event.type == "comment":
                        self.feed.append(
                            {"id": event.id, "ts": event.ts, "user": event.user, "text": event.raw.get("text", "")}
                        )
            if applied:
                self.version += 1
                self.last_received = time.monotonic()
        return applied

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            snap: dict[str, Any] = self.engine.snapshot()
            return snap


class LiveRegistry:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._shows: dict[str, LiveShow] = {}
        self._lock = threading.Lock()

    def loaded(self) -> list[LiveShow]:
        with self._lock:
            return list(self._shows.values())

    def get(self, show_id: str) -> LiveShow:
        with self._lock:
            live = self._shows.get(show_id)
            if live is not None:
                return live
            live = LiveShow(show_id, new_engine(show_id))
            self._shows[show_id] = live
            # Hold the show's lock while rebuilding so nobody reads a half-built state.
            live.lock.acquire()
        try:
            with self._sessions() as db:
                batch: list[dict[str, Any]] = []
                for body in iter_bodies(db, show_id, REBUILD_BATCH):
                    batch.append(body)
                    if len(batch) >= REBUILD_BATCH:
                        for event in events_from_bodies(batch, show_id):
                            live.engine.apply(event)
                        batch = []
                if batch:
                    for event in events_from_bodies(batch, show_id):
                        live.engine.apply(event)
            live.version += 1
        finally:
            live.lock.release()
        return live

    def apply(self, show_id: str, events: list[Event]) -> None:
        if events:
            self.get(show_id).apply(events)

    def forget(self, show_id: str) -> None:
        with self._lock:
            self._shows.pop(show_id, None)


def registry_of(app: FastAPI) -> LiveRegistry:
    registry: LiveRegistry | None = getattr(app.state, "live", None)
    if registry is None:
        registry = LiveRegistry(app.state.ctx.sessions)
        app.state.live = registry
    return registry


def live_registry(request: Request) -> LiveRegistry:
    return registry_of(request.app)
