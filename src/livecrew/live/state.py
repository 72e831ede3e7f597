"""Live state per show: one metrics engine per show in this process, rebuilt from the event log on demand.

The log's unique key (show, event id) already drops duplicate events at ingest, so the engine keeps no id
set (``dedupe=False``: at a million viewers it would be most of the memory). What can reach a show twice
is a log row — read by a rebuild or by a catch-up pass and also handed over by ingest in this process —
so each show remembers the seqs of the recent rows it applied and skips them: the log is the truth and
the engine can always be recomputed from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker

from livecrew.core.pubsub import LocalHub, show_channel
from livecrew.live.engine import SessionEngine
from livecrew.live.events import Event, Rejection, iter_records, parse_body, record_of
from livecrew.live.ingest import IngestResult, iter_bodies, max_seq

CATCH_UP_OVERLAP = 2000
REBUILD_BATCH = 20_000
# Seqs of applied rows are remembered this far below the newest (ten catch-up overlaps): a row can only
# come back through a catch-up pass (which re-reads CATCH_UP_OVERLAP rows) or an ingest racing a rebuild.
KEEP_SEQS = 10 * CATCH_UP_OVERLAP


def new_engine(show_id: str) -> SessionEngine:
    return SessionEngine(show_id, dedupe=False)


def events_from_bodies(bodies: list[dict[str, Any]], show_id: str) -> list[Event]:
    """Logged bodies back into events (they were valid when accepted)."""
    data = b"\n".join(orjson.dumps(b) for b in bodies)
    return parse_body(data, session=show_id).events


def _feed_bodies(engine: SessionEngine, bodies: list[dict[str, Any]], show_id: str) -> None:
    """Logged bodies straight into the engine as records (the fast decoder; they were valid when logged)."""
    data = b"\n".join(orjson.dumps(b) for b in bodies)
    rejected: list[Rejection] = []
    engine.feed_many(iter_records(data, rejected, session=show_id))


def comment_item(event: Event) -> dict[str, Any]:
    """A comment as the control room's feed shows it."""
    return {"id": event.id, "ts": event.ts, "user": event.user, "text": event.text or ""}


@dataclass
class LiveShow:
    show_id: str
    engine: SessionEngine
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0
    published_version: int = -1
    last_seq: int = 0  # the newest log row this process has applied
    last_received: float | None = None  # monotonic seconds of the last accepted event (feed silence)
    last_comment_ts: int | None = None  # the newest comment's ts (the no-comments alert)
    seqs: set[int] = field(default_factory=set)  # recent log rows already applied (see KEEP_SEQS)

    def apply(self, events: Iterable[Event]) -> int:
        """Apply events not applied yet (by their log seq) in one ``feed_many``; returns how many.
        The engine keeps no id set (the log dropped duplicates), so each one given is taken."""
        with self.lock:
            seqs = self.seqs
            fresh = [e for e in events if not e.seq or e.seq not in seqs]  # one batch's seqs are distinct
            if not fresh:
                return 0
            seqs.update([e.seq for e in fresh if e.seq])
            if len(seqs) > 2 * KEEP_SEQS:
                floor = max(seqs) - KEEP_SEQS
                self.seqs = {s for s in seqs if s > floor}
            self.engine.feed_many([e.record if e.record is not None else record_of(e) for e in fresh])
            comment_ts = [e.ts for e in fresh if e.type == "comment"]
            if comment_ts:
                newest = max(comment_ts)
                if self.last_comment_ts is None or newest > self.last_comment_ts:
                    self.last_comment_ts = newest
            self.version += 1
            self.last_received = time.monotonic()
        return len(fresh)

    def engine_explaining(self) -> str | None:
        """The product being explained now, as the engine last saw it."""
        with self.lock:
            return self.engine.explaining

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
                seqs: list[int] = []
                batch: list[dict[str, Any]] = []
                for body in iter_bodies(db, show_id, REBUILD_BATCH, seqs=seqs):
                    batch.append(body)
                    if len(batch) >= REBUILD_BATCH:
                        _feed_bodies(live.engine, batch, show_id)
                        batch = []
                if batch:
                    _feed_bodies(live.engine, batch, show_id)
                live.last_seq = max(seqs, default=0)
                for seq in seqs[-KEEP_SEQS:]:
                    live.seqs.add(seq)
            live.version += 1
        finally:
            live.lock.release()
        return live

    def apply(self, show_id: str, events: list[Event], max_seq: int = 0) -> None:
        if events:
            live = self.get(show_id)
            live.apply(events)
            live.last_seq = max(live.last_seq, max_seq)

    def catch_up(self, db: Session, live: LiveShow) -> int:
        """Apply log rows written by other processes (replays, other web workers, the simulator CLI).

        Transactions may commit out of seq order, so each pass re-reads a small overlap before the
        newest row seen; the engine drops what it already has.
        """
        newest = max_seq(db, live.show_id)
        if newest <= live.last_seq:
            return 0
        seqs: list[int] = []
        bodies = list(iter_bodies(db, live.show_id, after_seq=max(0, live.last_seq - CATCH_UP_OVERLAP), seqs=seqs))
        events = events_from_bodies(bodies, live.show_id)
        for event in events:
            event.seq = seqs[event.index]
        applied = live.apply(events) if bodies else 0
        live.last_seq = max(live.last_seq, max(seqs, default=0))
        return applied

    def forget(self, show_id: str) -> None:
        with self._lock:
            self._shows.pop(show_id, None)


def registry_of(app: FastAPI) -> LiveRegistry:
    registry: LiveRegistry | None = getattr(app.state, "live", None)
    if registry is None:
        registry = LiveRegistry(app.state.ctx.sessions)
        app.state.live = registry
    return registry


async def live_registry(request: Request) -> LiveRegistry:  # a dependency: async, so no thread hop
    return registry_of(request.app)


def after_ingest(hub: LocalHub, registry: LiveRegistry, show_id: str, result: IngestResult) -> None:
    """After the commit: update the live state and push the new comments to the control rooms."""
    registry.apply(show_id, result.new_events, result.max_seq)
    comments = [comment_item(e) for e in result.new_events if e.type == "comment"]
    if comments:
        from livecrew.text import public as room

        explaining = registry.get(show_id).engine_explaining()
        if room.annotate(show_id, comments, explaining):
            hub.publish(show_channel(show_id), {"kind": "cues", "items": room.cards(show_id)})
        hub.publish(show_channel(show_id), {"kind": "comments", "items": comments[-50:]})
