"""Ingest: validate each event on its own, drop duplicates at the door, append to the event log.

Accepted events are in the database before the caller acknowledges them (the route commits, then
answers); only then are they applied to the in-memory live state. The same path serves HTTP ingest,
`livecrew replay`, the simulator and control-room actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, ValidationFailed
from livecrew.live.events import BodyError, Event, parse_body
from livecrew.live.models import LiveEvent
from livecrew.shows.models import Show, ShowStatus


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    new_events: list[Event] = field(default_factory=list)
    max_seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


_STATEMENTS: dict[str, Any] = {}
# A feature's ``listeners.on_events(db, clock, show, new_events)``.
Listener = Callable[[Session, Clock, Show, list[Event]], None]


def _insert_statement(db: Session) -> Any:
    dialect = db.get_bind().dialect.name
    stmt = _STATEMENTS.get(dialect)
    if stmt is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = cast(Table, LiveEvent.__table__)
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["show_id", "event_id"])
            .returning(table.c.event_id, table.c.seq)
        )
        _STATEMENTS[dialect] = stmt
    return stmt


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
    rows = [
        {
            "show_id": show.id,
            "event_id": e.id,
            "type": e.type,
            "ts": e.ts,
            "user": e.user,
            "body": e.raw,
            "received_at": now,
            "actor_id": actor_id,
        }
        for e in unique.values()
    ]
    inserted: dict[str, int] = {}
    # One cached statement, many parameter sets: SQLAlchemy sends them as batched multi-row INSERTs
    # ("insertmanyvalues") without compiling a new statement per batch.
    for event_id, seq in db.execute(_insert_statement(db), rows).all():
        inserted[event_id] = seq
        result.max_seq = max(result.max_seq, seq)
    result.accepted = len(inserted)
    result.duplicates += len(unique) - len(inserted)
    result.new_events = [e for e in unique.values() if e.id in inserted]
    for e in result.new_events:
        e.seq = inserted[e.id]  # the live state skips log rows it already has by this
    for listener in _listeners():
        listener(db, clock, show, result.new_events)
    return result


@cache
def _listeners() -> tuple[Listener, ...]:
    """Other features react to new events in the same transaction (goods: claims from comments, stock)."""
    from livecrew.features import modules_named

    return tuple(m.on_events for m in modules_named("listeners"))


def ingest_body(
    db: Session, clock: Clock, show: Show, data: bytes, *, content_type: str | None, max_bytes: int
) -> IngestResult:
    """An HTTP body (JSON Lines or a JSON array). The session comes from the show."""
    if len(data) > max_bytes:
        raise ValidationFailed(f"the body is larger than {max_bytes // (1024 * 1024)} MiB; send smaller batches")
    if not data.strip():
        raise ValidationFailed("the body is empty; send JSON Lines (one event per line) or a JSON array of events")
    try:
        parsed = parse_body(data, session=show.id, content_type=content_type)
    except BodyError as exc:
        raise ValidationFailed(str(exc), key="err.bad_body") from None
    result = append(db, clock, show, parsed.events)
    result.rejected = [{"index": r.index, "error": r.error} for r in parsed.rejected]
    return result


def log_rows(db: Session, show_id: str, *, after_seq: int = 0, limit: int | None = None) -> list[LiveEvent]:
    stmt = select(LiveEvent).where(LiveEvent.show_id == show_id, LiveEvent.seq > after_seq).order_by(LiveEvent.seq)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt).all())


def max_seq(db: Session, show_id: str) -> int:
    return int(db.scalar(select(func.max(LiveEvent.seq)).where(LiveEvent.show_id == show_id)) or 0)


def iter_bodies(
    db: Session, show_id: str, batch: int = 20_000, *, after_seq: int = 0, seqs: list[int] | None = None
) -> Iterable[dict[str, Any]]:
    """Logged event bodies of a show, in arrival order, streamed in batches (``seqs`` collects their seq)."""
    last = after_seq
    while True:
        stmt = (
            select(LiveEvent.seq, LiveEvent.body)
            .where(LiveEvent.show_id == show_id, LiveEvent.seq > last)
            .order_by(LiveEvent.seq)
            .limit(batch)
        )
        rows = db.execute(stmt).all()
        if not rows:
            return
        for seq, body in rows:
            last = seq
            if seqs is not None:
                seqs.append(seq)
            yield body
