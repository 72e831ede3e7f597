"""Reads of a show's event log for other features (the writer is ``live.ingest``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


def bodies_in_seq_order(db: Session, show_id: str, batch: int | None = None) -> Iterator[list[bytes]]:
    """The show's logged bodies as UTF-8 JSON text, in seq order, ``batch`` rows at a time (the engine's replay).

    Read with the driver's own cursor, one column, no ORM rows: SQLite hands the text over as bytes
    (``CAST AS BLOB``); PostgreSQL streams it as bytea through a server-side cursor, so neither builds a
    Python str per row. Other databases go through SQLAlchemy."""
    batch = batch or READ_BATCH
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":
        raw = db.connection().connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute("SELECT CAST(body AS BLOB) FROM live_events WHERE show_id = ? ORDER BY seq", (show_id,))
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
                "SELECT convert_to(body::text, 'UTF8') FROM live_events WHERE show_id = %s ORDER BY seq", (show_id,)
            )
            while rows := named.fetchmany(batch):
                yield [r[0] for r in rows]
        finally:
            named.close()
        return
    last = 0
    while True:
        page = db.execute(
            select(LiveEvent.seq, cast(LiveEvent.body, Text))
            .where(LiveEvent.show_id == show_id, LiveEvent.seq > last)
            .order_by(LiveEvent.seq)
            .limit(batch)
        ).all()
        if not page:
            return
        last = page[-1][0]
        yield [str(body).encode() for _seq, body in page]
