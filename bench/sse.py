"""Latency from POSTing events to the Server-Sent Events snapshot that contains them, with many viewers.

    .venv/bin/python bench/sse.py [--clients 200] [--rate 20000] [--seconds 20]

A real `livecrew serve` (one process, SQLite) on a free local port; the viewers and the feeder run in
this process (asyncio + httpx), on the other core of a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx
import orjson
from server import prepare, serve


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
    setup = prepare(None, minutes=60)
    with serve(setup) as base:
        await play(args, base, setup.token, setup.show_id)


async def play(args: argparse.Namespace, base: str, token: str, show_id: str) -> None:
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
