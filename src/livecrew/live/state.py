"""Live state per show: one metrics engine per show in this process, built from the event log on demand.

Every process applies a show's log in one order, the log's (``pos``): positions are handed out under the
show's log head lock, so position order is commit order and a reader that sees position p sees every
committed row below it (docs/live.md, "One order"). A show keeps a cursor: every row up to it is applied,
in order, and nothing above it. Each step is one of

* a catch-up (the ticker, every half second): read the rows above the cursor, apply them, move it up;
* this process's own batch, just committed, positions base+1 .. top: rows between the cursor and base are
  other processes' (committed before this batch took the lock): read those first, then apply the batch;
* the review job's read of the engine at one log position (``with_engine_at``): the rows up to it, no further.

So any number of processes, with any interleaving of commits, apply the same rows in the same order, and
the log's unique key (show, event id) has already dropped duplicates: no id set is kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker

from livecrew.core.errors import DomainError
from livecrew.core.logging import get_logger
from livecrew.core.pubsub import LocalHub, show_channel
from livecrew.live import log as event_log
from livecrew.live.engine import SessionEngine
from livecrew.live.events import K_COMMENT, Event, Record, Rejection, iter_records, record_of
from livecrew.live.ingest import IngestResult
from livecrew.live.replay import new_engine

log = get_logger(__name__)
T = TypeVar("T")


class LiveStateUnavailable(DomainError):
    status_code = 503
    code = "live_state_unavailable"


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
    cursor: int = 0  # every log row up to this position is applied, in order; none above it
    applied: int = 0  # the position of the last row applied (the cursor may stand above: duplicates' positions)
    last_received: float | None = None  # monotonic seconds of the last accepted event (feed silence)
    last_comment_ts: int | None = None  # the newest comment's ts (the no-comments alert)
    unreadable: int = 0  # logged rows the decoder refused on reading back (reported, not counted)

    def _feed(self, records: list[Record]) -> None:
        if not records:
            return
        self.engine.feed_many(records)
        newest = max((r.ts for r in records if r.KIND == K_COMMENT), default=None)
        if newest is not None and (self.last_comment_ts is None or newest > self.last_comment_ts):
            self.last_comment_ts = newest
        self.version += 1
        self.last_received = time.monotonic()

    def apply_rows(self, rows: list[tuple[int, str]]) -> int:
        """Apply log rows read in one statement from below the cursor (so they hold every row from the
        cursor up to the last of them); the caller holds the lock. Returns how many were applied."""
        fresh = [text for pos, text in rows if pos > self.cursor]
        if not fresh:
            return 0
        rejected: list[Rejection] = []
        data = "\n".join(fresh).encode()
        self._feed(list(iter_records(data, rejected, session=self.show_id)))
        if rejected:
            self.unreadable += len(rejected)
            log.error("live.unreadable_rows", show=self.show_id, count=len(rejected), first=rejected[0].error)
        self.cursor = self.applied = rows[-1][0]
        return len(fresh)

    def apply_up_to(self, db: Session, upto: int) -> None:
        """Read and apply the log rows between the cursor and position ``upto``, none above it; the caller holds
        the lock. The cursor stays below ``upto`` only when rows up to it are missing from the log."""
        while self.cursor < upto:
            rows = event_log.rows_after(db, self.show_id, self.cursor, upto=upto)
            if not rows:
                return
            self.apply_rows(rows)

    def apply_batch(self, events: list[Event], base: int, top: int, sessions: sessionmaker[Session]) -> int:
        """This process's just-committed batch: log positions base+1 .. top (nothing else in them)."""
        with self.lock:
            if top <= self.cursor:
                return 0  # a rebuild or a catch-up read it already
            if base > self.cursor:
                # Other processes' rows, committed before this batch took the show's log head.
                with sessions() as db:
                    self.apply_up_to(db, base)
            fresh = [e for e in events if e.pos > self.cursor]
            self._feed([e.record if e.record is not None else record_of(e) for e in fresh])
            if fresh:
                self.applied = max(e.pos for e in fresh)
            self.cursor = top
            return len(events)

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
        self._building: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def loaded(self) -> list[LiveShow]:
        with self._lock:
            return list(self._shows.values())

    def get(self, show_id: str) -> LiveShow:
        """The show's live state, built from its log on first use. A show is registered only once built:
        a failed build is logged, answered as unavailable, and tried again on the next use."""
        live = self._shows.get(show_id)
        if live is not None:
            return live
        with self._lock:
            building = self._building.setdefault(show_id, threading.Lock())
        with building:
            live = self._shows.get(show_id)
            if live is not None:
                return live
            live = LiveShow(show_id, new_engine(show_id))
            try:
                with self._sessions() as db:
                    self.catch_up(db, live)
            except Exception as exc:
                log.exception("live.rebuild_failed", show=show_id)
                raise LiveStateUnavailable(
                    "the live numbers of this show could not be built from its event log; "
                    "the server logged why and tries again on the next request",
                    key="err.live_unavailable",
                ) from exc
            live.version += 1
            with self._lock:
                self._shows[show_id] = live
                self._building.pop(show_id, None)
            return live

    def apply(self, show_id: str, events: list[Event], base: int | None = None, top: int | None = None) -> None:
        """Apply events this process has just committed (their positions base+1 .. top)."""
        if not events:
            return
        if base is None or top is None:
            base, top = min(e.pos for e in events) - 1, max(e.pos for e in events)
        self.get(show_id).apply_batch(events, base, top, self._sessions)

    def with_engine_at(self, db: Session, show_id: str, upto: int, fn: Callable[[SessionEngine], T]) -> T | None:
        """``fn(engine)`` on the show's engine, if this process holds one, brought to log position ``upto``
        (every row up to it applied, none above), under the show's lock: the engine then holds the log up to
        ``upto`` as this process's live numbers show it, which is what a replay of the log up to ``upto`` gives
        (``replay.replay_engine``) for a log the ingest wrote. None (``fn`` not called) when this process holds
        no engine for the show, when its engine has applied rows above ``upto`` already, or when it met rows it
        could not read. (Its cursor may stand above ``upto`` with no row applied in between: positions of a
        batch's duplicates are handed out but hold no row. What it applied is known from the engine itself, not
        from a read, which a snapshot older than the engine's last batch could not see.)"""
        live = self._shows.get(show_id)
        if live is None:
            return None
        with live.lock:
            live.apply_up_to(db, upto)
            if live.unreadable or live.cursor < upto or live.applied > upto:
                return None
            return fn(live.engine)

    def catch_up(self, db: Session, live: LiveShow) -> int:
        """Apply the log rows above the show's cursor (other processes' batches, replays, the simulator)."""
        applied = 0
        while True:
            rows = event_log.rows_after(db, live.show_id, live.cursor)
            if not rows:
                return applied
            with live.lock:
                applied += live.apply_rows(rows)
            if len(rows) < event_log.PAGE:
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
    try:
        registry.apply(show_id, result.new_events, result.base, result.top)
    except LiveStateUnavailable:
        return  # the batch is stored (and logged why the show could not be built); the next use builds it
    comments = [comment_item(e) for e in result.new_events if e.type == "comment"]
    if comments:
        from livecrew.text import public as room

        explaining = registry.get(show_id).engine_explaining()
        if room.annotate(show_id, comments, explaining):
            hub.publish(show_channel(show_id), {"kind": "cues", "items": room.cards(show_id)})
        hub.publish(show_channel(show_id), {"kind": "comments", "items": comments[-50:]})
