"""End-to-end ingest: events/s through HTTP in batches of 1,000, durable (committed) before each answer.

    .venv/bin/python bench/ingest.py [--events 200000] [--connections 1 2 4]
                                     [--database-url postgresql+psycopg://postgres@127.0.0.1/test]

A real `livecrew serve` (one process) over a fresh database; this process posts the batches over
1, 2 or 4 keep-alive connections at once (as several feeders would), each batch waiting for its answer.
The file is simulated 4-hour shows laid end to end (ids made unique), one show's log.
"""

from __future__ import annotations

import argparse
import threading
import time

import httpx
import orjson
from server import prepare, serve

from livecrew.simulate import generate


def make_batches(events: int, batch: int) -> list[bytes]:
    lines: list[bytes] = []
    seed = 1
    while len(lines) < events:
        for event in generate(minutes=240, seed=seed, session="b", arrivals_per_second=6.0):
            event["id"] = f"{seed}-{event['id']}"
            lines.append(orjson.dumps(event))
            if len(lines) >= events:
                break
        seed += 1
    return [b"\n".join(lines[i : i + batch]) for i in range(0, len(lines), batch)]


def post_all(base: str, token: str, show_id: str, batches: list[bytes], connections: int) -> tuple[int, list[float]]:
    """Post every batch over `connections` connections; returns (accepted, per-batch seconds)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    accepted = [0] * connections
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures: list[str] = []

    def worker(n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for body in batches[n::connections]:
                t = time.perf_counter()
                response = client.post(f"/api/v1/shows/{show_id}/events", content=body)
                latencies[n].append(time.perf_counter() - t)
                if response.status_code != 200:
                    failures.append(response.text[:200])
                    return
                accepted[n] += response.json()["accepted"]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"a batch was refused: {failures[0]}")
    return sum(accepted), sorted(x for each in latencies for x in each)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    batches = make_batches(args.events, args.batch)
    for connections in args.connections:
        setup = prepare(args.database_url)
        with serve(setup) as base:
            started = time.perf_counter()
            accepted, latencies = post_all(base, setup.token, setup.show_id, batches, connections)
            elapsed = time.perf_counter() - started
            t = time.perf_counter()
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {setup.token}"}) as client:
                metrics = client.get(f"/api/v1/shows/{setup.show_id}/metrics").json()
            metrics_ms = (time.perf_counter() - t) * 1000
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
        database = setup.url.split(":", 1)[0].split("+", 1)[0]
        print(
            f"{database}, {connections} connection(s): {accepted / elapsed:>8,.0f} events/s durable "
            f"({accepted:,} in {len(batches)} batches of {args.batch}; per batch p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
            f"metrics after: {metrics_ms:.0f} ms, pv {metrics['pv']:,})"
        )


if __name__ == "__main__":
    main()
