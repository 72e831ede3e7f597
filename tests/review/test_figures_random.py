"""The review's figures on generated streams against a plain reading of docs/metrics.md (and METRICS.md's reference)."""

from __future__ import annotations

import json
import math
import random
from typing import Any

from livecrew.live import public as live
from livecrew.live.engine import SessionEngine
from livecrew.live.events import iter_records
from livecrew.review import figures
from metrics_reference import reference

MIN = 60_000
SOURCES = ["recommend", "follow", "search", "ads", None]
KINDS = ["enter", "enter", "leave", "comment", "follow", "product_view", "product_click", "order", "pay", "refund",
         "ad_spend", "explain"]  # fmt: skip


def stream(rng: random.Random, n: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if rng.random() < 0.8:
        events.append({"id": "start", "type": "live_start", "ts": rng.randrange(0, 3 * MIN)})
    for i in range(n):
        kind = rng.choice(KINDS)
        e: dict[str, Any] = {"id": f"e{i}", "type": kind, "ts": rng.randrange(0, 35 * MIN)}
        if kind == "ad_spend":
            e["amount"] = rng.randrange(0, 900)
        elif kind == "explain":
            e.update(product=f"p{rng.randrange(3)}", action=rng.choice(["start", "stop"]))
        else:
            e["user"] = f"u{rng.randrange(10)}"
        if kind == "enter" and (source := rng.choice(SOURCES)):
            e["source"] = source
        if kind == "comment":
            e["text"] = "?"
        if kind in ("product_view", "product_click"):
            e["product"] = f"p{rng.randrange(3)}"
        if kind == "order":
            e.update(order=f"o{rng.randrange(6)}", product=f"p{rng.randrange(3)}", qty=rng.randrange(1, 3),
                     amount=rng.randrange(100, 900))  # fmt: skip
        if kind == "pay":
            e.update(order=f"o{rng.randrange(6)}", amount=rng.randrange(100, 900))
        if kind == "refund":
            e.update(order=f"o{rng.randrange(6)}", amount=rng.randrange(1, 900))
        events.append(e)
    if rng.random() < 0.7:
        events.append({"id": "end", "type": "live_end", "ts": rng.randrange(22 * MIN, 36 * MIN)})
    if rng.random() < 0.3:
        events.append(dict(events[rng.randrange(len(events))]))
    for e in events:
        e["session"] = "s"
    return events


def plain(events: list[dict[str, Any]]) -> dict[str, Any]:
    """docs/metrics.md read literally: orderers, slots, and viewers / buyers / GMV by source."""
    seen: set[str] = set()
    unique = [e for e in events if not (e["id"] in seen or seen.add(e["id"]))]  # type: ignore[func-returns-value]
    ordered = [e for _, e in sorted(enumerate(unique), key=lambda p: (p[1]["ts"], p[0]))]
    starts = [e["ts"] for e in ordered if e["type"] == "live_start"]
    ends = [e["ts"] for e in ordered if e["type"] == "live_end"]
    start = min(starts) if starts else min(e["ts"] for e in ordered)
    end = max(ends) if ends else max(e["ts"] for e in ordered)
    inside = [e for e in ordered if e["type"] != "refund" and start <= e["ts"] <= end]
    n_slots = max(1, math.ceil((end - start) / 600_000))

    def slot(ts: int) -> int:
        return min((ts - start) // 600_000, n_slots - 1)

    spend = [0] * n_slots
    gmv = [0] * n_slots
    source: dict[str, str] = {}
    first_pay: dict[str, dict[str, Any]] = {}
    for e in inside:
        if e["type"] == "ad_spend":
            spend[slot(e["ts"])] += e["amount"]
        if e["type"] == "enter" and e["user"] not in source:
            source[e["user"]] = e.get("source") or "unknown"
        if e["type"] == "pay" and e["order"] not in first_pay:
            first_pay[e["order"]] = e
    uv = {e["user"] for e in inside if "user" in e and e["type"] != "leave"}
    viewers: dict[str, int] = {}
    for user in uv:
        viewers[source.get(user, "unknown")] = viewers.get(source.get(user, "unknown"), 0) + 1
    buyers: dict[str, set[str]] = {}
    by_source_gmv: dict[str, int] = {}
    for pay in first_pay.values():
        gmv[slot(pay["ts"])] += pay["amount"]
        name = source.get(pay["user"], "unknown")
        buyers.setdefault(name, set()).add(pay["user"])
        by_source_gmv[name] = by_source_gmv.get(name, 0) + pay["amount"]
    return {
        "orderers": len({e["user"] for e in inside if e["type"] == "order"}),
        "slots": list(zip(spend, gmv, strict=True)),
        "sources": {
            k: (viewers.get(k, 0), len(buyers.get(k, ())), by_source_gmv.get(k, 0)) for k in set(viewers) | set(buyers)
        },
    }


def test_review_figures_match_the_definitions_on_random_streams() -> None:
    rng = random.Random(20261206)
    for _ in range(150):
        events = stream(rng, rng.randrange(1, 70))
        shuffled = list(events)
        if rng.random() < 0.5:
            rng.shuffle(shuffled)  # arrival order must not matter (the engine replays late rows)
        engine = SessionEngine("s")
        engine.feed_many(iter_records("\n".join(json.dumps(e) for e in shuffled).encode(), []))
        snapshot = engine.snapshot()
        got = figures.build(snapshot, live.engine_log(engine))
        for key, value in reference(events).items():
            assert snapshot[key] == value, (key, events)
        want = plain(events)
        assert got["funnel"][3]["users"] == want["orderers"], events
        assert [(s["spend"], s["gmv"]) for s in got["ad_slots"]["slots"]] == want["slots"], events
        sources = {s["source"]: (s["viewers"], s["buyers"], s["gmv"]) for s in got["traffic"]["sources"]}
        assert sources == want["sources"], events
        extras = engine.review_extras()  # the engine's own reading of the same columns
        assert {k: v[0] for k, v in sources.items() if v[0]} == extras["traffic"], events
        assert got["retention"] == extras["retention"], events
        for group in ("viewers", "buyers"):
            assert {k: v for k, v in got["persona"][group].items() if k != "follower"} == extras["persona"][group]
