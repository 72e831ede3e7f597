"""Reads of a show's event log for other features (the writer is ``live.ingest``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from queue import Full, Queue
from typing import Any, TypeVar

from sqlalchemy import Text, cast, func, literal_column, select
from sqlalchemy.orm import Session

from livecrew.live.models import LiveEvent

# Reading a show's event log: the rows in their log order (``pos``: commit order per show, see
# docs/live.md), as the text each row keeps. The live state, the export and the rebuild read it here.


def explaining(db: Session, show_id: str) -> str | None:
    """The product the host is explaining now, by the show's last ``explain`` event (None when stopped)."""
    body = db.scalar(
        select(LiveEvent.body)
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "explain")
        .order_by(LiveEvent.ts.desc(), LiveEvent.seq.desc())
        .limit(1)
    )
    if body is None or body.get("action") != "start":
        return None
    return str(body.get("product"))


def product_viewers(db: Session, show_id: str) -> dict[str, int]:
    """Per product reference (SKU or platform id): how many distinct viewers opened it in the show."""
    ref = LiveEvent.body["product"].as_string().label("ref")
    rows = db.execute(
        select(ref, func.count(func.distinct(LiveEvent.user)))
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "product_view")
        .group_by(literal_column("1"))  # by position: the JSON path is bound as a parameter on PostgreSQL
    ).all()
    return {str(r): int(n) for r, n in rows}


PAGE = 20_000


def rows_after(
    db: Session, show_id: str, after: int, limit: int = PAGE, *, upto: int | None = None
) -> list[tuple[int, str]]:
    """(pos, body text) of the show's rows above ``after`` (and up to ``upto``), in log order.

    One statement, so one snapshot: it holds every committed row below the highest position it returns.
    The body comes as the text the column keeps (PostgreSQL's json keeps the text as it came), not as an
    object: the readers decode it with the ingest's own decoder."""
    stmt = select(LiveEvent.pos, cast(LiveEvent.body, Text)).where(LiveEvent.show_id == show_id, LiveEvent.pos > after)
    if upto is not None:
        stmt = stmt.where(LiveEvent.pos <= upto)
    rows = db.execute(stmt.order_by(LiveEvent.pos).limit(limit)).all()
    return [(int(pos), str(body)) for pos, body in rows]


def iter_rows(db: Session, show_id: str, *, after: int = 0, page: int = PAGE) -> Iterator[tuple[int, str]]:
    """Every row of the show above ``after``, in log order, a page at a time."""
    while True:
        rows = rows_after(db, show_id, after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1][0]


def head(db: Session, show_id: str) -> int:
    """The highest position of the show's committed rows (0: none)."""
    return int(db.scalar(select(func.max(LiveEvent.pos)).where(LiveEvent.show_id == show_id)) or 0)


READ_BATCH = 50_000
_NO_LIMIT = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Span:
    """Rows of a show's log: those with ``seq_after < seq <= seq_upto`` and ``pos_after < pos <= pos_upto``."""

    seq_after: int = 0
    seq_upto: int = _NO_LIMIT
    pos_after: int = 0
    pos_upto: int = _NO_LIMIT


def bodies_in_seq_order(
    db: Session, show_id: str, batch: int | None = None, *, span: Span | None = None
) -> Iterator[list[bytes]]:
    """The show's logged bodies as UTF-8 JSON text, in seq order, ``batch`` rows at a time (the engine's replay);
    only the rows of ``span`` when given.

    Read with the driver's own cursor, one column, no ORM rows: SQLite hands the text over as bytes
    (``CAST AS BLOB``); PostgreSQL streams it as bytea through a server-side cursor, so neither builds a
    Python str per row. Other databases go through SQLAlchemy."""
    batch = batch or READ_BATCH
    span = span or Span()
    bounds = (span.seq_after, span.seq_upto, span.pos_after, span.pos_upto)
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":
        raw = db.connection().connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute(
                "SELECT CAST(body AS BLOB) FROM live_events WHERE show_id = ? "
                "AND seq > ? AND seq <= ? AND pos > ? AND pos <= ? ORDER BY seq",
                (show_id, *bounds),
            )
            while rows := cursor.fetchmany(batch):
                yield [r[0] for r in rows]
        finally:
            cursor.close()
        return
    if dialect == "postgresql":
        pg: Any = db.connection().connection.dbapi_connection
        named = pg.cursor(name=f"lc_replay_{show_id}", binary=True)  # bytea in binary: the bytes as they are
        try:
            named.execute(
                "SELECT convert_to(body::text, 'UTF8') FROM live_events WHERE show_id = %s "
                "AND seq > %s AND seq <= %s AND pos > %s AND pos <= %s ORDER BY seq",
                (show_id, *bounds),
            )
            while rows := named.fetchmany(batch):
                yield [r[0] for r in rows]
        finally:
            named.close()
        return
    for page in _pages(db, show_id, span, batch):
        yield [body for _seq, body in page]


def _pages(db: Session, show_id: str, span: Span, batch: int) -> Iterator[list[tuple[int, bytes]]]:
    """(seq, body) of the rows of ``span``, in seq order, a page at a time, through SQLAlchemy."""
    last = span.seq_after
    while True:
        page = db.execute(
            select(LiveEvent.seq, cast(LiveEvent.body, Text))
            .where(
                LiveEvent.show_id == show_id,
                LiveEvent.seq > last,
                LiveEvent.seq <= span.seq_upto,
                LiveEvent.pos > span.pos_after,
                LiveEvent.pos <= span.pos_upto,
            )
            .order_by(LiveEvent.seq)
            .limit(batch)
        ).all()
        if not page:
            return
        last = page[-1][0]
        yield [(int(seq), str(body).encode()) for seq, body in page]


# ------------------------------------------------------------------ the replay's read: the log as JSON arrays

ARRAY_BATCH = 50_000  # rows a batch (SQLite)
PG_ARRAY_BATCH = 10_000  # positions a batch (PostgreSQL: the aggregate sorts them in work_mem, 4 MB by default)


@dataclass(frozen=True, slots=True)
class LogArray:
    """Rows of a show's log (``span``), in seq order, as one JSON array of their bodies, UTF-8."""

    text: bytes
    rows: int
    longest: int  # bytes of the longest body
    span: Span
    resume: tuple[int, int]  # ``log_arrays(..., resume=)`` goes on after these rows


class OrderDiffers(Exception):
    """Batches read by position hold seqs out of order: the log's seq order is not its position order (rows
    written other than by the ingest); the caller reads it in seq order row by row instead."""


# One statement a batch: the database joins the bodies in seq order, so the driver hands over one value, not a row
# object per event, and the work is done with Python's lock released (SQLite's own code, or the PostgreSQL server),
# which lets the reader run beside the engine (``read_ahead``). Each statement sees the log as it is then, so the
# rows are bounded by a log position read before the first (``pos_max``): every row up to it is committed by then
# (positions are handed out in commit order, docs/live.md), so every batch sees all of them and the read is exactly
# the rows up to that position, whatever is written meanwhile.
#
# SQLite: a batch is the next rows by seq (its index gives them in order; the aggregate reads the subquery's rows as
# they come, and SQLite 3.44 and later also take the order in the aggregate itself). PostgreSQL: a batch is a range
# of positions (an exact range of the position index: no plan can take the whole log), joined in seq order; the
# ingest hands out seqs in position order, and each batch's seqs are checked to come after the last batch's, so the
# batches together are in seq order too (else OrderDiffers).
_SQLITE_ARRAY = (
    "SELECT CAST('[' || group_concat(b, ','{order}) || ']' AS BLOB), max(s), count(*), max(length(b)) FROM "
    "(SELECT seq AS s, CAST(body AS BLOB) AS b FROM live_events WHERE show_id = ? AND seq > ? AND pos <= ? "
    "ORDER BY seq LIMIT ?)"
)
_PG_ARRAY = (
    "SELECT convert_to('[' || string_agg(b, ',' ORDER BY s) || ']', 'UTF8'), min(s), max(s), count(*), "
    "max(octet_length(b)) FROM (SELECT seq AS s, body::text AS b FROM live_events "
    "WHERE show_id = %s AND pos > %s AND pos <= %s) q"
)


def log_arrays(
    db: Session, show_id: str, pos_max: int, *, resume: tuple[int, int] = (0, 0), batch: int | None = None
) -> Iterator[LogArray]:
    """The show's log rows up to position ``pos_max``, in seq order, a batch at a time as JSON arrays (the replay),
    from the start or from a batch's ``resume``. The connection is taken here, so the batches may be read in
    another thread (``read_ahead``)."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        raw: Any = db.connection().connection.dbapi_connection
        batch = batch or PG_ARRAY_BATCH
        return _pg_arrays(raw.cursor(binary=True), show_id, pos_max, resume, batch)
    batch = batch or ARRAY_BATCH  # bytea in binary: as it is
    if dialect == "sqlite":
        import sqlite3

        raw = db.connection().connection.dbapi_connection
        query = _SQLITE_ARRAY.format(order=" ORDER BY s" if sqlite3.sqlite_version_info >= (3, 44, 0) else "")
        return _sqlite_arrays(raw.cursor(), query, show_id, pos_max, resume[0], batch)
    return _arrays_here(_pages(db, show_id, Span(seq_after=resume[0], pos_upto=pos_max), batch), pos_max, resume[0])


_SQLITE_SPAN = (
    "SELECT max(s), count(*) FROM "
    "(SELECT seq AS s FROM live_events WHERE show_id = ? AND seq > ? AND pos <= ? ORDER BY seq LIMIT ?)"
)
TOO_LONG = 2**62  # a batch's ``longest`` when it is too long to join: the replay reads it row by row


def _sqlite_arrays(cursor: Any, query: str, show_id: str, pos_max: int, after: int, batch: int) -> Iterator[LogArray]:
    import sqlite3

    try:
        while True:
            try:
                cursor.execute(query, (show_id, after, pos_max, batch))
                text, last, rows, longest = cursor.fetchone()
            except sqlite3.DataError:  # longer than SQLite makes a string (a billion bytes): row by row
                last, rows = cursor.execute(_SQLITE_SPAN, (show_id, after, pos_max, batch)).fetchone()
                text, longest = b"", TOO_LONG
            if not rows:
                return
            yield LogArray(text, rows, longest, Span(after, last, 0, pos_max), (last, 0))
            after = last
    finally:
        cursor.close()


def _pg_arrays(cursor: Any, show_id: str, pos_max: int, resume: tuple[int, int], batch: int) -> Iterator[LogArray]:
    pos, seq_read = resume  # positions above pos are to read; seq_read: the highest seq read before them
    try:
        while pos < pos_max:
            upto = min(pos + batch, pos_max)
            cursor.execute(_PG_ARRAY, (show_id, pos, upto))
            text, low, high, rows, longest = cursor.fetchone()
            if rows:
                if low <= seq_read:
                    raise OrderDiffers(f"show {show_id}: seq {low} at a position above {pos} (seq {seq_read})")
                yield LogArray(bytes(text), rows, longest, Span(0, _NO_LIMIT, pos, upto), (upto, high))
                seq_read = high
            pos = upto
    finally:
        cursor.close()


def _arrays_here(pages: Iterator[list[tuple[int, bytes]]], pos_max: int, after: int) -> Iterator[LogArray]:
    for page in pages:
        texts = [body for _seq, body in page]
        last = page[-1][0]
        text = b"[" + b",".join(texts) + b"]"
        yield LogArray(text, len(texts), max(map(len, texts)), Span(after, last, 0, pos_max), (last, 0))
        after = last


T = TypeVar("T")


@contextmanager
def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[Iterator[T]]:
    """``items`` made by a thread of their own, up to ``depth`` ahead of the caller (the log read beside the
    engine's replay: the database's part of a read runs without Python's lock). The caller must not use the
    reader's connection until the block ends; leaving it stops the thread and waits for it (at most the read
    under way), and an error of the reader is raised in the caller.
    """
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((False, None))
        except BaseException as exc:  # handed to the caller
            put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def taken() -> Iterator[T]:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item

    thread = threading.Thread(target=run, name="livecrew-log-read", daemon=True)
    thread.start()
    try:
        yield taken()
    finally:
        stop.set()
        thread.join()
