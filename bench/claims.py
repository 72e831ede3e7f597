"""Confirmed claims per second on one hot SKU and across 1,000 SKUs, on SQLite and on PostgreSQL, with the
oversell count, beside a naive read-then-write implementation and a plain conditional-update loop.

    .venv/bin/python bench/claims.py [--pg URL | --no-pg] [--claims N] [--commit-claims N] [--threads T]
                                     [--batch B] [--only hot|spread]

SQLite: a fresh file in a temporary folder (WAL, synchronous=FULL: livecrew's settings). PostgreSQL: --pg, else
$LIVECREW_BENCH_PG_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/test_claims; the tables are created if
missing and every run uses a fresh workspace and show; skipped, with the reason, when the server is unreachable.

Every run offers twice as many claims (qty 1) as there are units, so half are confirmed and half waitlisted;
"confirmed/s" is confirmed claims divided by the run's wall time (the waitlisted ones cost time too), "claims/s"
counts every claim handled. The rows:

  livecrew claim(), commit each   claims.claim() then COMMIT per claim from T threads (the API / console path)
  livecrew on_events, B/commit    the goods ingest listener on comment events ("C7 +1"), B per transaction, one
                                  feed: comment parsing, lineup lookup, one conditional UPDATE per claim,
                                  claim rows inserted per batch. This is how claims really arrive: comments
                                  come in ingest batches and become claims inside the ingest transaction.
  livecrew ingest_body, B/commit  the whole ingest: an NDJSON body parsed, the event log written, and every
                                  feature's listener run (compliance scanning of each comment too)
  naive read-then-write           SELECT the stock, then UPDATE it to the value read, commit per claim, T threads
  plain UPDATE loop               raw driver SQL, no livecrew code, on a one-table copy of the stock:
                                  UPDATE ... SET stock = stock - 1 WHERE id = ? AND stock >= 1, then COMMIT
                                  (T threads), or B updates per COMMIT: the floor any SQL ledger pays

"oversold" is units confirmed beyond the stock (livecrew: from the claim rows in the database).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from livecrew.core.auth import service as auth
from livecrew.core.clock import SystemClock, to_ms
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.goods import claims, listener, service
from livecrew.goods.models import Claim, LineupItem, Product
from livecrew.live import ingest
from livecrew.live.events import Event
from livecrew.models import metadata
from livecrew.shows import service as shows
from livecrew.shows.models import Show, ShowStatus

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test_claims"


@dataclass
class Row:
    engine: str
    shape: str
    mode: str
    claims: int
    seconds: float
    confirmed: int
    units: int
    oversold: int
    lowest: int

    def line(self) -> str:
        rate = self.confirmed / self.seconds
        handled = self.claims / self.seconds
        return (
            f"| {self.engine:10} | {self.shape:10} | {self.mode:33} | {self.claims:>6,} | {rate:>11,.0f} "
            f"| {handled:>8,.0f} | {self.confirmed:>6,} of {self.units:>6,} | {self.oversold:>8,} | {self.lowest:>6} |"
        )


HEADER = (
    f"| {'engine':10} | {'SKUs':10} | {'mode':33} | {'claims':>6} | {'confirmed/s':>11} | {'claims/s':>8} "
    f"| {'confirmed of units':>16} | {'oversold':>8} | {'lowest':>6} |"
)
RULE = "".join("|" if ch == "|" else "-" for ch in HEADER)


def seed(url: str, skus: int, units: int) -> str:
    """A fresh workspace with ``skus`` ready products of ``units`` each, all in the lineup of a live show."""
    engine = make_engine(url)
    metadata.create_all(engine)
    clock = SystemClock()
    with make_sessionmaker(engine)() as db:
        ws = auth.create_workspace(db, clock, f"bench-{time.time_ns()}")
        show = shows.create_show(db, clock, ws, title="bench", starts_at=clock.now() + timedelta(hours=1), minutes=60)
        expiry = clock.now().date() + timedelta(days=30)
        for n in range(skus):
            p = service.save_product(db, clock, ws, {"sku": f"S{n}", "title": f"p{n}", "stock": units})
            for kind in ("licence", "inspection"):
                service.add_document(db, clock, p, kind=kind, expires_on=expiry)
            service.add_sample_test(db, clock, p, result="pass")
            service.add_to_lineup(db, clock, show, p, code=f"C{n}")
        show.status = ShowStatus.live.value
        db.commit()
        show_id = show.id
    engine.dispose()
    return show_id


def outcome(url: str, show_id: str, units: int, confirmed: int | None = None) -> tuple[int, int, int]:
    """(confirmed units, oversold units, lowest stock left) of a show's lineup."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        if confirmed is None:
            confirmed = int(
                db.scalar(
                    select(func.coalesce(func.sum(Claim.qty), 0)).where(
                        Claim.show_id == show_id, Claim.status == "confirmed"
                    )
                )
                or 0
            )
        lowest = db.scalar(
            select(func.min(Product.stock))
            .join(LineupItem, LineupItem.product_id == Product.id)
            .where(LineupItem.show_id == show_id)
        )
    engine.dispose()
    return confirmed, max(0, confirmed - units), int(lowest if lowest is not None else -1)


def naive_claim(db: Session, show: Show, sku: str) -> str:
    """Read the stock, then write it: the race livecrew avoids."""
    _item, product = db.execute(
        select(LineupItem, Product).join(Product).where(LineupItem.show_id == show.id, Product.sku == sku)
    ).one()
    left = db.scalar(select(Product.stock).where(Product.id == product.id))
    assert left is not None
    if left >= 1:
        db.execute(update(Product).where(Product.id == product.id).values(stock=left - 1))
        return "confirmed"
    return "waitlisted"


def per_claim(url: str, show_id: str, n: int, threads: int, skus: int, naive: bool) -> tuple[float, list[str]]:
    """Each claim its own transaction, from ``threads`` threads (a retry when SQLite reports a lock)."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = SystemClock()

    def one(i: int) -> str:
        sku = f"S{i % skus}"
        for _attempt in range(50):
            try:
                with sessions() as db:
                    show = db.get(Show, show_id)
                    assert show is not None
                    if naive:
                        status = naive_claim(db, show, sku)
                    else:
                        status = claims.claim(db, clock, show, buyer=f"b{i}", qty=1, sku=sku).status
                    db.commit()
                    return status
            except OperationalError:
                time.sleep(0.001)
        return "failed"

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(one, range(n)))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, statuses


def _comments(show_id: str, indices: range, skus: int, t0: int) -> list[dict[str, Any]]:
    return [
        {"id": f"c{i}", "type": "comment", "ts": t0 + i, "user": f"b{i}", "text": f"C{i % skus} +1"} for i in indices
    ]


def batched(url: str, show_id: str, n: int, skus: int, size: int, whole_ingest: bool) -> float:
    """Comments in ingest batches of ``size``, one transaction each, one after the other (one feed)."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = SystemClock()
    t0 = to_ms(clock.now())
    chunks = [_comments(show_id, range(i, min(n, i + size)), skus, t0) for i in range(0, n, size)]
    bodies = [b"\n".join(orjson.dumps(c) for c in chunk) for chunk in chunks]
    events = [
        [Event(id=c["id"], type="comment", ts=c["ts"], session=show_id, raw=c, user=c["user"]) for c in chunk]
        for chunk in chunks
    ]
    started = time.perf_counter()
    for body, batch in zip(bodies, events, strict=True):
        with sessions() as db:
            show = db.get(Show, show_id)
            assert show is not None
            if whole_ingest:
                ingest.ingest_body(db, clock, show, body, content_type="application/x-ndjson", max_bytes=1 << 30)
            else:
                listener.on_events(db, clock, show, batch)
            db.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


# ------------------------------------------------------------------ the plain loop: raw driver SQL only


def _plain_connect(url: str) -> tuple[Any, str]:
    """A DB-API connection and its placeholder; SQLite gets livecrew's journal settings, nothing else of it."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=5.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn, "?"
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)), "%s"


def plain(url: str, n: int, threads: int, skus: int, units: int, size: int) -> tuple[float, int, int, int]:
    """(seconds, confirmed, oversold, lowest stock) of the plain conditional-update loop."""
    setup, ph = _plain_connect(url)
    setup.execute("DROP TABLE IF EXISTS bench_plain_stock")
    setup.execute("CREATE TABLE bench_plain_stock (id INTEGER PRIMARY KEY, stock INTEGER NOT NULL)")
    setup.cursor().executemany(f"INSERT INTO bench_plain_stock VALUES ({ph}, {ph})", [(i, units) for i in range(skus)])
    setup.commit()
    take = f"UPDATE bench_plain_stock SET stock = stock - 1 WHERE id = {ph} AND stock >= 1"
    local = threading.local()
    opened: list[Any] = []

    def one(i: int) -> int:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = _plain_connect(url)[0]
            opened.append(conn)
        for _attempt in range(50):
            try:
                cur = conn.cursor()
                cur.execute(take, (i % skus,))
                ok = int(cur.rowcount == 1)
                conn.commit()
                return ok
            except sqlite3.OperationalError:
                conn.rollback()
                time.sleep(0.001)
        return 0

    def chunk(indices: range) -> int:
        cur = setup.cursor()
        ok = 0
        for i in indices:
            cur.execute(take, (i % skus,))
            ok += int(cur.rowcount == 1)
        setup.commit()
        return ok

    started = time.perf_counter()
    if size > 1:
        confirmed = sum(chunk(range(i, min(n, i + size))) for i in range(0, n, size))
    else:
        with ThreadPoolExecutor(threads) as pool:
            confirmed = sum(pool.map(one, range(n)))
    elapsed = time.perf_counter() - started
    for conn in opened:
        conn.close()
    cur = setup.cursor()
    cur.execute("SELECT MIN(stock), SUM(stock) FROM bench_plain_stock")
    lowest, left = cur.fetchone()
    assert units * skus - int(left) == confirmed, "the table and the loop disagree"
    setup.execute("DROP TABLE bench_plain_stock")
    setup.commit()
    setup.close()
    return elapsed, confirmed, max(0, confirmed - units * skus), int(lowest)


# ------------------------------------------------------------------ the table


def reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def runs(engine: str, url: str, shape: str, skus: int, args: argparse.Namespace) -> Iterator[Callable[[], Row]]:
    size, threads = args.batch, args.threads
    one_by_one = args.commit_claims
    many = args.claims

    def livecrew_commit_each() -> Row:
        units = one_by_one // (2 * skus) or 1
        show_id = seed(url, skus, units)
        seconds, _statuses = per_claim(url, show_id, one_by_one, threads, skus, naive=False)
        confirmed, over, lowest = outcome(url, show_id, units * skus)
        mode = f"livecrew claim(), commit each, {threads}T"
        return Row(engine, shape, mode, one_by_one, seconds, confirmed, units * skus, over, lowest)

    def livecrew_batched(whole: bool) -> Callable[[], Row]:
        def run() -> Row:
            units = many // (2 * skus) or 1
            show_id = seed(url, skus, units)
            seconds = batched(url, show_id, many, skus, size, whole)
            confirmed, over, lowest = outcome(url, show_id, units * skus)
            mode = f"livecrew {'ingest_body' if whole else 'on_events'}, {size}/commit"
            return Row(engine, shape, mode, many, seconds, confirmed, units * skus, over, lowest)

        return run

    def naive() -> Row:
        units = one_by_one // (2 * skus) or 1
        show_id = seed(url, skus, units)
        seconds, statuses = per_claim(url, show_id, one_by_one, threads, skus, naive=True)
        confirmed, over, lowest = outcome(url, show_id, units * skus, statuses.count("confirmed"))
        mode = f"naive read-then-write, each, {threads}T"
        return Row(engine, shape, mode, one_by_one, seconds, confirmed, units * skus, over, lowest)

    def plain_loop(batch: int) -> Callable[[], Row]:
        def run() -> Row:
            n = many if batch > 1 else one_by_one
            units = n // (2 * skus) or 1
            seconds, confirmed, over, lowest = plain(url, n, threads, skus, units, batch)
            mode = f"plain UPDATE loop, {batch}/commit" if batch > 1 else f"plain UPDATE loop, each, {threads}T"
            return Row(engine, shape, mode, n, seconds, confirmed, units * skus, over, lowest)

        return run

    yield livecrew_commit_each
    yield livecrew_batched(False)
    yield livecrew_batched(True)
    yield naive
    yield plain_loop(1)
    yield plain_loop(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("LIVECREW_BENCH_PG_URL") or DEFAULT_PG)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--claims", type=int, default=6000, help="claims per batched run (default 6000)")
    parser.add_argument("--commit-claims", type=int, default=2000, help="claims per commit-each run (default 2000)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch", type=int, default=500, help="comments per ingest batch (default 500)")
    parser.add_argument("--only", choices=("hot", "spread"), default=None)
    args = parser.parse_args()
    engines = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")]
    if args.no_pg:
        print("PostgreSQL: skipped (--no-pg)")
    elif (why := reachable(args.pg)) is not None:
        print(f"PostgreSQL: skipped, {args.pg.split('@')[-1]} is not reachable ({why})")
    else:
        engines.append(("PostgreSQL", args.pg))
    shapes = [("one hot", 1), ("1,000", 1000)]
    if args.only:
        shapes = shapes[:1] if args.only == "hot" else shapes[1:]
    print(
        f"claims offered: {args.commit_claims:,} per commit-each run, {args.claims:,} per batched run; "
        f"half can be confirmed; {args.threads} threads (T) for commit-each; batches of {args.batch}, one feed"
    )
    table: list[Row] = []
    for engine, url in engines:
        print(f"{engine}: {url.split('@')[-1]}", flush=True)
        for shape, skus in shapes:
            for run in runs(engine, url, shape, skus, args):
                row = run()
                table.append(row)
                print(row.line(), flush=True)
    print()
    print(HEADER)
    print(RULE)
    for row in table:
        print(row.line())


if __name__ == "__main__":
    main()
