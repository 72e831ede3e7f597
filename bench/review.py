"""The review's speed: one show of about 1,000,000 events reviewed, its PDF, and trends over 365 shows.

    .venv/bin/python bench/review.py [--events 1000000] [--database-url postgresql+psycopg://postgres@127.0.0.1/lc_x]

A fresh database (a temporary SQLite file unless --database-url names a PostgreSQL database, which is emptied and
migrated). One simulated 4-hour show is written to the event log through the ingest path (not timed), then:
- review, cold: what `livecrew review` does — the log read and replayed by the engine, then every figure of the
  review (funnel, slots, products, comments triaged, diagnosis, scorecards...), best of 5; then the replay alone,
  and its parts alone (the log read as JSON arrays, their decoding, the engine's loop);
- the live registry's first build of the show (as after a restart);
- review, live engine: the same with the engine already fed (as the server holds it for a show it has seen);
- ending the show (the request asks the review job for the final review), the job's build of it (best of 3: built
  again twice, asked for as a late event would), the same build by the job of a server that holds the show's
  live engine (it stands for the replay), then the review of the ended show, cold;
- its PDF (WeasyPrint) and workbook from the built review;
- trends over 365 ended shows (stored figures), through GET /api/v1/review/trends and the console page.
Prints the figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, text

from livecrew.core.clock import FakeClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.core.migrate import upgrade

START = datetime(2026, 6, 12, 12, 0, tzinfo=UTC)


CPU_TIMES: list[float] = []  # the process's CPU time of each run of the last ``best``
MAIN_TIMES: list[float] = []  # the calling thread's CPU time of each run (the replay reads the log in a thread)


def best(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    times = []
    CPU_TIMES.clear()
    MAIN_TIMES.clear()
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        m0 = time.thread_time()
        out = fn()
        CPU_TIMES.append(time.process_time() - c0)
        MAIN_TIMES.append(time.thread_time() - m0)
        times.append(time.perf_counter() - t0)
    return min(times), out


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def fresh(url: str | None) -> str:
    if url is None:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'review-bench.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--shows", type=int, default=365)
    args = parser.parse_args()

    from livecrew.core.auth import service as auth
    from livecrew.live import public as live
    from livecrew.live.events import parse_body
    from livecrew.live.ingest import append_parsed
    from livecrew.review import exports, service
    from livecrew.review.models import ShowFigures
    from livecrew.shows import service as shows
    from livecrew.simulate import generate

    url = fresh(args.database_url)
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    clock = FakeClock(START)
    db = factory()
    ws = auth.create_workspace(db, clock, "Bench 直播間")
    owner = auth.create_user(
        db,
        clock,
        ws,
        email="bench@example.com",
        display_name="Bench",
        password="correct horse battery",
        roles=["owner"],
    )
    show = shows.create_show(db, clock, ws, title="百萬事件場", starts_at=START, minutes=240, room="A")
    shows.add_to_roster(db, ws, show, "host", owner.id)
    show.status = "live"
    db.commit()

    # ---- the event log (not timed): a simulated 4-hour show, busy enough to reach --events
    t0 = time.perf_counter()
    clock.set(START + timedelta(days=5))  # the refunds come days after the show
    start_ms = int(START.timestamp() * 1000)
    batch: list[bytes] = []
    written = 0
    for event in generate(minutes=240, seed=7, session="b", start_ms=start_ms, arrivals_per_second=16.0):
        batch.append(orjson.dumps(event))
        if len(batch) == 20_000:
            written += append_parsed(db, clock, show, parse_body(b"\n".join(batch), session=show.id)).accepted
            db.commit()
            batch = []
        if written + len(batch) >= args.events:
            break
    if batch:
        written += append_parsed(db, clock, show, parse_body(b"\n".join(batch), session=show.id)).accepted
        db.commit()
    took = time.perf_counter() - t0
    print(f"database: {engine.url.get_backend_name()}; event log: {written:,} events written in {took:.1f} s")

    # ---- the review of the show
    def cold() -> dict[str, Any]:
        service._TEXTS.clear()  # nothing remembered from the run before
        out: dict[str, Any] = service.build_review(db, ws, show.id)
        return out

    seconds, review = best(cold, runs=5)
    db.rollback()
    print(
        f"review, cold (log read + engine replay + every figure), best of 5: {seconds:.2f} s wall, "
        f"CPU best {min(CPU_TIMES):.2f} s, mean {statistics.mean(CPU_TIMES):.2f} s (the first run pays the process's "
        f"one-time loads: {CPU_TIMES[0]:.2f} s), of which the main thread best {min(MAIN_TIMES):.2f} s; {load()}"
    )
    t_lines, _ = best(lambda: live.replay_engine_lines(db, show.id, []), runs=1)
    t_fast, _ = best(lambda: live.replay_engine(db, show.id, []), runs=3)
    db.rollback()
    print(
        f"  the replay alone (the log read as JSON arrays by a thread beside the decoding and the engine), best of 3: "
        f"{t_fast:.2f} s wall, CPU best {min(CPU_TIMES):.2f} s (main thread {min(MAIN_TIMES):.2f} s); "
        f"line by line (before) {t_lines:.2f} s"
    )
    from livecrew.live.events import decode_logged_array
    from livecrew.live.log import head, log_arrays
    from livecrew.live.replay import new_engine

    t_read, arrays = best(lambda: list(log_arrays(db, show.id, head(db, show.id))), runs=3)
    db.rollback()
    t_decode, decoded = best(lambda: [decode_logged_array(a.text) for a in arrays], runs=3)

    def loop() -> int:
        fed = new_engine(show.id)
        for records in decoded:
            fed.feed_logged(records)
        return len(fed._luk)

    t_loop, logged = best(loop, runs=3)
    print(
        f"  each alone, best of 3: the log read as arrays {t_read:.2f} s; decoding them into logged records "
        f"{t_decode:.2f} s; the engine's loop {t_loop:.2f} s ({logged:,} events logged)"
    )
    arrays.clear()  # the memory back before what follows
    decoded.clear()
    from livecrew.live.state import LiveRegistry, LiveShow

    def first_build() -> int:  # the live registry's first use of the show, as after a restart
        return LiveRegistry(factory).get(show.id).cursor

    t_first, _ = best(first_build, runs=1)
    print(f"the live registry's first build of the show (after a restart: the log read through its catch-up): "
          f"{t_first:.2f} s")  # fmt: skip
    fed = live.replay_engine(db, show.id)
    db.rollback()

    class App:  # the server's live registry, holding the already fed engine
        pass

    app: Any = App()
    app.state = App()
    registry = LiveRegistry(factory)
    registry._shows[show.id] = LiveShow(show.id, fed, cursor=head(db, show.id))  # it has applied the whole log
    app.state.live = registry
    seconds_live, _ = best(lambda: service.build_review(db, ws, show.id, app=app), runs=3)
    db.rollback()
    print(
        f"review with the live engine already fed (the server's case), best of 3: {seconds_live:.2f} s "
        f"(CPU best {min(CPU_TIMES):.2f} s)"
    )
    t0 = time.perf_counter()
    shows.transition(db, clock, ws, show, "ended", actor=None)  # asks the review job for the final review
    db.commit()
    print(f"ending the show (the request; the build is left to the review job): {time.perf_counter() - t0:.2f} s")
    from livecrew.review import builds, jobs

    def job_build() -> str | None:
        if not builds.pending(db, show.id):  # built already: its stored review dropped and the build asked again,
            db.execute(delete(ShowFigures).where(ShowFigures.show_id == show.id))  # as after a late event
            builds.request_build(db, clock.now(), ws.id, show.id)
            db.commit()
        return jobs.build_one(factory, clock, "bench")

    seconds_job, built = best(job_build, runs=3)
    print(f"the review job's build of the final review (log replayed, every figure, stored), best of 3: "
          f"{seconds_job:.2f} s wall, CPU best {min(CPU_TIMES):.2f} s, mean {statistics.mean(CPU_TIMES):.2f} s "
          f"(main thread best {min(MAIN_TIMES):.2f} s) ({built}); {load()}")  # fmt: skip

    def job_in_server() -> str | None:  # the same build by the job of the server that held the show's engine
        db.execute(delete(ShowFigures).where(ShowFigures.show_id == show.id))
        builds.request_build(db, clock.now(), ws.id, show.id)
        db.commit()
        return jobs.build_one(factory, clock, "bench", app)

    seconds_server, _ = best(job_in_server, runs=3)
    print(f"the same build by the review job of a server holding the show's live engine (no replay), best of 3: "
          f"{seconds_server:.2f} s")  # fmt: skip
    seconds_final, review = best(lambda: service.build_review(db, ws, show.id), runs=3)
    db.rollback()
    print(f"review of the ended show, cold, the stored final review (log unchanged), best of 3: {seconds_final:.2f} s")
    m = review["metrics"]
    print(
        f"  uv {m['uv']:,}, pv {m['pv']:,}, comments {m['comments']:,}, "
        f"minutes {len(review['minutes'])}, products {len(review['products'])}"
    )
    cpu0 = time.process_time()
    seconds, pdf = best(lambda: exports.pdf(review, "zh-Hant", "TWD"), runs=3)
    cpu = (time.process_time() - cpu0) / 3
    print(f"PDF of that review, best of 3: {seconds:.2f} s (CPU {cpu:.2f} s a run; {len(pdf):,} bytes)")
    seconds, book = best(lambda: exports.xlsx(review, "zh-Hant", "TWD"), runs=3)
    print(f"XLSX of that review, best of 3: {seconds:.2f} s ({len(book):,} bytes)")

    # ---- trends over 365 ended shows (their stored figures)
    shows_made = []
    figures = service.core_figures(review["metrics"])
    for i in range(args.shows):
        s = shows.create_show(
            db, clock, ws, title=f"場次 {i}", starts_at=START - timedelta(days=i + 1), minutes=120, room="AB"[i % 2]
        )
        s.status = "ended"
        shows_made.append(s.id)
        db.add(
            ShowFigures(
                show_id=s.id, workspace_id=ws.id, room=s.room, title=s.title, host_ids=[owner.id],
                starts_at=s.starts_at, figures={**figures, "gmv": figures["gmv"] * (1 + i % 17) // 9},
                scores=review["scorecards"], computed_at=clock.now(),
            )
        )  # fmt: skip
    db.commit()
    from fastapi.testclient import TestClient

    from livecrew.app import create_app
    from livecrew.core.config import Settings

    secret = auth.create_token(db, clock, owner, name="bench")[1]
    db.commit()
    client = TestClient(
        create_app(Settings(data_dir=Path(tempfile.mkdtemp()), log_level="WARNING"), clock=clock, engine=engine)
    )
    headers = {"Authorization": f"Bearer {secret}"}

    def api() -> int:
        r = client.get("/api/v1/review/trends?period=week", headers=headers)
        assert r.status_code == 200, r.text
        return len(r.json()["shows"])

    seconds, n = best(api, runs=5)
    print(f"trends over {n} shows, GET /api/v1/review/trends, best of 5: {seconds * 1000:.0f} ms")
    client.get("/login")
    client.post(
        "/login",
        data={
            "email": "bench@example.com",
            "password": "correct horse battery",
            "csrf_token": client.cookies.get("lc_csrf"),
        },
    )

    def page() -> int:
        r = client.get("/review-trends?period=month")
        assert r.status_code == 200
        return len(r.text)

    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        page()
        times.append(time.perf_counter() - t0)
    low, mid = min(times) * 1000, statistics.median(times) * 1000
    print(f"the trends page (console) over {n} shows: best {low:.0f} ms, median {mid:.0f} ms")
    db.close()
    engine.dispose()


if __name__ == "__main__":
    main()
