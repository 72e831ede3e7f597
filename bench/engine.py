"""Events/s through decode + dedupe + engine on a ~1M-event simulated file, beside decode alone (the floor).

.venv/bin/python bench/engine.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import orjson

from livecrew.live.engine import SessionEngine
from livecrew.live.events import parse_body
from livecrew.simulate import generate


def build(target: int) -> bytes:
    lines: list[bytes] = []
    seed = 1
    while len(lines) < target:
        for event in generate(minutes=240, seed=seed, session="bench", arrivals_per_second=6.0):
            event["id"] = f"{seed}-{event['id']}"
            lines.append(orjson.dumps(event))
            if len(lines) >= target:
                break
        seed += 1
    return b"\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    t = time.perf_counter()
    data = build(args.events)
    print(f"simulated file: {args.events:,} events, {len(data) / 1e6:.0f} MB ({time.perf_counter() - t:.1f} s to make)")

    gc.collect()
    t = time.perf_counter()
    parsed = parse_body(data)
    decode_s = time.perf_counter() - t
    assert not parsed.rejected
    n = len(parsed.events)
    print(f"decode only:            {n / decode_s:>12,.0f} events/s  ({decode_s:.2f} s)")

    gc.collect()
    t = time.perf_counter()
    parsed = parse_body(data)
    engine = SessionEngine("bench")
    for event in parsed.events:
        engine.apply(event)
    snap = engine.snapshot()
    total_s = time.perf_counter() - t
    print(
        f"decode + dedupe + engine:{n / total_s:>11,.0f} events/s  ({total_s:.2f} s, {total_s / decode_s:.2f}x decode)"
    )

    t = time.perf_counter()
    for _ in range(10):
        engine.snapshot()
    each_ms = (time.perf_counter() - t) / 10 * 1000
    print(f"snapshot of the whole show: {each_ms:.0f} ms  (uv {snap['uv']:,}, gmv {snap['gmv']:,})")

    del parsed, engine
    gc.collect()
    tracemalloc.start()
    parsed = parse_body(data)
    engine = SessionEngine("bench")
    for event in parsed.events:
        engine.apply(event)
    del parsed
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    print(f"live state held by the engine: {current / 1e6:.0f} MB for {n:,} events")


if __name__ == "__main__":
    main()
