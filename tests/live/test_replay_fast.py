"""The engine's replay of a stored log, read and decoded a batch at a time, equals the line-by-line replay."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock, to_ms
from livecrew.live import engine
from livecrew.live import events as events_module
from livecrew.live import log as event_log
from livecrew.live import public as live
from livecrew.live.events import iter_records, parse_body
from livecrew.live.ingest import append_parsed
from livecrew.review import figures
from livecrew.shows import service as shows_service
from livecrew.simulate import generate
from support import Factory

MIN = 60_000
KINDS = ["enter", "enter", "leave", "comment", "speech", "like", "follow", "gift", "product_view", "product_click",
         "order", "pay", "refund", "ad_spend", "explain", "shelf", "online"]  # fmt: skip


def random_stream(rng: random.Random, n: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if rng.random() < 0.8:
        events.append({"id": "start", "type": "live_start", "ts": rng.randrange(0, 3 * MIN)})
    for i in range(n):
        kind = rng.choice(KINDS)
        e: dict[str, Any] = {"id": f"e{i}", "type": kind, "ts": rng.randrange(0, 35 * MIN)}
        if kind in ("ad_spend", "refund", "pay", "order"):
            e["amount"] = rng.randrange(1, 900)
        if kind in ("explain", "shelf", "product_view", "product_click", "order"):
            e["product"] = f"商品{rng.randrange(3)}"
        if kind == "explain":
            e["action"] = rng.choice(["start", "stop"])
        if kind == "shelf":
            e["action"] = rng.choice(["on", "off"])
        if kind in ("online",):
            e["count"] = rng.randrange(0, 50)
        if kind in ("order", "pay", "refund"):
            e["order"] = f"o{rng.randrange(6)}"
        if kind == "order":
            e["qty"] = rng.randrange(1, 3)
        if kind in ("comment", "speech"):
            e["text"] = rng.choice(["多少錢？", "有貨嗎", "退貨！", '限時優惠 \\ "快"', "ｘｌ尺寸"])
        if kind == "gift":
            e["value"] = rng.randrange(0, 3_000_000_000)
        if kind == "like":
            e["count"] = rng.randrange(1, 3_000_000_000)
        if kind not in ("ad_spend", "explain", "shelf", "online", "speech"):
            e["user"] = f"u{rng.randrange(12)}"
        if kind == "enter":
            e["source"] = rng.choice(["recommend", "follow", "ads", None])
            if rng.random() < 0.5:
                e["profile"] = {"gender": rng.choice("fmu"), "age_band": "24-30", "region": rng.choice(["台北", None])}
        e = {k: v for k, v in e.items() if v is not None}
        events.append(e)
    if rng.random() < 0.7:
        events.append({"id": "end", "type": "live_end", "ts": rng.randrange(22 * MIN, 36 * MIN)})
    if rng.random() < 0.5:
        rng.shuffle(events)  # late rows: the engine replays them in ts order
    return events


def store(db: Session, clock: FakeClock, show: Any, events: list[dict[str, Any]], batch: int = 37) -> None:
    for i in range(0, len(events), batch):
        body = "\n".join(json.dumps(e, ensure_ascii=False) for e in events[i : i + batch]).encode()
        parsed = parse_body(body, session=show.id)
        assert not parsed.rejected, parsed.rejected
        append_parsed(db, clock, show, parsed)
    db.flush()


def both(db: Session, show_id: str) -> tuple[Any, Any]:
    fast: list[tuple[int, str, str]] = []
    lines: list[tuple[int, str, str]] = []
    a = live.replay_engine(db, show_id, fast)
    b = live.replay_engine_lines(db, show_id, lines)
    assert fast == lines
    return a, b


def same(a: Any, b: Any) -> None:
    snap_a, snap_b = a.snapshot(), b.snapshot()
    assert snap_a == snap_b
    assert figures.build(snap_a, live.engine_log(a)) == figures.build(snap_b, live.engine_log(b))


@pytest.fixture
def show(factory: Factory, db: Session, clock: FakeClock) -> Any:
    ws = factory.workspace()
    made = shows_service.create_show(db, clock, ws, title="重播", starts_at=clock.now(), minutes=30, room="A")
    db.commit()
    return made


def test_batch_replay_equals_line_replay_on_random_streams(
    db: Session, clock: FakeClock, show: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_log, "READ_BATCH", 23)  # several read batches per log
    monkeypatch.setattr(event_log, "ARRAY_BATCH", 19)
    monkeypatch.setattr(event_log, "PG_ARRAY_BATCH", 19)
    rng = random.Random(20261206)
    for round_ in range(25):
        db.execute(text("DELETE FROM live_events WHERE show_id = :s"), {"s": show.id})
        db.execute(text("DELETE FROM live_log_heads WHERE show_id = :s"), {"s": show.id})
        events = random_stream(rng, rng.randrange(1, 120))
        for e in events:
            e["id"] = f"{round_}-{e['id']}"
        store(db, clock, show, events)
        same(*both(db, show.id))


def test_batch_replay_equals_line_replay_on_a_simulated_show(db: Session, clock: FakeClock, show: Any) -> None:
    events = list(generate(minutes=20, seed=11, session="s", start_ms=to_ms(clock.now())))
    store(db, clock, show, events, batch=5_000)
    a, b = both(db, show.id)
    same(a, b)
    assert a.snapshot()["uv"] > 50 and a._profiles  # the stream carries profiles


def put(db: Session, clock: FakeClock, show_id: str, body: dict[str, Any], pos: int) -> None:
    """A row stored by hand, as an older livecrew might have left it."""
    db.execute(
        text(
            'INSERT INTO live_events (show_id, event_id, type, ts, "user", body, received_at, pos) '
            "VALUES (:s, :e, :t, 0, 'u', :b, :at, :pos)"
        ),
        {"s": show_id, "e": body["id"], "t": body["type"], "b": json.dumps(body), "at": clock.now(), "pos": pos},
    )


@pytest.mark.parametrize("odd", ["ts", "profile"])
def test_rows_the_batch_path_would_read_otherwise_take_the_line_path(
    db: Session, clock: FakeClock, show: Any, odd: str
) -> None:
    events = list(generate(minutes=5, seed=3, session="s", start_ms=to_ms(clock.now())))
    store(db, clock, show, events, batch=5_000)
    if odd == "ts":  # the record decoder refuses the batch; the line path rejects the row
        put(db, clock, show.id, {"id": "odd-1", "type": "enter", "ts": "soon", "user": "zz"}, 10_000_000)
    else:  # the decoder takes it; validate refuses the profile
        row = {"id": "odd-2", "type": "enter", "ts": events[5]["ts"], "user": "zz", "profile": {"gender": "x"}}
        put(db, clock, show.id, row, 10_000_001)
    a, b = both(db, show.id)
    same(a, b)
    assert "zz" not in a._users


def ids_in(db: Session, show_id: str, **kwargs: Any) -> list[str]:
    """The ids of the rows log_arrays reads, batch after batch."""
    out: list[str] = []
    for batch in event_log.log_arrays(db, show_id, event_log.head(db, show_id), **kwargs):
        bodies = json.loads(batch.text)
        assert len(bodies) == batch.rows
        out += [b["id"] for b in bodies]
    return out


def test_log_arrays_read_every_row_once_in_seq_order(
    db: Session, clock: FakeClock, show: Any, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = shows_service.create_show(db, clock, factory.workspace(), title="另一場", starts_at=clock.now(), minutes=30)
    rng = random.Random(3)
    events = random_stream(rng, 90)
    for i, e in enumerate(events):
        e["id"] = f"e{i}"
        store(db, clock, show if i % 3 else other, [e], batch=1)  # the two shows' rows interleaved
    want = [r[0] for r in db.execute(
        text("SELECT event_id FROM live_events WHERE show_id = :s ORDER BY seq"), {"s": show.id}
    )]  # fmt: skip
    for size in (1, 2, 7, 50, 1000):
        monkeypatch.setattr(event_log, "ARRAY_BATCH", size)
        monkeypatch.setattr(event_log, "PG_ARRAY_BATCH", size)
        assert ids_in(db, show.id) == want
        first = next(event_log.log_arrays(db, show.id, event_log.head(db, show.id)))
        assert ids_in(db, show.id, resume=first.resume) == want[first.rows :]


def test_the_replay_stops_at_the_log_position_it_is_given(db: Session, clock: FakeClock, show: Any) -> None:
    events = list(generate(minutes=6, seed=5, session="s", start_ms=to_ms(clock.now())))
    store(db, clock, show, events[:700], batch=100)
    version = live.log_version(db, show.id)
    store(db, clock, show, events[700:], batch=100)
    texts: list[tuple[int, str, str]] = []
    upto = live.replay_engine(db, show.id, texts, upto=version)
    alone = engine.SessionEngine(show.id, dedupe=False)
    alone.feed_many(iter_records("\n".join(json.dumps(e) for e in events[:700]).encode(), [], session=show.id))
    assert upto.snapshot() == alone.snapshot()
    assert len(texts) == sum(1 for e in events[:700] if e["type"] in ("comment", "speech"))
    same(live.replay_engine(db, show.id), live.replay_engine_lines(db, show.id))


def spy_row_by_row(monkeypatch: pytest.MonkeyPatch) -> list[event_log.Span | None]:
    """The spans the replay reads row by row (its fallback), recorded as it asks for them."""
    spans: list[event_log.Span | None] = []
    read = event_log.bodies_in_seq_order

    def row_by_row(db: Session, show_id: str, batch: int | None = None, *, span: Any = None) -> Any:
        spans.append(span)
        return read(db, show_id, batch, span=span)

    monkeypatch.setattr(event_log, "bodies_in_seq_order", row_by_row)
    return spans


def test_a_refused_batch_is_read_row_by_row_and_the_rest_still_as_arrays(
    db: Session, clock: FakeClock, show: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_log, "ARRAY_BATCH", 40)
    monkeypatch.setattr(event_log, "PG_ARRAY_BATCH", 40)
    events = list(generate(minutes=5, seed=9, session="s", start_ms=to_ms(clock.now())))[:400]
    store(db, clock, show, events[:200], batch=50)
    # A row the record decoder refuses (an RFC 3339 ts) that validate takes: it counts, read through the line path.
    odd = {"id": "odd", "type": "enter", "ts": "2026-06-12T12:00:30+00:00", "user": "late-joiner", "source": "ads"}
    store(db, clock, show, [odd], batch=1)
    store(db, clock, show, events[200:], batch=50)
    decoded: list[int] = []
    real = events_module.decode_logged_array
    monkeypatch.setattr(events_module, "decode_logged_array", lambda data: decoded.append(1) or real(data))
    spans = spy_row_by_row(monkeypatch)
    a, b = both(db, show.id)
    same(a, b)
    assert "late-joiner" in a._users
    # Only the refused batch, row by row: rows 201-240 (SQLite reads by seq, PostgreSQL by position).
    by_seq, by_pos = event_log.Span(200, 240, 0, 401), event_log.Span(pos_after=200, pos_upto=240)
    assert spans == [by_pos if db.get_bind().dialect.name == "postgresql" else by_seq]
    assert len(decoded) == 11  # 401 rows: 11 arrays of 40 (the last one 1), the refused one among them


def test_rows_whose_seq_order_is_not_their_position_order_are_replayed_in_seq_order(
    db: Session, clock: FakeClock, show: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_log, "ARRAY_BATCH", 3)
    monkeypatch.setattr(event_log, "PG_ARRAY_BATCH", 3)
    start = to_ms(clock.now())
    events = list(generate(minutes=3, seed=4, session="s", start_ms=start))[:30]
    store(db, clock, show, events, batch=10)
    # Written by hand, as no ingest would: the later row (by seq) has the lower position.
    base = event_log.head(db, show.id)
    put(db, clock, show.id, {"id": "h1", "type": "enter", "ts": start + 9_000, "user": "h1"}, base + 5)
    put(db, clock, show.id, {"id": "h2", "type": "leave", "ts": start + 9_000, "user": "h1"}, base + 2)
    for i in range(3):
        put(db, clock, show.id, {"id": f"h{3 + i}", "type": "like", "ts": start + 9_500, "user": "h1"}, base + 6 + i)
    differs: list[bool] = []
    real = event_log.log_arrays

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            yield from real(*args, **kwargs)
        except event_log.OrderDiffers:
            differs.append(True)
            raise

    monkeypatch.setattr(event_log, "log_arrays", spy)
    a, b = both(db, show.id)
    same(a, b)
    assert a.snapshot()["online"] == b.snapshot()["online"]
    assert differs == ([True] if db.get_bind().dialect.name == "postgresql" else [])


def test_read_ahead_hands_over_items_in_order_errors_and_stops_early() -> None:
    with event_log.read_ahead(iter(range(1000))) as items:
        assert list(items) == list(range(1000))

    def failing() -> Any:
        yield 1
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"), event_log.read_ahead(failing()) as items:
        list(items)
    made: list[int] = []
    closed: list[bool] = []

    def endless() -> Any:
        try:
            n = 0
            while True:
                made.append(n)
                yield n
                n += 1
        finally:
            closed.append(True)

    with event_log.read_ahead(endless(), depth=2) as items:
        assert next(items) == 0
    assert closed == [True] and len(made) <= 4  # the reader stopped a few items ahead, its generator closed


def test_a_batch_too_long_for_sqlite_to_join_is_read_row_by_row(
    db: Session, clock: FakeClock, show: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's longest string")
    import sqlite3

    monkeypatch.setattr(event_log, "ARRAY_BATCH", 50)
    events = list(generate(minutes=4, seed=2, session="s", start_ms=to_ms(clock.now())))[:300]
    store(db, clock, show, events, batch=100)
    raw: Any = db.connection().connection.dbapi_connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
    raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 3_000)  # a body fits, 50 of them joined do not
    try:
        spans = spy_row_by_row(monkeypatch)
        a, b = both(db, show.id)
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, before)
    same(a, b)
    assert len(spans) == 6  # every batch of 50, row by row
