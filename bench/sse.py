"""Latency from POSTing events to the Server-Sent Events snapshot that contains them, with many viewers.

    .venv/bin/python bench/sse.py [--clients 200] [--rate 20000] [--seconds 20]

A real server (uvicorn, one process, SQLite) on a free local port; the viewers and the feeder run in
this process (asyncio + httpx), so on a 2-core machine they compete with the server for the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
import uvicorn

from livecrew.app import create_app
from livecrew.core.auth import service as auth
from livecrew.core.clock import SystemClock
from livecrew.core.config import Settings
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.core.migrate import upgrade
from livecrew.shows import service as shows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def viewer(
    base: str, path: str, headers: dict[str, str], seen: list[tuple[float, int]], stop: asyncio.Event
) -> None:
    async with (
        httpx.AsyncClient(base_url=base, headers=headers, timeout=None) as client,
        client.stream("GET", path) as response,
    ):
        kind = ""
        async for line in response.aiter_lines():
            if stop.is_set():
                return
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "metrics":
                pv = orjson.loads(line[6:])["metrics"]["pv"]
                seen.append((time.perf_counter(), pv))


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="livecrew-sse-"))
    url = f"sqlite:///{tmp / 'sse.db'}"
    upgrade(url)
    engine = make_engine(url)
    clock = SystemClock()
    with session_scope(make_sessionmaker(engine)) as db:
        ws = auth.create_workspace(db, clock, "bench")
        user = auth.create_user(
            db, clock, ws, email="b@example.com", display_name="b", password="benchmark", roles=["owner"]
        )
        _t, token = auth.create_token(db, clock, user)
        show = shows.create_show(db, clock, ws, title="sse", starts_at=clock.now(), minutes=60)
        show_id = show.id
    port = free_port()
    app = create_app(Settings(database_url=url, data_dir=tmp, log_level="WARNING"), engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        await asyncio.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    stop = asyncio.Event()
    logs: list[list[tuple[float, int]]] = [[] for _ in range(args.clients)]
    viewers = [
        asyncio.create_task(viewer(base, f"/api/v1/shows/{show_id}/stream", headers, logs[i], stop))
        for i in range(args.clients)
    ]
    await asyncio.sleep(2)
    per_batch = max(1, args.rate // 10)
    sent: list[tuple[float, int]] = []  # (when the POST started, pv after this batch)
    pv = 0
    start_ms = int(time.time() * 1000)
    async with httpx.AsyncClient(
        base_url=base, headers={**headers, "Content-Type": "application/x-ndjson"}, timeout=60
    ) as feeder:
        began = time.perf_counter()
        batch_no = 0
        while time.perf_counter() - began < args.seconds:
            lines = []
            for i in range(per_batch):
                n = batch_no * per_batch + i
                lines.append(orjson.dumps({"id": f"e{n}", "type": "enter", "ts": start_ms + n, "user": f"u{n}"}))
            posted = time.perf_counter()
            response = await feeder.post(f"/api/v1/shows/{show_id}/events", content=b"\n".join(lines))
            response.raise_for_status()
            pv += per_batch
            sent.append((posted, pv))
            batch_no += 1
            await asyncio.sleep(max(0.0, began + batch_no * 0.1 - time.perf_counter()))
        achieved = pv / (time.perf_counter() - began)
    await asyncio.sleep(2)
    stop.set()
    for task in viewers:
        task.cancel()
    latencies = []
    for log in logs:
        for posted, wanted in sent:
            arrival = next((t for t, seen_pv in log if seen_pv >= wanted), None)
            if arrival is not None:
                latencies.append(arrival - posted)
    latencies.sort()
    server.should_exit = True
    print(
        f"{args.clients} SSE viewers, events posted at {achieved:,.0f}/s (asked {args.rate:,}/s) for {args.seconds} s"
    )
    if latencies:
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
        print(
            f"POST -> snapshot on the stream: p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
