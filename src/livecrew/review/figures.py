"""The review's figures of one show (docs/metrics.md), from the live engine: pure, no database.

The engine gives the METRICS.md snapshot; what it does not hold (orderers, viewers, buyers and GMV by source,
persona splits, retention, ad spend by slot, the explain and shelf markers) is read from the engine's compact
column log and per-user columns with numpy, without decoding the events again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, MutableSequence
from typing import Any

import numpy as np
import numpy.typing as npt

SLOT_MS = 600_000
MINUTE_MS = 60_000
DROPS = 5
PAID_SOURCES = frozenset({"ads"})
PERSONA_FIELDS = ("gender", "age_band", "region")
RETENTION_MINUTES = (1, 3, 5, 10, 30, 60)


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or not den:
        return None
    return num / den


def _np(column: MutableSequence[int] | list[int]) -> npt.NDArray[np.int64]:
    """An engine column as an int64 array (packed ``array`` columns are read without a copy first)."""
    from array import array

    if isinstance(column, array):
        raw = np.frombuffer(column, dtype=np.int32 if column.typecode == "i" else np.int64)
        return raw.astype(np.int64)
    return np.asarray(column, dtype=np.int64)


def _source_name(names: tuple[str, ...], code: int) -> str:
    return names[code - 1] if code else "unknown"


class LogView:
    """The in-window rows of an engine log (``live.public.engine_log``) as numpy columns."""

    def __init__(self, log: dict[str, Any]) -> None:
        self.log = log
        window = log["window"]
        self.start: int = window[0] if window else 0
        self.end: int = window[1] if window else 0
        ts = _np(log["ts"]) + int(log["base"])
        uk = _np(log["uk"])
        a = _np(log["a"])
        b = _np(log["b"])
        n = min(len(ts), len(uk), len(a), len(b))
        ts, uk, a, b = ts[:n], uk[:n], a[:n], b[:n]
        if log["rows"] is not None:  # some rows arrived late: take the replay order
            order = np.asarray(log["rows"], dtype=np.int64)
            ts, uk, a, b = ts[order], uk[order], a[order], b[order]
        keep = (ts >= self.start) & (ts <= self.end) if window else np.zeros(n, dtype=bool)
        self.ts, self.kind, self.user, self.a = ts[keep], uk[keep] & 31, uk[keep] >> 5, a[keep]
        b = b[keep]
        big = log["big"]
        if big and (b < 0).any():
            b = b.copy()
            neg = b < 0
            b[neg] = [big[-1 - int(v)] for v in b[neg]]
        self.b = b
        self.kinds: dict[str, int] = log["kinds"]

    def of(self, kind: str) -> npt.NDArray[np.bool_]:
        mask: npt.NDArray[np.bool_] = self.kind == self.kinds[kind]
        return mask


def slot_count(start: int, end: int) -> int:
    return max(1, math.ceil((end - start) / SLOT_MS))


def paid_orders(log: dict[str, Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per paid order (METRICS.md): the paying user number, the paid amount and the pay's ts."""
    paid = _np(log["paid"])
    if not len(paid):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pay_rows = _np(log["o_pay"])[paid]
    users = _np(log["deal_user"])[pay_rows]
    amounts = _np(log["deal_amount"])[pay_rows]
    pay_ts = _np(log["o_pay_ts"])[paid]
    return users, amounts, pay_ts


def funnel(snapshot: dict[str, Any], orderers: int) -> list[dict[str, Any]]:
    stages = [
        ("viewers", snapshot["uv"]),
        ("product_viewers", snapshot["product_view_users"]),
        ("product_clickers", snapshot["product_click_users"]),
        ("orderers", orderers),
        ("buyers", snapshot["buyers"]),
    ]
    out = []
    previous: int | None = None
    top = stages[0][1]
    for key, value in stages:
        out.append(
            {
                "stage": key,
                "users": value,
                "rate_from_previous": ratio(value, previous) if previous is not None else None,
                "rate_from_top": ratio(value, top),
            }
        )
        previous = value
    return out


class Users:
    """The engine's per-user columns as numpy arrays (user number = index)."""

    def __init__(self, log: dict[str, Any]) -> None:
        n = log["n_users"]
        self.flags = _np(log["flags"])[:n]
        self.source = _np(log["source"])[:n]
        self.profile = _np(log["profile"])[:n]
        self.bits: dict[str, int] = log["flag_bits"]
        self.names: tuple[str, ...] = tuple(log["source_names"])
        self.profiles: list[tuple[Any, Any, Any]] = log["profiles"]
        self.viewers = np.nonzero((self.flags & self.bits["uv"]) != 0)[0]
        self.log = log

    def by_source(self, users: npt.NDArray[np.int64]) -> dict[str, int]:
        counts = np.bincount(self.source[users], minlength=len(self.names) + 1)
        out: dict[str, int] = {}
        for code, n in enumerate(counts.tolist()):
            if n:  # code 0 (no enter) and the enter's own "unknown" are one row
                name = _source_name(self.names, code)
                out[name] = out.get(name, 0) + n
        return out

    def split(self, users: npt.NDArray[np.int64]) -> dict[str, dict[str, int]]:
        """Users per value of each profile field (their first enter's profile; ``unknown`` without one)."""
        counts = np.bincount(self.profile[users], minlength=len(self.profiles) + 1).tolist()
        out: dict[str, dict[str, int]] = {}
        for number, n in enumerate(counts):
            if not n:
                continue
            values = self.profiles[number - 1] if number else (None, None, None)
            for key, raw in zip(PERSONA_FIELDS, values, strict=True):
                bucket = out.setdefault(key, {})
                value = str(raw or "unknown")
                bucket[value] = bucket.get(value, 0) + n
        return out

    def retention(self, end: int) -> dict[str, float]:
        """Share of viewers whose total time online is at least N minutes (open spells end at ``end``)."""
        online = (self.flags & self.bits["online"]) != 0
        ever = online | ((self.flags & self.bits["watched"]) != 0)
        n = len(self.flags)
        watch = _np(self.log["watch"])[:n]
        entered = _np(self.log["entered"])[:n]
        spans = np.where(online, watch + end - entered, watch)[ever]
        viewers = len(self.viewers) or 1
        return {str(m): int((spans >= m * MINUTE_MS).sum()) / viewers for m in RETENTION_MINUTES}


def traffic(users_of: Users, users: npt.NDArray[np.int64], amounts: Any) -> dict[str, Any]:
    names = users_of.names
    source = users_of.source
    viewers = users_of.by_source(users_of.viewers)
    buyers: dict[str, set[int]] = {}
    gmv: dict[str, int] = {}
    for user, amount in zip(users.tolist(), amounts.tolist(), strict=True):
        name = _source_name(names, int(source[user]) if user < len(source) else 0)
        buyers.setdefault(name, set()).add(user)
        gmv[name] = gmv.get(name, 0) + amount

    def row(key: str, n_viewers: int, n_buyers: int, money: int) -> dict[str, Any]:
        return {
            "source": key,
            "viewers": n_viewers,
            "buyers": n_buyers,
            "gmv": money,
            "gmv_per_thousand_viewers": ratio(money * 1000, n_viewers),
            "conversion_rate": ratio(n_buyers, n_viewers),
        }

    keys = sorted(set(viewers) | set(buyers), key=lambda k: (-viewers.get(k, 0), k))
    rows = [row(k, viewers.get(k, 0), len(buyers.get(k, ())), gmv.get(k, 0)) for k in keys]
    groups = []
    for group, paid in (("paid", True), ("organic", False)):
        members = [k for k in keys if (k in PAID_SOURCES) == paid]
        people: set[int] = set()
        for k in members:
            people |= buyers.get(k, set())
        groups.append(
            row(group, sum(viewers.get(k, 0) for k in members), len(people), sum(gmv.get(k, 0) for k in members))
        )
    return {"sources": rows, "paid_vs_organic": groups}


def ad_slots(view: LogView, amounts: Any, pay_ts: Any, snapshot: dict[str, Any]) -> dict[str, Any]:
    start, end = view.start, view.end
    n = slot_count(start, end)
    spend = np.zeros(n, dtype=np.int64)
    mask = view.of("ad_spend")
    if mask.any():
        slots = np.minimum((view.ts[mask] - start) // SLOT_MS, n - 1)
        np.add.at(spend, slots, view.b[mask])
    gmv = np.zeros(n, dtype=np.int64)
    if len(pay_ts):
        slots = np.clip((pay_ts - start) // SLOT_MS, 0, n - 1)
        np.add.at(gmv, slots, amounts)
    rows = [
        {
            "slot": k,
            "from_minute": k * 10,
            "to_minute": k * 10 + 10,
            "spend": int(spend[k]),
            "gmv": int(gmv[k]),
            "roi": ratio(int(gmv[k]), int(spend[k])),
        }
        for k in range(n)
    ]
    return {"slots": rows, "spend": snapshot["ad_spend"], "gmv": snapshot["gmv"], "roi": snapshot["roi"]}


def event_markers(view: LogView, products: list[str]) -> list[dict[str, Any]]:
    mask = view.of("explain") | view.of("shelf")
    out = []
    explain = view.kinds["explain"]
    for ts, kind, a, b in zip(
        view.ts[mask].tolist(), view.kind[mask].tolist(), view.a[mask].tolist(), view.b[mask].tolist(), strict=True
    ):
        if kind == explain:
            what, action = "explain", "start" if b else "stop"
        else:
            what, action = "shelf", "on" if b else "off"
        out.append(
            {
                "ts": ts,
                "minute": minute_of(ts, view.start, view.end),
                "kind": what,
                "action": action,
                "product": products[a],
            }
        )
    return out


def minute_of(ts: int, start: int, end: int) -> int:
    last = max(1, math.ceil((end - start) / MINUTE_MS)) - 1
    return int(min(max((ts - start) // MINUTE_MS, 0), last))


def explaining_at(markers: list[dict[str, Any]], ts: int) -> str | None:
    """The product being explained at ``ts``: the last explain start before it not stopped since."""
    current: str | None = None
    for m in markers:
        if m["ts"] >= ts:
            break
        if m["kind"] != "explain":
            continue
        if m["action"] == "start":
            current = m["product"]
        elif m["product"] == current:
            current = None
    return current


def drops(minutes: list[dict[str, Any]], markers: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    changes = []
    before = 0
    for m in minutes:
        changes.append((m["online_end"] - before, m["minute"], before))
        before = m["online_end"]
    worst = sorted((c for c in changes if c[0] < 0), key=lambda c: (c[0], c[1]))[:DROPS]
    out = []
    for change, minute, online_before in worst:
        previous = minutes[minute - 1] if minute > 0 else None
        out.append(
            {
                "minute": minute,
                "change": change,
                "online_before": online_before,
                "share": ratio(-change, online_before),
                "markers": [m for m in markers if m["minute"] in (minute - 1, minute)],
                "explaining": explaining_at(markers, start + minute * MINUTE_MS),
                "comments_before": previous["comments"] if previous else None,
                "gmv_before": previous["gmv"] if previous else None,
            }
        )
    return out


def products(
    snapshot: dict[str, Any], lineup: list[dict[str, Any]], rule: dict[str, int] | None
) -> list[dict[str, Any]]:
    by_ref: dict[str, dict[str, Any]] = {}
    for item in lineup:
        by_ref.setdefault(item["sku"], item)
        if item.get("platform_ref"):
            by_ref.setdefault(item["platform_ref"], item)
    out = []
    seen_lineup: set[str] = set()
    for ref, p in snapshot["products"].items():
        match = by_ref.get(ref)
        row = {"product": ref, **p}
        row["title"] = match["title"] if match is not None else ""
        row["code"] = match["code"] if match is not None else ""
        row["in_lineup"] = match is not None
        row["gmv_per_explain_minute"] = ratio(p["gmv"], p["explain_seconds"] / 60) if p["explain_seconds"] else None
        row["refund_rate"] = ratio(p["refund_amount"], p["gmv"])
        stock_left = match["stock_left"] if match else None
        row["stock_left"] = stock_left
        row["sell_through"] = ratio(p["units"], p["units"] + stock_left) if stock_left is not None else None
        reasons: list[dict[str, Any]] = []
        if match is not None and rule is not None:
            seen_lineup.add(match["sku"])
            reasons = replacement_reasons(p["views"], p["buyers"], p["gmv"], p["refund_amount"], rule)
        row["replace"] = bool(reasons)
        row["replace_reasons"] = reasons
        out.append(row)
    for item in lineup:  # lineup products nobody saw: still rows of the table
        if item["sku"] in seen_lineup or any(r["product"] in (item["sku"], item.get("platform_ref")) for r in out):
            continue
        empty = {k: 0 for k in ("views", "clicks", "paid_orders", "units", "buyers", "gmv", "refund_amount")}
        row = {"product": item["sku"], **empty, "click_rate": None, "conversion_rate": None}
        row.update(explain_seconds=0.0, explain_count=0, title=item["title"], code=item["code"], in_lineup=True)
        row.update(gmv_per_explain_minute=None, refund_rate=None, stock_left=item["stock_left"])
        row["sell_through"] = ratio(0, item["stock_left"])
        reasons = replacement_reasons(0, 0, 0, 0, rule) if rule else []
        row.update(replace=bool(reasons), replace_reasons=reasons)
        out.append(row)
    return sorted(out, key=lambda r: (-r["gmv"], r["product"]))


def replacement_reasons(views: int, buyers: int, gmv: int, refunds: int, rule: dict[str, int]) -> list[dict[str, Any]]:
    """The goods feature's replacement thresholds applied to the review's figures (basis points, as goods)."""
    reasons: list[dict[str, Any]] = []
    if gmv and refunds * 10_000 // gmv > rule["return_rate_flag_bp"]:
        reasons.append(
            {"key": "return_rate", "value": refunds / gmv, "threshold": rule["return_rate_flag_bp"] / 10_000}
        )
    if views and buyers * 10_000 // views < rule["conversion_flag_bp"]:
        reasons.append({"key": "conversion", "value": buyers / views, "threshold": rule["conversion_flag_bp"] / 10_000})
    return reasons


def persona(users_of: Users, buyer_users: Iterable[int]) -> dict[str, Any]:
    flags, source, bits = users_of.flags, users_of.source, users_of.bits
    follow_code = list(users_of.names).index("follow") + 1

    def follower_split(users: npt.NDArray[np.int64]) -> dict[str, int]:
        f = flags[users]
        new = (f & bits["follower"]) != 0
        came = (~new) & (source[users] == follow_code)
        return {"new_follower": int(new.sum()), "came_from_follow": int(came.sum()), "other": int((~new & ~came).sum())}

    viewers = users_of.viewers
    buyers = np.unique(np.fromiter(buyer_users, dtype=np.int64))
    out: dict[str, Any] = {"viewers": users_of.split(viewers), "buyers": users_of.split(buyers)}
    out["viewers"]["follower"] = follower_split(viewers)
    out["buyers"]["follower"] = follower_split(buyers)
    carried = any(value != "unknown" for key in PERSONA_FIELDS for value in out["viewers"].get(key, {}))
    out["has_profiles"] = carried
    return out


def comments(
    texts: list[tuple[int, str, str]],
    labels: dict[str, tuple[str, str | None]],
    cards: Any,
    answered: list[dict[str, Any]],
    markers: list[dict[str, Any]],
    start: int,
    end: int,
    host_hits: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """Comments by label, top questions (cue cards, answered or not), complaint topics per product, compliance
    hits in the host's lines. ``cards`` is ``text.public.question_cards``."""
    by_label: dict[str, int] = {}
    questions: list[tuple[str, str | None, str | None, int]] = []
    complaints: dict[tuple[str, str], int] = {}
    explain = [m for m in markers if m["kind"] == "explain"]
    pointer = 0
    current: str | None = None
    hits: list[dict[str, Any]] = []
    for ts, kind, text in sorted((t for t in texts if start <= t[0] <= end), key=lambda t: t[0]):
        while pointer < len(explain) and explain[pointer]["ts"] < ts:
            m = explain[pointer]
            if m["action"] == "start":
                current = m["product"]
            elif m["product"] == current:
                current = None
            pointer += 1
        if kind == "speech":
            for hit in host_hits.get(text, ()):
                hits.append({**hit, "minute": minute_of(ts, start, end), "text": text})
            continue
        label, topic = labels.get(text, ("other", None))
        by_label[label] = by_label.get(label, 0) + 1
        if label == "question":
            questions.append((text, topic, current, ts))
        elif label == "complaint":
            key = (current or "-", topic or "other")
            complaints[key] = complaints.get(key, 0) + 1
    every = cards(questions) if questions else []
    done = {(c["topic"], c["product"]) for c in answered}
    known = bool(answered)
    for card in every:
        card["answered"] = True if (card["topic"], card["product"]) in done else (False if known else None)
    top = every[:10]
    return {
        "total": sum(by_label.values()),
        "by_label": dict(sorted(by_label.items(), key=lambda kv: -kv[1])),
        "top_questions": top,
        "question_cards": len(every),
        "answered_cards": sum(1 for c in every if c["answered"]),
        "answers_known": known,
        "complaints": [
            {"product": p, "topic": t, "count": n}
            for (p, t), n in sorted(complaints.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "compliance_hits": hits,
    }


def build(
    snapshot: dict[str, Any],
    log: dict[str, Any],
    *,
    lineup: list[dict[str, Any]] | None = None,
    rule: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The engine-derived figures of the review: funnel, traffic, ad slots, markers, drops, products, persona."""
    view = LogView(log)
    users, amounts, pay_ts = paid_orders(log)
    orderers = len(np.unique(view.user[view.of("order")]))
    marks = event_markers(view, log["products"])
    users_of = Users(log)
    return {
        "funnel": funnel(snapshot, orderers),
        "traffic": traffic(users_of, users, amounts),
        "ad_slots": ad_slots(view, amounts, pay_ts, snapshot),
        "markers": marks,
        "drops": drops(snapshot["minutes"], marks, view.start),
        "products": products(snapshot, lineup or [], rule),
        "persona": persona(users_of, users.tolist()),
        "retention": users_of.retention(view.end),
    }
