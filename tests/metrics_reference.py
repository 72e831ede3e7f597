"""A deliberately plain implementation of METRICS.md, written from the definitions, for comparison."""

from __future__ import annotations

import math
from typing import Any


def reference(events: list[dict[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    unique = []
    for e in events:
        if e["id"] not in seen:
            seen.add(e["id"])
            unique.append(e)
    ordered = [e for _, e in sorted(enumerate(unique), key=lambda p: (p[1]["ts"], p[0]))]
    starts = [e["ts"] for e in ordered if e["type"] == "live_start"]
    ends = [e["ts"] for e in ordered if e["type"] == "live_end"]
    start = min(starts) if starts else min(e["ts"] for e in ordered)
    end = max(ends) if ends else max(e["ts"] for e in ordered)
    inside = [e for e in ordered if e["type"] != "refund" and start <= e["ts"] <= end]
    audience = [e for e in inside if "user" in e]
    uv = {e["user"] for e in audience if e["type"] != "leave"}
    online: dict[str, int] = {}
    watch = 0
    peak = 0
    for e in inside:
        if e["type"] == "enter" and e["user"] not in online:
            online[e["user"]] = e["ts"]
            peak = max(peak, len(online))
        elif e["type"] == "leave" and e["user"] in online:
            watch += e["ts"] - online.pop(e["user"])
    watch += sum(end - t for t in online.values())
    paid: dict[str, dict[str, Any]] = {}
    order_info: dict[str, dict[str, Any]] = {}
    order_ids = set()
    for e in inside:
        if e["type"] == "order":
            order_ids.add(e["order"])
            order_info.setdefault(e["order"], e)
        if e["type"] == "pay":
            order_ids.add(e["order"])
            paid.setdefault(e["order"], e)
    gmv = sum(p["amount"] for p in paid.values())
    buyers = {p.get("user") or order_info.get(o, {}).get("user") for o, p in paid.items()}
    units = sum(p.get("qty") or order_info.get(o, {}).get("qty") or 1 for o, p in paid.items())
    refunds: dict[str, int] = {}
    unmatched = 0
    for e in unique:
        if e["type"] == "refund":
            if e["order"] in paid:
                refunds[e["order"]] = refunds.get(e["order"], 0) + e["amount"]
            else:
                unmatched += 1
    refund_amount = sum(min(total, paid[o]["amount"]) for o, total in refunds.items())
    interacting = {e["user"] for e in inside if e["type"] in ("comment", "like", "share", "follow", "gift")}
    followers = {e["user"] for e in inside if e["type"] == "follow"}
    clickers = {e["user"] for e in inside if e["type"] == "product_click"}
    pv = sum(1 for e in inside if e["type"] == "enter")
    n = max(1, math.ceil((end - start) / 60000))

    def div(a: float, b: float) -> float | None:
        return a / b if b else None

    minutes = []
    for m in range(n):
        lo, hi = start + 60000 * m, start + 60000 * (m + 1)

        def within(ts: int, lo: int = lo, hi: int = hi, m: int = m) -> bool:
            return lo <= ts < hi or (m == n - 1 and ts == end)

        state: dict[str, bool] = {}
        leaves = 0
        for e in inside:
            if e["ts"] >= hi and not (m == n - 1 and e["ts"] == end):
                break
            if e["type"] == "enter":
                state[e["user"]] = True
            elif e["type"] == "leave":
                if state.get(e["user"]) and within(e["ts"]):
                    leaves += 1
                state[e["user"]] = False
        minutes.append(
            {
                "minute": m,
                "enters": sum(1 for e in inside if e["type"] == "enter" and within(e["ts"])),
                "leaves": leaves,
                "online_end": sum(1 for v in state.values() if v),
                "comments": sum(1 for e in inside if e["type"] == "comment" and within(e["ts"])),
                "paid_orders": sum(1 for p in paid.values() if within(p["ts"])),
                "gmv": sum(p["amount"] for p in paid.values() if within(p["ts"])),
            }
        )
    duration_s = (end - start) / 1000
    return {
        "pv": pv,
        "uv": len(uv),
        "peak_online": peak,
        "watch_seconds": watch / 1000,
        "avg_online": div(watch / 1000, duration_s),
        "comments": sum(1 for e in inside if e["type"] == "comment"),
        "likes": sum(e.get("count", 1) for e in inside if e["type"] == "like"),
        "new_followers": len(followers),
        "interacting_users": len(interacting),
        "orders": len(order_ids),
        "paid_orders": len(paid),
        "units": units,
        "buyers": len(buyers),
        "gmv": gmv,
        "refund_amount": refund_amount,
        "refunded_orders": len(refunds),
        "unmatched_refunds": unmatched,
        "conversion_rate": div(len(buyers), len(uv)),
        "click_to_pay_rate": div(len(buyers), len(clickers)),
        "minutes": minutes,
    }
