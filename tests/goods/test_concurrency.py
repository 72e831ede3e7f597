"""Never oversell: many threads and two processes hammering one SKU, on SQLite (a file) and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claim_workers import hammer
from livecrew.core.auth import service as auth
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.goods import service
from livecrew.goods.models import Claim, Product
from livecrew.models import metadata
from livecrew.shows import service as shows
from livecrew.shows.models import ShowStatus


def _seed(url: str, units: int) -> str:
    engine = make_engine(url)
    if url.startswith("sqlite"):
        metadata.create_all(engine)
    clock = SystemClock()
    with make_sessionmaker(engine)() as db:
        ws = auth.create_workspace(db, clock, "併發測試")
        show = shows.create_show(db, clock, ws, title="秒殺", starts_at=clock.now() + timedelta(hours=1), minutes=60)
        product = service.save_product(db, clock, ws, {"sku": "HOT", "title": "秒殺款", "stock": units})
        expiry = clock.now().date() + timedelta(days=90)
        for kind in ("licence", "inspection"):
            service.add_document(db, clock, product, kind=kind, expires_on=expiry)
        service.add_sample_test(db, clock, product, result="pass")
        service.add_to_lineup(db, clock, show, product)
        show.status = ShowStatus.live.value
        db.commit()
        show_id = show.id
    engine.dispose()
    return show_id


def _totals(url: str, show_id: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with Session(engine) as db:
        confirmed = db.scalar(select(func.count()).where(Claim.show_id == show_id, Claim.status == "confirmed"))
        waitlisted = db.scalar(select(func.count()).where(Claim.show_id == show_id, Claim.status == "waitlisted"))
        left = db.scalar(select(Product.stock).where(Product.sku == "HOT"))
    engine.dispose()
    return int(confirmed or 0), int(waitlisted or 0), int(left if left is not None else -1)


def test_1000_concurrent_claims_for_100_units(db_url: str) -> None:
    show_id = _seed(db_url, 100)
    statuses = hammer(db_url, show_id, [f"buyer{i}" for i in range(1000)], threads=32)
    assert statuses.count("confirmed") == 100 and statuses.count("waitlisted") == 900
    assert _totals(db_url, show_id) == (100, 900, 0)


def test_two_processes_never_oversell(db_url: str) -> None:
    show_id = _seed(db_url, 150)
    worker = str(Path(__file__).parent.parent / "claim_workers.py")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(worker).parent), *sys.path])}
    procs = [
        subprocess.Popen(
            [sys.executable, worker, db_url, show_id, f"p{n}-", "200"], stdout=subprocess.PIPE, text=True, env=env
        )
        for n in range(2)
    ]
    outs = [json.loads(p.communicate(timeout=240)[0]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sum(o["confirmed"] for o in outs) == 150 and sum(o["waitlisted"] for o in outs) == 250
    assert _totals(db_url, show_id) == (150, 250, 0)
