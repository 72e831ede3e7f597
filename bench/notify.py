"""Pushes through the outbox: throughput, post-to-delivery latency, and a burst of alerts to a rate-limited robot.

    .venv/bin/python bench/notify.py [--pg URL] [--burst 2000] [--rate 50] [--seconds 10] [--alerts 1000]

Everything runs in this process against local fake platforms on 127.0.0.1 (tests/notify_fakes.py), on a fresh
SQLite file (livecrew's settings: WAL, synchronous=FULL), or on PostgreSQL with --pg (tables created if missing,
a fresh workspace per run).

1. throughput: ``--burst`` messages are posted at once (100 per transaction, as the message_posted event writes
   the outbox) to a signed webhook with no rate limit; messages/s = messages / time until the last is delivered.
2. latency: messages posted one per transaction at ``--rate``/s for ``--seconds`` while the relay runs as the
   server runs it (woken by the commit); p50/p99/max from the commit of the post to the fake's receipt.
3. burst to DingTalk: ``--alerts`` critical alerts posted 0.3 s apart to a DingTalk robot that refuses more than
   20 requests in any 60 s (as DingTalk does). This one runs on a fake clock that the bench moves forward (the
   real rate-limit logic, with an injected clock, so five simulated minutes take seconds): the fake robot checks
   every signature, and the bench counts alerts received (inside digests), alerts lost, and the most requests
   in any 60 s window.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from livecrew.comms.public import MessagePosted
from livecrew.core.auth import service as auth
from livecrew.core.auth.models import Workspace
from livecrew.core.clock import CLOCK_KEY, Clock, FakeClock, SystemClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.core.events import emit
from livecrew.models import metadata
from livecrew.notify import service
from livecrew.notify.models import NotifyDelivery
from livecrew.notify.relay import Relay
from notify_fakes import Fake

SECRET = "bench-secret-0f3a9c"


def sessions_for(engine: Engine, clock: Clock) -> sessionmaker[Session]:
    factory = make_sessionmaker(engine)
    factory.kw["info"] = {CLOCK_KEY: clock}
    return factory


def setup(sessions: sessionmaker[Session], clock: Clock, fake: Fake, name: str) -> tuple[str, int]:
    with sessions() as db:
        ws = auth.create_workspace(db, clock, f"{name} {random.randrange(10**9)}")
        target = service.create_target(db, clock, ws, service.TargetInput(
            kind=fake.kind, url=fake.url, secret=fake.secret, channels=["emergency"]))  # fmt: skip
        db.commit()
        return ws.id, target.id


def post(db: Session, workspace_id: str, text: str, n: int) -> None:
    emit(db, MessagePosted(
        workspace_id=workspace_id, channel_id=1, channel_kind="emergency", channel_name="緊急事件群", show_id=None,
        message_id=n, author_id=None, text=text, tags=("技術故障",), severity="critical", mention_roles=("tech",),
        mention_user_ids=(),
    ))  # fmt: skip


def run_relay(relay: Relay, stop: threading.Event) -> threading.Thread:
    """The relay as the server runs it: a pass when a commit wrote to the outbox (or every 0.5 s)."""
    wake = threading.Event()
    remove = service.on_outbox_commit(wake.set)

    def loop() -> None:
        try:
            while not stop.is_set():
                wake.clear()
                relay.run_pass()
                wake.wait(0.5)
        finally:
            remove()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def throughput(engine: Engine, burst: int) -> None:
    clock = SystemClock()
    fake = Fake("webhook", secret=SECRET).start()
    sessions = sessions_for(engine, clock)
    workspace_id, _target = setup(sessions, clock, fake, "throughput")
    relay = Relay(sessions, clock)
    stop = threading.Event()
    started = time.perf_counter()
    thread = run_relay(relay, stop)
    with sessions() as db:
        for n in range(burst):
            post(db, workspace_id, f"TP-{n:05d} 主播麥克風沒聲音", n)
            if n % 100 == 99:
                db.commit()
        db.commit()
    posted = time.perf_counter() - started
    while len(fake.texts()) < burst and time.perf_counter() - started < 300:
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    thread.join()
    relay.close()
    fake.stop()
    got = len(set(fake.texts()))
    rate = got / elapsed
    print(
        f"throughput   {burst} messages posted in {posted:.2f} s, all delivered after {elapsed:.2f} s: "
        f"{rate:,.0f} messages/s delivered ({len(fake.accepted)} signed requests; lost {burst - got})"
    )


def latency(engine: Engine, rate: float, seconds: float) -> None:
    clock = SystemClock()
    fake = Fake("webhook", secret=SECRET).start()
    sessions = sessions_for(engine, clock)
    workspace_id, _target = setup(sessions, clock, fake, "latency")
    relay = Relay(sessions, clock)
    stop = threading.Event()
    thread = run_relay(relay, stop)
    posted_at: dict[str, datetime] = {}
    total = int(rate * seconds)
    start = time.perf_counter()
    with sessions() as db:
        for n in range(total):
            target_time = start + n / rate
            pause = target_time - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            text = f"LAT-{n:05d}"
            post(db, workspace_id, text, n)
            db.commit()
            posted_at[text] = datetime.now(UTC)
    deadline = time.perf_counter() + 60
    while len(fake.texts()) < total and time.perf_counter() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join()
    relay.close()
    fake.stop()
    waits = [
        (r.at - posted_at[text]).total_seconds() * 1000 for r in fake.accepted for text in r.texts if text in posted_at
    ]
    lost = total - len({t for r in fake.accepted for t in r.texts})
    p50, p99 = statistics.median(waits), pct(waits, 99)
    print(
        f"latency      {total} messages at {rate:.0f}/s, post commit -> received: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(waits):.1f} ms (target p99 <= 1000 ms; lost {lost})"
    )


def dingtalk_burst(engine: Engine, alerts: int) -> None:
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    fake = Fake("dingtalk", secret="SEC" + SECRET, now=clock.now, per_minute=20).start()
    sessions = sessions_for(engine, clock)
    workspace_id, target_id = setup(sessions, clock, fake, "dingtalk burst")
    relay = Relay(sessions, clock, rng=random.Random(1))
    started = time.perf_counter()
    first = clock.now()
    with sessions() as db:
        for n in range(alerts):
            post(db, workspace_id, f"ALERT-{n:04d} 庫存告急 SKU-{n % 37}", n)
            db.commit()
            relay.run_pass()
            clock.advance(0.3)
    for _ in range(1000):  # drain: move the clock to the next moment the limit lets a request through
        relay.run_pass()
        due = relay.next_due()
        if due is None:
            break
        clock.set(max(due, clock.now()) + timedelta(milliseconds=1))
    wall = time.perf_counter() - started
    fake.stop()
    times = sorted(r.at for r in fake.received)
    worst = max(sum(1 for t in times[i:] if t < at + timedelta(seconds=60)) for i, at in enumerate(times))
    seen = {w for text in fake.texts() for w in text.split() if w.startswith("ALERT-")}
    sizes = [len(r.texts[0].split("ALERT-")) - 1 for r in fake.accepted]
    with sessions() as db:
        sent = sum(1 for s in db.scalars(select(NotifyDelivery.status).where(NotifyDelivery.target_id == target_id))
                   if s == "sent")  # fmt: skip
    refused = sum(1 for r in fake.received if not r.accepted)
    simulated = (clock.now() - first).total_seconds() / 60
    biggest, median = max(sizes), statistics.median(sizes)
    print(
        f"dingtalk     {alerts} alerts 0.3 s apart to a 20/min robot: {len(seen)} received in "
        f"{len(fake.accepted)} requests (digests of up to {biggest}; median {median:.0f}), "
        f"lost {alerts - len(seen)}, outbox says sent {sent}; most requests in any 60 s: {worst}; "
        f"refused by the robot: {refused}; {simulated:.1f} simulated minutes in {wall:.1f} s wall time"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--alerts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.pg or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        metadata.create_all(engine)
        print(f"bench/notify.py on {engine.dialect.name}")
        throughput(engine, args.burst)
        latency(engine, args.rate, args.seconds)
        dingtalk_burst(engine, args.alerts)
        engine.dispose()
    _ = Workspace


if __name__ == "__main__":
    main()
