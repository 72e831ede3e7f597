"""End-to-end ingest: events/s through HTTP in batches of 1,000, durable (committed) before each answer.

    .venv/bin/python bench/ingest.py [--events 200000] [--database-url postgresql+psycopg://postgres@127.0.0.1/test]

Starts a real server (uvicorn) on a free local port over a fresh database, and posts from one client.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
import uvicorn
from sqlalchemy import text

from livecrew.app import create_app
from livecrew.core.auth import service as auth
from livecrew.core.clock import SystemClock
from livecrew.core.config import Settings
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.core.migrate import upgrade
from livecrew.shows import service as shows
from livecrew.simulate import generate


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="livecrew-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    clock = SystemClock()
    with session_scope(make_sessionmaker(engine)) as db:
        ws = auth.create_workspace(db, clock, "bench")
        user = auth.create_user(
            db, clock, ws, email="bench@example.com", display_name="bench", password="benchmark", roles=["tech"]
        )
        _t, token = auth.create_token(db, clock, user)
        show = shows.create_show(db, clock, ws, title="bench", starts_at=clock.now(), minutes=240)
        show_id = show.id
    lines: list[bytes] = []
    seed = 1
    while len(lines) < args.events:
        for event in generate(minutes=240, seed=seed, session="b", arrivals_per_second=6.0):
            event["id"] = f"{seed}-{event['id']}"
            lines.append(orjson.dumps(event))
            if len(lines) >= args.events:
                break
        seed += 1
    batches = [b"\n".join(lines[i : i + args.batch]) for i in range(0, len(lines), args.batch)]

    port = free_port()
    app = create_app(Settings(database_url=url, data_dir=tmp, log_level="WARNING"), engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as client:
        latencies = []
        started = time.perf_counter()
        accepted = 0
        for batch in batches:
            t = time.perf_counter()
            response = client.post(f"/api/v1/shows/{show_id}/events", content=batch)
            latencies.append(time.perf_counter() - t)
            accepted += response.json()["accepted"]
        elapsed = time.perf_counter() - started
        latencies.sort()
        print(
            f"database: {engine.dialect.name}; {accepted:,} events accepted in {len(batches)} batches of {args.batch}"
        )
        print(f"ingest, durable: {accepted / elapsed:,.0f} events/s")
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
        print(f"per batch: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
        t = time.perf_counter()
        metrics = client.get(f"/api/v1/shows/{show_id}/metrics").json()
        print(f"metrics after ingest: {(time.perf_counter() - t) * 1000:.0f} ms (pv {metrics['pv']:,})")
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
