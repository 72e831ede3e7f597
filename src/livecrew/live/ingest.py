"""Ingest: validate each event on its own, drop duplicates at the door, append to the event log.

Accepted events are in the database before the caller acknowledges them (the route commits, then
answers); only then are they applied to the in-memory live state. The same path serves HTTP ingest,
`livecrew replay`, the simulator and control-room actions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import BigInteger, Table, Update, bindparam, case, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from livecrew.core.clock import Clock
from livecrew.core.db import json_text
from livecrew.core.errors import Conflict, ValidationFailed
from livecrew.core.plugins import loaded
from livecrew.live.events import BodyError, Event, ParseResult, Rejection, parse_body
from livecrew.live.models import LiveEvent
from livecrew.shows.public import Show, ShowStatus


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    refused: list[Rejection] = field(default_factory=list)  # valid events append refused (out of time range)
    new_events: list[Event] = field(default_factory=list)
    base: int = 0  # log positions base+1 .. top were this batch's (its new events' pos fall in them)
    top: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


T = TypeVar("T")

# Writer and apply locks by lane: None, the whole process (SQLite), or one show (PostgreSQL).
_LANES: dict[str | None, tuple[threading.Lock, threading.Lock]] = {None: (threading.Lock(), threading.Lock())}
_LANES_GUARD = threading.Lock()


def lane_of(db: Session, show_id: str) -> str | None:
    """The lane an ingest transaction of this show runs in: the whole process on SQLite (one writer at a
    time anyway), the show itself on PostgreSQL (other shows' batches are written at the same time; one
    show's batches are ordered by its log head's row lock, across processes too)."""
    return show_id if db.get_bind().dialect.name == "postgresql" else None


def _locks(lane: str | None) -> tuple[threading.Lock, threading.Lock]:
    pair = _LANES.get(lane)
    if pair is None:
        with _LANES_GUARD:
            pair = _LANES.setdefault(lane, (threading.Lock(), threading.Lock()))
    return pair


def write_then_apply(db: Session, show_id: str, write: Callable[[], T], apply: Callable[[T], None]) -> T:
    """``write`` (an ingest transaction of the show, up to its commit, in ``db``) under its lane's writer
    lock, then ``apply`` (the live update) under the lane's apply lock, taken before the writer lock is let
    go (``lane_of``).

    One ingest transaction at a time in a lane: SQLite takes one writer at a time anyway, and its busy
    handler would make a waiting request sleep and retry in steps of up to 100 ms. A show's batches reach
    its live state in commit order (the engine takes any order, but a batch older than the one before it
    would make it replay the show), and the next batch's insert and fsync, which run without the GIL,
    overlap this batch's live update. On PostgreSQL each show is a lane of its own, so several rooms fed
    through one process are written at once; more ingest runs in more processes.
    """
    writer, applying = _locks(lane_of(db, show_id))
    with writer:
        result = write()
        applying.acquire()
    try:
        apply(result)
    finally:
        applying.release()
    return result


# A feature's ``listeners.on_events(db, clock, show, new_events)``.
Listener = Callable[[Session, Clock, Show, list[Event]], None]


_ROWS = 1000  # rows per statement: 6,004 parameters, far under SQLite's limit


def _insert(db: Session, show_id: str, events: list[Event], now: datetime, actor_id: str | None) -> Inserted:
    """Append rows to the log, skipping ids already there; returns the inserted ids with their position.

    Positions come from the show's log head (``live_log_heads``), bumped by the number of rows offered in
    the same transaction: the head row stays locked until the commit, so the next transaction of this show
    (any process) gets its positions only after this one is visible. Position order is commit order, and
    a reader that sees position p sees every committed row below p (docs/live.md, "One order").

    The rows go through the driver's own cursor, in the session's transaction, as plain values made the
    way the column types make them (the body: ``_stored``): SQLAlchemy's per-row parameter and result
    handling cost more than the database's own work.
    """
    dialect = db.get_bind().dialect
    table = cast(Table, LiveEvent.__table__)
    # The timestamp as this database's column type keeps it (dialect_impl: a plain bind_processor would
    # leave SQLite's datetime to the driver's adapter, another text format); once per batch.
    received = table.c.received_at.type.dialect_impl(dialect).bind_processor(dialect)
    at = received(now) if received else now
    cursor = db.connection().connection.cursor()
    count = len(events)
    try:
        if dialect.name == "postgresql":
            # One statement, one round trip: the head's bump (its row lock) and the rows. The rows go as two
            # JSON texts, the columns as one array per event and the bodies as they came, joined into one
            # array (each body is already JSON text, so nothing is escaped or re-encoded): the server splits
            # them in C. Python-side per-element parameter dumping (psycopg's arrays) cost more than the rest
            # of the batch's statement.
            values = {
                "show": show_id,
                "n": count,
                "at": at,
                "actor": actor_id,
                "lo": min(e.ts for e in events),
                "hi": max(e.ts for e in events),
                "cols": orjson.dumps([(e.id, e.type, e.ts, e.user) for e in events]).decode(),
                "bodies": "[" + ",".join([_stored(e) for e in events]) + "]",
            }
            cursor.execute(_PG_INSERT, values)
            base, done, positions = cursor.fetchone()  # type: ignore[misc]  # an aggregate: one row
            if not done:
                return Inserted({}, 0, 0)
            # Row n of the batch took position base + n, unless it was a duplicate (then only the taken
            # positions come back): a whole batch's positions need not cross the wire.
            taken = range(base + 1, base + count + 1) if positions is None else frozenset(positions)
            return Inserted(
                {e.id: p for e, p in zip(events, range(base + 1, base + count + 1), strict=True) if p in taken},
                base,
                base + count,
            )
        cursor.execute(_SQLITE_HEAD, (show_id, count))
        top = int(cursor.fetchone()[0])  # type: ignore[index]  # the upsert returns its row
        base = top - count
        inserted: dict[str, int] = {}
        for start in range(0, count, _ROWS):
            chunk = events[start : start + _ROWS]
            params: list[Any] = [show_id, at, actor_id]
            extend = params.extend
            first = base + start + 1
            for n, e in enumerate(chunk, first):
                extend((e.id, e.type, e.ts, e.user, _stored(e), n))
            cursor.execute(_sqlite_insert_sql(len(chunk)), params)
            if cursor.rowcount == len(chunk):
                inserted.update(zip([e.id for e in chunk], range(first, first + len(chunk)), strict=True))
            elif cursor.rowcount > 0:
                cursor.execute(_SQLITE_NEW_ROWS, (show_id, first - 1, first + len(chunk) - 1))
                inserted.update(cursor.fetchall())
        return Inserted(inserted, base, top)
    finally:
        cursor.close()


@dataclass(slots=True)
class Inserted:
    pos: dict[str, int]  # event id -> position, of the rows inserted
    base: int  # positions base+1 .. top were this transaction's (0, 0: nothing inserted, PostgreSQL)
    top: int


def _stored(event: Event) -> str:
    """The body the log keeps: the line as it came (parse_body's fast path), else the object as JSON text."""
    return event.line if event.line is not None else json_text(event.raw)


_PG_INSERT = (
    # The show's ts range is widened in the same statement (ingest refuses events far outside it): the
    # show's row is locked from here to the commit, as the log head is.
    "WITH widen AS ("
    "UPDATE shows SET events_ts_min = least(events_ts_min, %(lo)s), events_ts_max = greatest(events_ts_max, %(hi)s) "
    "WHERE id = %(show)s AND (events_ts_min IS NULL OR events_ts_max IS NULL "
    "OR events_ts_min > %(lo)s OR events_ts_max < %(hi)s)), "
    "head AS ("
    "INSERT INTO live_log_heads (show_id, pos) VALUES (%(show)s, %(n)s) "
    "ON CONFLICT (show_id) DO UPDATE SET pos = live_log_heads.pos + excluded.pos "
    "RETURNING pos - %(n)s AS base), "
    "ins AS ("
    'INSERT INTO live_events (show_id, received_at, actor_id, event_id, type, ts, "user", body, pos) '
    "SELECT %(show)s, %(at)s, %(actor)s, e.c->>0, e.c->>1, (e.c->>2)::bigint, e.c->>3, e.body, head.base + e.n "
    "FROM head, ROWS FROM (json_array_elements(%(cols)s::json), json_array_elements(%(bodies)s::json)) "
    "WITH ORDINALITY AS e(c, body, n) ORDER BY e.n "
    "ON CONFLICT (show_id, event_id) DO NOTHING RETURNING pos) "
    # One row back: the base, how many rows went in, and their positions only when some did not.
    "SELECT (SELECT base FROM head), count(*), CASE WHEN count(*) < %(n)s THEN array_agg(pos) END FROM ins"
)
_SQLITE_HEAD = (
    "INSERT INTO live_log_heads (show_id, pos) VALUES (?, ?) "
    "ON CONFLICT (show_id) DO UPDATE SET pos = pos + excluded.pos RETURNING pos"
)


@cache
def _sqlite_insert_sql(count: int) -> str:
    # The show, the time received and the actor are the same for every row: bound once (?1-?3), not per
    # row (binding is done holding the GIL). "WHERE true" lets the parser see ON CONFLICT.
    return (
        'INSERT INTO live_events (show_id, received_at, actor_id, event_id, type, ts, "user", body, pos) '
        "SELECT ?1, ?2, ?3, column1, column2, column3, column4, column5, column6 "
        f"FROM (VALUES {', '.join(['(?, ?, ?, ?, ?, ?)'] * count)}) WHERE true "
        "ON CONFLICT (show_id, event_id) DO NOTHING"
    )


_SQLITE_NEW_ROWS = "SELECT event_id, pos FROM live_events WHERE show_id = ? AND pos > ? AND pos <= ?"

DAY_MS = 86_400_000
MAX_SPAN_DAYS = 60  # refunds of a show come days after it; nothing of one show comes months away
MAX_AHEAD_MS = DAY_MS  # clocks drift, but not by a day


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _in_range(show: Show, events: list[Event], now_ms: int) -> tuple[list[Event], list[Rejection]]:
    """Refuse events whose ts is more than a day ahead of this server's clock, or would make the show's
    events span more than MAX_SPAN_DAYS. Returns the kept events and the refused ones.

    METRICS.md gives a minute per minute of the window; one event years away from the rest (a feed's
    clock glitch, a ts in seconds where milliseconds were meant) would make millions of them. Before a
    show has any events, the range starts at the median ts of the batch, so one stray cannot set it.
    """
    lo, hi = show.events_ts_min, show.events_ts_max
    if lo is None or hi is None:
        stamps = sorted(e.ts for e in events)
        lo = hi = stamps[len(stamps) // 2]
    span = MAX_SPAN_DAYS * DAY_MS
    first, last = min(e.ts for e in events), max(e.ts for e in events)
    if last <= now_ms + MAX_AHEAD_MS and max(hi, last) - min(lo, first) <= span:
        return events, []
    kept: list[Event] = []
    refused: list[Rejection] = []
    for e in events:
        if e.ts > now_ms + MAX_AHEAD_MS:
            days = (e.ts - now_ms) / DAY_MS
            reason = (
                f'"ts" {e.ts} ({_when(e.ts)}) is {days:,.1f} days ahead of this server\'s clock; '
                "check the feed's clock and that ts is in milliseconds"
            )
        elif max(hi, e.ts) - min(lo, e.ts) > span:
            reason = (
                f'"ts" {e.ts} ({_when(e.ts)}) is too far from this show\'s other events ({_when(lo)} to {_when(hi)}): '
                f"one show's events must fall within {MAX_SPAN_DAYS} days; check that ts is in milliseconds"
            )
        else:
            kept.append(e)
            lo, hi = min(lo, e.ts), max(hi, e.ts)
            continue
        refused.append(Rejection(e.index, f"event {e.index}: {reason}"))
    return kept, refused


def _widen_range() -> Update:
    table = cast(Table, Show.__table__)
    low, high = table.c.events_ts_min, table.c.events_ts_max
    lo, hi = bindparam("lo", type_=BigInteger()), bindparam("hi", type_=BigInteger())
    return (
        update(table)
        .where(table.c.id == bindparam("show"))
        .values(
            events_ts_min=case((low.is_(None) | (low > lo), lo), else_=low),
            events_ts_max=case((high.is_(None) | (high < hi), hi), else_=high),
        )
    )


_WIDEN_RANGE = _widen_range()  # built once: a statement's cache key is worked out each time it is built


def _kept_range(show: Show, lo: int, hi: int) -> None:
    old_lo, old_hi = show.events_ts_min, show.events_ts_max
    set_committed_value(show, "events_ts_min", lo if old_lo is None else min(lo, old_lo))
    set_committed_value(show, "events_ts_max", hi if old_hi is None else max(hi, old_hi))


def _keep_range(db: Session, show: Show, lo: int, hi: int) -> None:
    """Widen the stored range (of the logged events) to take [lo, hi], in one conditional update."""
    old_lo, old_hi = show.events_ts_min, show.events_ts_max
    if old_lo is not None and old_hi is not None and old_lo <= lo and hi <= old_hi:
        return
    db.execute(_WIDEN_RANGE, {"show": show.id, "lo": lo, "hi": hi})
    set_committed_value(show, "events_ts_min", lo if old_lo is None else min(lo, old_lo))
    set_committed_value(show, "events_ts_max", hi if old_hi is None else max(hi, old_hi))


def append(
    db: Session, clock: Clock, show: Show, events: Iterable[Event], *, actor_id: str | None = None
) -> IngestResult:
    """Append parsed events to the show's log; duplicates (same show, same id) are dropped, first wins."""
    if show.status == ShowStatus.cancelled:
        raise Conflict("the show was cancelled; it takes no events", key="err.show_cancelled")
    result = IngestResult()
    unique: dict[str, Event] = {}
    for event in events:
        if event.id in unique:
            result.duplicates += 1
        else:
            unique[event.id] = event
    if not unique:
        return result
    now = clock.now()
    kept, result.refused = _in_range(show, list(unique.values()), int(now.timestamp() * 1000))
    if not kept:
        return result
    done = _insert(db, show.id, kept, now, actor_id)
    inserted = done.pos
    result.base, result.top = done.base, done.top
    result.accepted = len(inserted)
    result.duplicates += len(kept) - len(inserted)
    result.new_events = [e for e in kept if e.id in inserted]
    for e in result.new_events:
        e.pos = inserted[e.id]  # the live state applies the log in this order
    for listener in _listeners():
        listener(db, clock, show, result.new_events)
    if inserted:
        stamps = [e.ts for e in kept]
        if db.get_bind().dialect.name == "postgresql":  # the insert statement widened it
            _kept_range(show, min(stamps), max(stamps))
        else:
            _keep_range(db, show, min(stamps), max(stamps))
    return result


@cache
def _listeners() -> tuple[Listener, ...]:
    """Other features react to new events in the same transaction (goods: claims from comments, stock)."""
    return tuple(loaded("live_listeners"))


def parse_request(data: bytes, *, session: str, content_type: str | None, max_bytes: int) -> ParseResult:
    """Check and decode an HTTP body (JSON Lines or a JSON array); touches no database, so a route runs it
    before it takes the writer lock (one request decodes while another one's rows are being written)."""
    if len(data) > max_bytes:
        raise ValidationFailed(
            f"the body is larger than {max_bytes // (1024 * 1024)} MiB; send smaller batches",
            key="err.body_large",
            params={"max": max_bytes // (1024 * 1024)},
        )
    if not data.strip():
        raise ValidationFailed(
            "the body is empty; send JSON Lines (one event per line) or a JSON array of events", key="err.body_empty"
        )
    try:
        return parse_body(data, session=session, content_type=content_type)
    except BodyError as exc:
        raise ValidationFailed(str(exc), key="err.bad_body") from None


def append_parsed(db: Session, clock: Clock, show: Show, parsed: ParseResult) -> IngestResult:
    """Append a parsed body's events; the answer lists the lines parse rejected and the events append refused."""
    result = append(db, clock, show, parsed.events)
    rejections = sorted([*parsed.rejected, *result.refused], key=lambda r: r.index)
    result.rejected = [{"index": r.index, "error": r.error} for r in rejections]
    return result


def ingest_body(
    db: Session, clock: Clock, show: Show, data: bytes, *, content_type: str | None, max_bytes: int
) -> IngestResult:
    """An HTTP body (JSON Lines or a JSON array). The session comes from the show."""
    parsed = parse_request(data, session=show.id, content_type=content_type, max_bytes=max_bytes)
    return append_parsed(db, clock, show, parsed)
