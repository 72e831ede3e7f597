"""The metrics engine: speed on a simulated file, and the memory of a big show's live state.

.venv/bin/python bench/engine.py [--events 1000000]
    decode only: the file's lines through the metrics decoder (``events.iter_records``: msgspec into typed
    records, every contract check) and nothing else - the floor; engine path: the same plus dedupe by id, the
    engine and a snapshot per session, exactly what ``livecrew metrics FILE`` does (``compute_records``).

    The file. A simulated 4-hour show is about 390k events, so 1M events take three shows. A real export is
    one show per session in near time order, so the main figure uses that: each simulated show is its own
    session (bench-1, bench-2, ...) and its timestamps are moved to start when the previous show ended, so
    the file is one show after another in time order (the last show is cut at the event count); one long
    simulated show would be as fair, but a file of several shows is what an export of a week looks like. A second
    line keeps the older, harder file: the same shows as ONE session laid end to end without moving their
    timestamps, so each new show jumps back in time, two thirds of the file arrives out of order and the
    snapshot replays the column log. Nothing real looks like it (a session is one broadcast), but it is
    the engine's worst case, so it is still reported.
.venv/bin/python bench/engine.py --memory [--viewers 1000000 --events 10000000]
    a live show (the registry's engine: ``dedupe=False``) fed 10M generated events from 1M distinct viewers,
    made on the fly and never held; prints the live state's size by tracemalloc and by RSS growth.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import random
import resource
import time
import tracemalloc
from collections.abc import Iterator

import orjson

from livecrew.live.engine import SessionEngine, compute_records
from livecrew.live.events import Record, Rejection, iter_records
from livecrew.simulate import generate

SHOW_MINUTES = 240


def build(target: int, *, one_session: bool = False) -> bytes:
    """Simulated 4-hour shows, one after another, up to ``target`` events.

    By default each show is its own session and starts (in ts) when the previous one ended; with
    ``one_session`` they are all session "bench" with the simulator's own timestamps (each show starts at
    the same time, so every show after the first arrives older than what came before).
    """
    lines: list[bytes] = []
    seed = 1
    while len(lines) < target:
        session = "bench" if one_session else f"bench-{seed}"
        shift = 0 if one_session else (seed - 1) * SHOW_MINUTES * 60_000
        for event in generate(minutes=SHOW_MINUTES, seed=seed, session=session, arrivals_per_second=6.0):
            event["id"] = f"{seed}-{event['id']}"
            event["ts"] += shift
            lines.append(orjson.dumps(event))
            if len(lines) >= target:
                break
        seed += 1
    return b"\n".join(lines)


def _decode(data: bytes, events: int) -> float:
    gc.collect()
    t = time.perf_counter()
    rejected: list[Rejection] = []
    n = sum(1 for _ in iter_records(data, rejected))
    decode_s = time.perf_counter() - t
    assert not rejected and n == events
    return decode_s


def speed(events: int) -> None:
    t = time.perf_counter()
    data = build(events)
    print(
        f"simulated file: {events:,} events, {len(data) / 1e6:.0f} MB, one show per session in time order "
        f"({time.perf_counter() - t:.1f} s to make)"
    )
    decode_s = _decode(data, events)
    print(f"decode only (validated records):   {events / decode_s:>10,.0f} events/s  ({decode_s:.2f} s)")
    gc.collect()
    t = time.perf_counter()
    sessions = compute_records(iter_records(data, []))
    total_s = time.perf_counter() - t
    print(
        f"decode + dedupe + engine + snapshot: {events / total_s:>8,.0f} events/s  ({total_s:.2f} s, "
        f"{total_s / decode_s:.2f}x decode only; {len(sessions)} sessions)"
    )
    del data, sessions

    # The older file: the same shows as one session laid end to end, two thirds out of order (see above).
    data = build(events, one_session=True)
    decode_s = _decode(data, events)
    gc.collect()
    t = time.perf_counter()
    engine = SessionEngine("bench")
    engine.feed_many(iter_records(data, []))
    snap = engine.snapshot()
    total_s = time.perf_counter() - t
    print(
        f"the same shows as ONE session, out of order (snapshot replays): {events / total_s:,.0f} events/s  "
        f"({total_s:.2f} s, {total_s / decode_s:.2f}x its decode only, {events / decode_s:,.0f} events/s)"
    )

    t = time.perf_counter()
    for _ in range(10):
        engine.snapshot()
    each_ms = (time.perf_counter() - t) / 10 * 1000
    print(f"snapshot of that whole session: {each_ms:.0f} ms  (uv {snap['uv']:,}, gmv {snap['gmv']:,})")


def big_show(viewers: int, events: int, seed: int = 7) -> Iterator[Record]:
    """A show of `viewers` distinct users and `events` events, in ts order, made one at a time.

    Each viewer enters once (all within the first 90% of the events), then does a few things while watching
    and leaves; the mix is roughly the simulator's: views, likes, comments, clicks, orders and payments.
    """
    rng = random.Random(seed)
    lines = _lines(rng, viewers, events)
    rejected: list[Rejection] = []
    for chunk in lines:
        yield from iter_records(chunk, rejected)
    assert not rejected


def _lines(rng: random.Random, viewers: int, events: int) -> Iterator[bytes]:
    t0 = 1_781_262_000_000
    step = 4 * 3600 * 1000 / events  # a four-hour show
    online: list[int] = []
    entered = 0
    enter_every = events * 0.9 / viewers
    products = [f"p{i}" for i in range(1, 21)]
    sources = ["recommend", "follow", "search", "short_video", "ads"]
    out: list[bytes] = [orjson.dumps({"id": "e0", "session": "big", "type": "live_start", "ts": t0})]
    orders = 0
    for i in range(1, events - 1):
        ts = t0 + int(i * step)
        eid = f"e{i}"
        if entered < viewers and i >= entered * enter_every:
            user = entered
            entered += 1
            online.append(user)
            ev = {
                "id": eid,
                "session": "big",
                "type": "enter",
                "ts": ts,
                "user": f"u{user}",
                "source": sources[user % 5],
                "profile": {"gender": "fmu"[user % 3], "age_band": "24-30", "region": f"r{user % 40}"},
            }
        elif not online:
            ev = {"id": eid, "session": "big", "type": "online", "ts": ts, "count": 0}
        else:
            roll = rng.random()
            slot = rng.randrange(len(online))
            user = online[slot]
            who = f"u{user}"
            if roll < 0.06:  # leaves
                online[slot] = online[-1]
                online.pop()
                ev = {"id": eid, "session": "big", "type": "leave", "ts": ts, "user": who}
            elif roll < 0.45:
                ev = {"id": eid, "session": "big", "type": "product_view", "ts": ts, "user": who,
                      "product": products[i % 20]}  # fmt: skip
            elif roll < 0.6:
                ev = {"id": eid, "session": "big", "type": "like", "ts": ts, "user": who, "count": 3}
            elif roll < 0.75:
                ev = {"id": eid, "session": "big", "type": "comment", "ts": ts, "user": who, "text": "多少錢"}
            elif roll < 0.9:
                ev = {"id": eid, "session": "big", "type": "product_click", "ts": ts, "user": who,
                      "product": products[i % 20]}  # fmt: skip
            elif roll < 0.95:
                orders += 1
                ev = {"id": eid, "session": "big", "type": "order", "ts": ts, "user": who, "order": f"o{orders}",
                      "product": products[i % 20], "qty": 1, "amount": 19900}  # fmt: skip
            elif orders:
                ev = {"id": eid, "session": "big", "type": "pay", "ts": ts, "user": who, "order": f"o{orders}",
                      "amount": 19900}  # fmt: skip
            else:
                ev = {"id": eid, "session": "big", "type": "share", "ts": ts, "user": who}
        out.append(orjson.dumps(ev))
        if len(out) >= 20_000:
            yield b"\n".join(out)
            out = []
    out.append(orjson.dumps({"id": f"e{events - 1}", "session": "big", "type": "live_end", "ts": t0 + 4 * 3600_000}))
    yield b"\n".join(out)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 1e6


def _trim() -> bool:
    """glibc keeps freed heap pages for reuse; ``malloc_trim(0)`` hands them back, so RSS counts what is held."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: RSS stays as it is
        return False
    libc.malloc_trim(0)
    return True


def _feed_big(viewers: int, events: int) -> tuple[SessionEngine, float]:
    t = time.perf_counter()
    engine = SessionEngine("big", dedupe=False)  # the live registry's engine: the log's unique key dedupes
    engine.feed_many(big_show(viewers, events))  # as the registry's rebuild feeds it
    gc.collect()
    return engine, time.perf_counter() - t


def memory(viewers: int, events: int) -> None:
    # Pass 1, plain: RSS growth of the process while the state is built (includes allocator slack).
    gc.collect()
    rss_before = rss_mb()
    engine, feed_s = _feed_big(viewers, events)
    rss_growth = rss_mb() - rss_before
    snap = engine.snapshot()
    print(
        f"big show: {events:,} events, uv {snap['uv']:,}, pv {snap['pv']:,}, paid orders {snap['paid_orders']:,} "
        f"(generated and fed in {feed_s:.0f} s)"
    )
    print(f"live state by RSS growth of the process (includes allocator slack): {rss_growth:,.0f} MB")
    trimmed = _trim()
    if trimmed:
        print(
            f"  the same after malloc_trim (freed memory of the generator and the decoding handed back to the "
            f"system): {rss_mb() - rss_before:,.0f} MB"
        )
    parts = ", ".join(f"{name} {size / 1e6:,.0f} MB" for name, size in engine.memory_parts().items())
    print(f"  of which (sys.getsizeof of the big containers): {parts}")
    del engine, snap
    gc.collect()
    # Pass 2, the same show under tracemalloc: what the engine holds once fed (slower).
    tracemalloc.start()
    kept, _ = _feed_big(viewers, events)
    state, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert kept.snapshot()["uv"] == viewers
    print(f"live state by tracemalloc (allocated and still held after feeding): {state / 1e6:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=None, help="default: 1,000,000 (10,000,000 with --memory)")
    parser.add_argument("--memory", action="store_true", help="measure the live state of a big show instead")
    parser.add_argument("--viewers", type=int, default=1_000_000, help="distinct viewers of the --memory show")
    args = parser.parse_args()
    if args.memory:
        memory(args.viewers, args.events or 10_000_000)
    else:
        speed(args.events or 1_000_000)


if __name__ == "__main__":
    main()
