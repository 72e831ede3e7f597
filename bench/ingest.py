"""End-to-end ingest: events/s through HTTP in batches of 1,000, durable (committed) before each answer.

    .venv/bin/python bench/ingest.py [--events 200000] [--connections 1 2 4] [--processes 1 2 4] [--one-show]
                                     [--database-url postgresql+psycopg://postgres@127.0.0.1/test]
                                     [--redis-url redis://127.0.0.1:6379/7]

Real `livecrew serve` processes (``--processes``, each run of the list in turn; one by default) over a fresh
database; this process posts the batches over ``--connections`` keep-alive connections per server process at
once, each batch waiting for its answer. Each connection feeds its own show (several rooms live at once, one
feeder each), in time order; `--one-show` makes them all feed one show, so that batches of one show arrive out
of time order (and, with several processes, are committed by several). The file is simulated 4-hour shows
laid end to end (ids made unique, each show's times after the one before).

Each run also prints the CPU time a batch cost the server processes, PostgreSQL's processes (all of them on this
machine, from /proc) and this client: where the time of a batch goes, whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from contextlib import ExitStack

import httpx
import orjson
from server import SERVED, cpu_seconds, postgres_cpu_seconds, prepare, serve

from livecrew.simulate import generate

SHOW_SPAN_MS = 4 * 86_400_000  # a simulated show's events, late refunds included, fall within 4 days


def make_batches(events: int, batch: int) -> list[bytes]:
    lines: list[bytes] = []
    seed = 1
    while len(lines) < events:
        # Each simulated show (about 389,000 events, late refunds included) starts after the one before
        # has ended, refunds and all, so the file stays in time order.
        shift = (seed - 1) * SHOW_SPAN_MS
        for event in generate(minutes=240, seed=seed, session="b", arrivals_per_second=6.0):
            event["id"] = f"{seed}-{event['id']}"
            event["ts"] += shift
            lines.append(orjson.dumps(event))
            if len(lines) >= events:
                break
        seed += 1
    return [b"\n".join(lines[i : i + batch]) for i in range(0, len(lines), batch)]


def post_all(
    bases: list[str], token: str, show_ids: list[str], batches: list[bytes], connections: int, one_show: bool
) -> tuple[int, list[float]]:
    """Post every batch over `connections` connections; returns (accepted, per-batch seconds).

    Connection n posts batches n, n + connections, … to server n % len(bases): to its own show, or with
    ``one_show`` all to the first (then the batches of one show interleave, and commit order is not time order)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    accepted = [0] * connections
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures: list[str] = []

    def worker(n: int) -> None:
        with httpx.Client(base_url=bases[n % len(bases)], headers=headers, timeout=120) as client:
            show_id = show_ids[0 if one_show else n]
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
    parser.add_argument("--connections", type=int, nargs="+", default=None, help="per server process")
    parser.add_argument("--processes", type=int, nargs="+", default=[1], help="livecrew serve processes")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None, help="the processes' Redis (fan-out), as in production")
    parser.add_argument("--one-show", action="store_true", help="all connections feed one show")
    args = parser.parse_args()
    if args.connections is None:
        args.connections = [1] if args.processes != [1] else [1, 2, 4]
    batches = make_batches(args.events, args.batch)
    extra_env = {"LIVECREW_REDIS_URL": args.redis_url} if args.redis_url else {}
    for processes in args.processes:
        for per_process in args.connections:
            connections = processes * per_process
            setup = prepare(args.database_url, shows_count=1 if args.one_show else connections)
            show_ids = [setup.show_id, *setup.more_shows]
            with ExitStack() as stack:
                bases = [stack.enter_context(serve(setup, extra_env)) for _ in range(processes)]
                servers = SERVED[-processes:]
                cpu0 = [sum(cpu_seconds(pid) for pid in servers), postgres_cpu_seconds(), time.process_time()]
                started = time.perf_counter()
                accepted, latencies = post_all(bases, setup.token, show_ids, batches, connections, args.one_show)
                elapsed = time.perf_counter() - started
                cpu1 = [sum(cpu_seconds(pid) for pid in servers), postgres_cpu_seconds(), time.process_time()]
                server_ms, pg_ms, client_ms = ((b - a) * 1000 / len(batches) for a, b in zip(cpu0, cpu1, strict=True))
                t = time.perf_counter()
                with httpx.Client(base_url=bases[0], headers={"Authorization": f"Bearer {setup.token}"}) as client:
                    pv = sum(client.get(f"/api/v1/shows/{show_id}/metrics").json()["pv"] for show_id in show_ids)
                metrics_ms = (time.perf_counter() - t) * 1000 / len(show_ids)
            p50 = latencies[len(latencies) // 2] * 1000
            p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
            database = setup.url.split(":", 1)[0].split("+", 1)[0]
            print(
                f"{database}, {processes} process(es) x {per_process} connection(s), {len(show_ids)} show(s): "
                f"{accepted / elapsed:>8,.0f} events/s durable ({accepted:,} in {len(batches)} batches of "
                f"{args.batch}; per batch p50 {p50:.0f} ms, p99 {p99:.0f} ms; metrics after: {metrics_ms:.0f} ms "
                f"a show, pv {pv:,})",
                flush=True,
            )
            where = f"PostgreSQL {pg_ms:.1f}, " if database == "postgresql" else ""
            print(
                f"    CPU per batch: livecrew serve {server_ms:.1f} ms (all processes), {where}this client "
                f"{client_ms:.1f} ms; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
