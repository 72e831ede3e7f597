"""A seeded, second-by-second model of a live show.

Viewers arrive from traffic sources (faster while a flash sale is on), watch for a while and leave;
they comment by intent, like, follow, share and send gifts; product cards follow the product being
explained, and views turn into clicks, orders, payments and a few refunds. Incidents can be injected
for rehearsals: a negative-comment storm, a feed silence, a stock-out rush, a risky line from the host.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from livecrew.simulate import phrases

DEFAULT_PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "code": "A1", "name": "玻尿酸保濕精華", "price": 59900, "tier": "profit"},
    {"id": "p2", "code": "A2", "name": "一元體驗面膜", "price": 100, "tier": "traffic"},
    {"id": "p3", "code": "A3", "name": "羊絨圍巾", "price": 129900, "tier": "image"},
    {"id": "p4", "code": "A4", "name": "堅果禮盒", "price": 39900, "tier": "profit"},
    {"id": "p5", "code": "A5", "name": "保溫杯", "price": 49900, "tier": "profit"},
    {"id": "p6", "code": "A6", "name": "洗衣凝珠", "price": 19900, "tier": "traffic"},
]
SOURCES = [
    ("recommend", 55),
    ("follow", 15),
    ("short_video", 12),
    ("search", 6),
    ("ads", 8),
    ("share", 3),
    ("other", 1),
]
REGIONS = ["台北", "新北", "台中", "高雄", "香港", "上海", "廣州", "新加坡", "吉隆坡"]
AGE_BANDS = [("18-23", 15), ("24-30", 35), ("31-40", 30), ("41-50", 14), ("50+", 6)]
INCIDENTS = ("storm", "silence", "stockout", "compliance")


@dataclass(frozen=True)
class Incident:
    kind: str
    minute: int
    seconds: int = 60

    @property
    def start_s(self) -> int:
        return self.minute * 60


def parse_incident(text: str) -> Incident:
    """``kind@minute`` or ``kind@minute+seconds``, e.g. ``silence@20+45``."""
    kind, _, rest = text.partition("@")
    if kind not in INCIDENTS or not rest:
        raise ValueError(f'an incident is KIND@MINUTE[+SECONDS] with KIND one of {", ".join(INCIDENTS)} (got "{text}")')
    minute, _, seconds = rest.partition("+")
    if not minute.isdigit() or (seconds and not seconds.isdigit()):
        raise ValueError(f'"{text}": the minute and seconds must be whole numbers')
    return Incident(kind, int(minute), int(seconds) if seconds else 60)


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate(
    minutes: int = 60,
    seed: int = 1,
    session: str = "sim",
    start_ms: int = 1_781_262_000_000,
    products: list[dict[str, Any]] | None = None,
    incidents: tuple[Incident, ...] = (),
    arrivals_per_second: float = 1.5,
) -> Iterator[dict[str, Any]]:
    """Events of one simulated show, in ``ts`` order. The same arguments give the same events."""
    if minutes < 1:
        raise ValueError("a simulated show lasts at least one minute")
    rng = random.Random(seed)
    lineup = products or DEFAULT_PRODUCTS
    ids = itertools.count(1)
    pending: list[tuple[int, int, dict[str, Any]]] = []  # (ts, tiebreak, event) to come later
    tiebreak = itertools.count()
    online: dict[str, None] = {}  # in arrival order: a set's order depends on PYTHONHASHSEED, a seed must not
    followers: set[str] = set()
    engaged: set[str] = set()  # about a third of viewers do most of the talking
    population = itertools.count(1)
    end_s = minutes * 60
    segment_s = max(240, min(720, end_s // max(1, len(lineup))))
    silences = [(i.start_s, i.start_s + i.seconds) for i in incidents if i.kind == "silence"]

    def event(kind: str, ts: int, **fields: Any) -> dict[str, Any]:
        return {"id": f"{session}-{next(ids)}", "session": session, "type": kind, "ts": ts, **fields}

    def later(ts: int, ev: dict[str, Any]) -> None:
        heapq.heappush(pending, (ts, next(tiebreak), ev))

    def active(kind: str, second: int) -> bool:
        return any(i.kind == kind and i.start_s <= second < i.start_s + i.seconds for i in incidents)

    yield event("live_start", start_ms)
    current: dict[str, Any] | None = None
    for second in range(end_s):
        now = start_ms + second * 1000
        batch: list[dict[str, Any]] = []
        slot = second // segment_s
        product = lineup[slot % len(lineup)]
        flash = ((second % segment_s) < 90 and product["tier"] == "traffic") or active("stockout", second)
        if current is not product:
            if current is not None:
                batch.append(event("explain", now, product=current["id"], action="stop"))
            batch.append(event("shelf", now, product=product["id"], action="on"))
            batch.append(event("explain", now, product=product["id"], action="start"))
            current = product
        rate = arrivals_per_second * (1 + 0.6 * math.sin(second / 900)) * (3.0 if flash else 1.0)
        for _ in range(_poisson(rng, rate)):
            user = f"u{next(population)}"
            online[user] = None
            if rng.random() < 0.3:
                engaged.add(user)
            profile = {
                "gender": rng.choices(["f", "m", "u"], weights=[68, 27, 5])[0],
                "age_band": _weighted(rng, AGE_BANDS),
                "region": rng.choice(REGIONS),
            }
            batch.append(
                event("enter", now + rng.randrange(1000), user=user, source=_weighted(rng, SOURCES), profile=profile)
            )
            stay = int(rng.expovariate(1 / (150 if not flash else 240)) * 1000) + 5000
            later(now + stay, event("leave", now + stay, user=user))
        viewers = list(online)
        for user in viewers:
            roll = rng.random() * (1.0 if user in engaged else 25.0)
            if roll < 0.004:
                batch.append(event("comment", now + rng.randrange(1000), user=user, text=_comment(rng, product)))
            elif roll < 0.008:
                batch.append(event("like", now + rng.randrange(1000), user=user, count=rng.randint(1, 12)))
            elif roll < 0.0086 and user not in followers:
                followers.add(user)
                batch.append(event("follow", now + rng.randrange(1000), user=user))
            elif roll < 0.0089:
                batch.append(event("share", now + rng.randrange(1000), user=user))
            elif roll < 0.0091:
                batch.append(
                    event(
                        "gift",
                        now + rng.randrange(1000),
                        user=user,
                        gift="rose",
                        count=1,
                        value=rng.choice([100, 500, 1000]),
                    )
                )
            if rng.random() < (0.006 if not flash else 0.015):
                view_ts = now + rng.randrange(1000)
                batch.append(event("product_view", view_ts, user=user, product=product["id"]))
                if rng.random() < (0.2 if not flash else 0.35):
                    click_ts = view_ts + rng.randrange(500, 5000)
                    later(click_ts, event("product_click", click_ts, user=user, product=product["id"]))
                    if rng.random() < (0.14 if not flash else 0.3):
                        _buy(rng, later, event, user, product, click_ts)
        if active("storm", second):
            for _ in range(rng.randint(3, 8)):
                if viewers:
                    batch.append(
                        event(
                            "comment",
                            now + rng.randrange(1000),
                            user=rng.choice(viewers),
                            text=rng.choice(phrases.STORM),
                        )
                    )
        if second % 10 == 0:
            batch.append(event("online", now, count=len(online)))
        if second % 300 == 0:
            batch.append(event("ad_spend", now, amount=rng.randrange(20000, 80000), channel="qianchuan"))
        if second % 120 == 60:
            line = rng.choice(phrases.HOST_LINES).format(name=product["name"], code=product["code"])
            batch.append(event("speech", now, text=line))
        if any(i.kind == "compliance" and i.start_s == second for i in incidents):
            batch.append(event("speech", now, text=rng.choice(phrases.RISKY_HOST_LINES)))
        horizon = now + 1000
        while pending and pending[0][0] < horizon:
            _ts, _, ev = heapq.heappop(pending)
            if ev["type"] == "leave":
                if ev["user"] not in online:
                    continue
                online.pop(ev["user"], None)
            batch.append(ev)
        batch.sort(key=lambda e: e["ts"])
        if any(lo <= second < hi for lo, hi in silences):
            continue  # the feed is silent: nothing reaches livecrew
        yield from batch
    end = start_ms + end_s * 1000
    if current is not None:
        yield event("explain", end, product=current["id"], action="stop")
    yield event("live_end", end)
    # Refunds trickle in after the broadcast.
    for _ts, _, ev in sorted(pending):
        if ev["type"] == "refund":
            yield ev


def _comment(rng: random.Random, product: dict[str, Any]) -> str:
    intent = rng.choices(
        [phrases.QUESTIONS, phrases.PURCHASES, phrases.PRAISE, phrases.COMPLAINTS, phrases.SPAM, phrases.CHATTER],
        weights=[34, 22, 18, 7, 2, 17],
    )[0]
    return rng.choice(intent).format(name=product["name"], code=product["code"])


def _buy(rng: random.Random, later: Any, event: Any, user: str, product: dict[str, Any], click_ts: int) -> None:
    order_id = f"o-{user}-{click_ts}"
    qty = rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
    amount = product["price"] * qty
    order_ts = click_ts + rng.randrange(2000, 20000)
    later(order_ts, event("order", order_ts, user=user, order=order_id, product=product["id"], qty=qty, amount=amount))
    if rng.random() < 0.86:
        pay_ts = order_ts + rng.randrange(3000, 60000)
        later(pay_ts, event("pay", pay_ts, user=user, order=order_id, amount=amount))
        if rng.random() < 0.04:
            refund_ts = pay_ts + rng.randrange(3_600_000, 3 * 86_400_000)
            later(refund_ts, event("refund", refund_ts, user=user, order=order_id, amount=amount))


def play(
    events: Iterator[dict[str, Any]], speed: float = 1.0, *, now_ms: int | None = None
) -> Iterator[tuple[float, dict[str, Any]]]:
    """(seconds to wait, event) pairs that replay a stream in real time (``speed`` x faster), re-timed to now."""
    first: int | None = None
    base = now_ms if now_ms is not None else int(time.time() * 1000)
    previous = 0
    for ev in events:
        if first is None:
            first = int(ev["ts"])
        offset = int(ev["ts"]) - first
        retimed = dict(ev, ts=base + offset)
        wait = 0.0 if speed <= 0 else max(0.0, (offset - previous) / 1000 / speed)
        previous = max(previous, offset)
        yield wait, retimed
