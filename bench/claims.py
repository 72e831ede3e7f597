"""Confirmed claims per second: one hot SKU and 1,000 SKUs, with the oversell count, beside a naive
read-then-write implementation run the same way.

    .venv/bin/python bench/claims.py [--db URL] [--claims N] [--threads T]

Default database: a SQLite file in a temporary folder. Pass --db postgresql+psycopg://... for PostgreSQL
(the tables are created if missing; the benchmark's rows use a fresh workspace).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from livecrew.core.auth import service as auth
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.goods import service, stock
from livecrew.goods.models import Claim, LineupItem, Product
from livecrew.models import metadata
from livecrew.shows import service as shows
from livecrew.shows.models import Show, ShowStatus


def seed(url: str, skus: int, units: int) -> str:
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


def naive_claim(db: object, show: Show, sku: str, buyer: str) -> str:
    """Read the stock, then write it: the race livecrew avoids."""
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)
    _item, product = db.execute(
        select(LineupItem, Product).join(Product).where(LineupItem.show_id == show.id, Product.sku == sku)
    ).one()
    left = db.scalar(select(Product.stock).where(Product.id == product.id))
    assert left is not None
    if left >= 1:
        db.execute(update(Product).where(Product.id == product.id).values(stock=left - 1))
        return "confirmed"
    return "waitlisted"


def run(url: str, show_id: str, n: int, threads: int, skus: int, naive: bool, batch_size: int = 1) -> tuple[float, int]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = SystemClock()
    confirmed = 0

    def one(i: int) -> str:
        sku = f"S{i % skus}"
        for _attempt in range(50):
            try:
                with sessions() as db:
                    show = db.get(Show, show_id)
                    assert show is not None
                    if naive:
                        status = naive_claim(db, show, sku, f"b{i}")
                    else:
                        status = stock.claim(db, clock, show, buyer=f"b{i}", qty=1, sku=sku).status
                    db.commit()
                    return status
            except OperationalError:
                time.sleep(0.001)
        return "failed"

    def batch(indices: range) -> list[str]:
        """Claims as ingest makes them from a batch of comments: many claims, one commit."""
        with sessions() as db:
            show = db.get(Show, show_id)
            assert show is not None
            out = [stock.claim(db, clock, show, buyer=f"b{i}", qty=1, sku=f"S{i % skus}").status for i in indices]
            db.commit()
            return out

    started = time.perf_counter()
    if batch_size > 1:
        chunks = [range(i, min(n, i + batch_size)) for i in range(0, n, batch_size)]
        statuses = [s for chunk in map(batch, chunks) for s in chunk]
    else:
        with ThreadPoolExecutor(threads) as pool:
            statuses = list(pool.map(one, range(n)))
    elapsed = time.perf_counter() - started
    confirmed = statuses.count("confirmed")
    engine.dispose()
    return confirmed / elapsed, confirmed


def oversold(url: str, show_id: str, units: int) -> int:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        if db.scalar(select(func.count()).select_from(Claim).where(Claim.show_id == show_id)):
            confirmed = db.scalar(
                select(func.coalesce(func.sum(Claim.qty), 0)).where(
                    Claim.show_id == show_id, Claim.status == "confirmed"
                )
            )
            return max(0, int(confirmed or 0) - units * 1)
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None)
    parser.add_argument("--claims", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    print(f"database: {url.split('@')[-1]}  claims per run: {args.claims}  threads: {args.threads}")
    for label, skus in (("one hot SKU", 1), ("1,000 SKUs", 1000)):
        units = args.claims // (2 * skus) or 1  # half the claims can be confirmed
        for naive, batch_size in ((False, 1), (False, 500), (True, 1)):
            show_id = seed(url, skus, units)
            rate, confirmed = run(url, show_id, args.claims, args.threads, skus, naive, batch_size)
            engine = make_engine(url)
            with make_sessionmaker(engine)() as db:
                left = db.scalar(
                    select(func.min(Product.stock))
                    .join(LineupItem, LineupItem.product_id == Product.id)
                    .where(LineupItem.show_id == show_id)
                )
            engine.dispose()
            over = max(0, confirmed - units * skus)
            name = "naive read-then-write" if naive else "livecrew, one commit per claim"
            if batch_size > 1:
                name = f"livecrew, {batch_size} per commit (ingest)"
            print(
                f"{label:12} {name:28} {rate:>9,.0f} confirmed/s  confirmed {confirmed:>5} of {units * skus:>5} units"
                f"  oversold {over}  lowest stock {left}"
            )


if __name__ == "__main__":
    main()
