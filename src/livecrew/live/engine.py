"""The metrics engine: METRICS.md, computed incrementally, one ``apply(event)`` at a time, no I/O.

How order is handled. Events are taken in ``ts`` order (equal ``ts`` keep arrival order). Live feeds
arrive almost in order, so the engine applies each event as it comes (O(1) amortised). When an event
arrives that changes the meaning of what was already applied — an order-sensitive event (enter,
leave, explain, order, pay) older than the newest applied one, a first ``live_start`` after other
events, a later ``live_end`` after events were left outside the window — the engine marks itself
stale and, on the next ``snapshot()``, replays its accepted events sorted by (ts, arrival) through the
same code path. Duplicates (same ``id``) are dropped at ``apply`` (first wins), so replaying the log
into an engine that already holds some of it is harmless.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from livecrew.live.events import Event

ORDER_SENSITIVE = frozenset({"enter", "leave", "explain", "order", "pay", "live_end"})
DELTA_MINUTES = 5


_NO_RAW: dict[str, Any] = {}


def _slim(e: Event) -> Event:
    """What a rebuild needs of an event: everything but the raw object and the text."""
    return Event(
        e.id,
        e.type,
        e.ts,
        e.session,
        _NO_RAW,
        e.index,
        e.user,
        None,
        e.count,
        e.product,
        e.order,
        e.qty,
        e.amount,
        e.value,
        e.action,
        e.source,
        e.profile,
    )


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


@dataclass(slots=True)
class _Order:
    in_window: bool = False
    order_user: str | None = None
    order_product: str | None = None
    order_qty: int | None = None
    paid: bool = False
    pay_amount: int = 0
    pay_user: str | None = None
    pay_product: str | None = None
    pay_qty: int | None = None
    pay_ts: int = 0


@dataclass(slots=True)
class _Product:
    views: set[str] = field(default_factory=set)
    clicks: set[str] = field(default_factory=set)
    explain_ms: int = 0
    explain_count: int = 0
    explain_open: int | None = None


class _State:
    """Everything derived from the events applied so far (reset on a rebuild)."""

    def __init__(self) -> None:
        self.applied = 0
        self.min_ts: int | None = None
        self.max_ts: int | None = None
        self.pv = self.comments = self.likes = self.shares = self.gift_value = self.ad_spend = 0
        self.uv: set[str] = set()
        self.commenters: set[str] = set()
        self.followers: set[str] = set()
        self.interacting: set[str] = set()
        self.view_users: set[str] = set()
        self.click_users: set[str] = set()
        self.online: dict[str, int] = {}
        self.online_ts_sum = 0
        self.closed_ms = 0
        self.peak = 0
        self.buckets: dict[int, list[int]] = {}  # minute -> [enters, leaves, comments]
        self.online_end: list[int] = []  # online users at the end of each finished minute
        self.uv_at_minute: list[int] = []
        self.cur_minute = 0
        self.products: dict[str, _Product] = {}
        self.orders: dict[str, _Order] = {}
        self.explaining: str | None = None
        self.shelf: dict[str, bool] = {}
        self.platform_online: int | None = None
        self.watch_by_user: dict[str, int] = {}
        self.first_source: dict[str, str] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.skipped_after_end = 0


class SessionEngine:
    """Metrics of one live session."""

    def __init__(self, session: str = "") -> None:
        self.session = session
        self._seen: set[str] = set()
        self._events: list[Event] = []
        self._refunds: dict[str, list[int]] = {}  # order -> [total amount, events]; refunds count whenever
        self._first_start: int | None = None  # ts of the earliest live_start
        self._last_end: int | None = None  # ts of the latest live_end
        self._all_min: int | None = None
        self._all_max: int | None = None
        self._stale = False
        self._s = _State()

    # ------------------------------------------------------------------ feeding

    def apply(self, event: Event) -> bool:
        """Take one event. False when it is a duplicate (same id as one already taken)."""
        if event.id in self._seen:
            return False
        self._seen.add(event.id)
        self._events.append(_slim(event))
        ts = event.ts
        self._all_min = ts if self._all_min is None else min(self._all_min, ts)
        self._all_max = ts if self._all_max is None else max(self._all_max, ts)
        if event.type == "refund":
            total = self._refunds.setdefault(event.order or "", [0, 0])
            total[0] += event.amount
            total[1] += 1
            return True
        s = self._s
        if event.type == "live_start":
            if self._first_start is None:
                if s.applied and s.min_ts != ts:
                    self._stale = True
            elif ts < self._first_start:
                self._stale = True
            self._first_start = ts if self._first_start is None else min(self._first_start, ts)
        elif event.type == "live_end":
            if self._last_end is not None and ts > self._last_end and s.skipped_after_end:
                self._stale = True
            self._last_end = ts if self._last_end is None else max(self._last_end, ts)
        if self._stale:
            return True
        start = self._start_incremental()
        if start is not None and ts < start:
            if self._first_start is None:
                self._stale = True  # an earlier first event moves the window's start
            return True  # before live_start: outside the window
        if s.max_ts is not None and ts < s.max_ts and event.type in ORDER_SENSITIVE:
            self._stale = True
            return True
        if self._last_end is not None and ts > self._last_end:
            s.skipped_after_end += 1
            return True
        self._take(event, start if start is not None else ts)
        return True

    def _start_incremental(self) -> int | None:
        if self._first_start is not None:
            return self._first_start
        return self._s.min_ts

    def _advance(self, minute: int) -> None:
        s = self._s
        while s.cur_minute < minute:
            s.online_end.append(len(s.online))
            s.uv_at_minute.append(len(s.uv))
            s.cur_minute += 1

    def _take(self, e: Event, start: int) -> None:
        """Apply an in-window event, in ts order."""
        s = self._s
        ts = e.ts
        s.applied += 1
        s.min_ts = ts if s.min_ts is None else min(s.min_ts, ts)
        s.max_ts = ts if s.max_ts is None else max(s.max_ts, ts)
        minute = (ts - start) // 60000
        self._advance(minute)
        kind = e.type
        user = e.user
        if user is not None and kind != "leave" and user not in s.uv:
            s.uv.add(user)
            # An older event that is safe to apply late (not order-sensitive) still counts in the minutes
            # already closed after it, so delta_5m's UV is the same whatever order events arrive in.
            for closed in range(max(0, minute), len(s.uv_at_minute)):
                s.uv_at_minute[closed] += 1
        if kind == "enter":
            assert user is not None
            s.pv += 1
            self._bucket(minute)[0] += 1
            if user not in s.online:
                s.online[user] = ts
                s.online_ts_sum += ts
                if len(s.online) > s.peak:
                    s.peak = len(s.online)
            if user not in s.first_source:
                s.first_source[user] = e.source or "unknown"
            if e.profile and user not in s.profiles:
                s.profiles[user] = e.profile
        elif kind == "leave":
            assert user is not None
            entered = s.online.pop(user, None)
            if entered is not None:
                s.online_ts_sum -= entered
                s.closed_ms += ts - entered
                s.watch_by_user[user] = s.watch_by_user.get(user, 0) + ts - entered
                self._bucket(minute)[1] += 1
        elif kind == "comment":
            assert user is not None
            s.comments += 1
            s.commenters.add(user)
            s.interacting.add(user)
            self._bucket(minute)[2] += 1
        elif kind == "like":
            assert user is not None
            s.likes += e.count
            s.interacting.add(user)
        elif kind == "share":
            assert user is not None
            s.shares += 1
            s.interacting.add(user)
        elif kind == "follow":
            assert user is not None
            s.followers.add(user)
            s.interacting.add(user)
        elif kind == "gift":
            assert user is not None
            s.gift_value += e.value
            s.interacting.add(user)
        elif kind == "product_view":
            assert user is not None and e.product is not None
            s.view_users.add(user)
            self._product(e.product).views.add(user)
        elif kind == "product_click":
            assert user is not None and e.product is not None
            s.click_users.add(user)
            self._product(e.product).clicks.add(user)
        elif kind == "order":
            rec = s.orders.setdefault(e.order or "", _Order())
            rec.in_window = True
            if rec.order_product is None:
                rec.order_user, rec.order_product, rec.order_qty = user, e.product, e.qty
        elif kind == "pay":
            rec = s.orders.setdefault(e.order or "", _Order())
            rec.in_window = True
            if not rec.paid:
                rec.paid = True
                rec.pay_amount, rec.pay_user, rec.pay_product, rec.pay_qty, rec.pay_ts = (
                    e.amount,
                    user,
                    e.product,
                    e.qty,
                    ts,
                )
        elif kind == "explain":
            assert e.product is not None
            product = self._product(e.product)
            if e.action == "start":
                product.explain_count += 1
                if product.explain_open is None:
                    product.explain_open = ts
                s.explaining = e.product
            else:
                if product.explain_open is not None:
                    product.explain_ms += ts - product.explain_open
                    product.explain_open = None
                if s.explaining == e.product:
                    s.explaining = None
        elif kind == "shelf":
            assert e.product is not None
            s.shelf[e.product] = e.action == "on"
        elif kind == "ad_spend":
            s.ad_spend += e.amount
        elif kind == "online":
            s.platform_online = e.count

    def _bucket(self, minute: int) -> list[int]:
        bucket = self._s.buckets.get(minute)
        if bucket is None:
            bucket = self._s.buckets[minute] = [0, 0, 0]
        return bucket

    def _product(self, pid: str) -> _Product:
        product = self._s.products.get(pid)
        if product is None:
            product = self._s.products[pid] = _Product()
        return product

    def _rebuild(self) -> None:
        """Replay every accepted event in (ts, arrival) order with the window known in advance."""
        self._s = _State()
        self._stale = False
        if not self._events:
            return
        starts = [e.ts for e in self._events if e.type == "live_start"]
        ends = [e.ts for e in self._events if e.type == "live_end"]
        start = min(starts) if starts else min(e.ts for e in self._events)
        end = max(ends) if ends else None
        ordered = sorted(range(len(self._events)), key=lambda i: (self._events[i].ts, i))
        for i in ordered:
            e = self._events[i]
            if e.type == "refund" or e.ts < start:
                continue
            if end is not None and e.ts > end:
                self._s.skipped_after_end += 1
                continue
            self._take(e, start)

    # ------------------------------------------------------------------ reading

    def window(self) -> tuple[int, int] | None:
        if self._stale:
            self._rebuild()
        if self._all_min is None:
            return None
        start = self._first_start if self._first_start is not None else self._all_min
        end = self._last_end if self._last_end is not None else self._all_max
        assert end is not None
        return start, max(start, end)

    def current_online(self) -> int:
        if self._stale:
            self._rebuild()
        return len(self._s.online)

    @property
    def explaining(self) -> str | None:
        if self._stale:
            self._rebuild()
        return self._s.explaining

    def snapshot(self) -> dict[str, Any]:
        """The METRICS.md object for this session (plus ``online``, ``explaining`` and ``delta_5m``)."""
        win = self.window()
        s = self._s
        start, end = win if win else (0, 0)
        duration_ms = end - start
        watch_ms = s.closed_ms + (len(s.online) * end - s.online_ts_sum)
        uv = len(s.uv)
        n_minutes = max(1, math.ceil(duration_ms / 60000))
        paid = {oid: rec for oid, rec in s.orders.items() if rec.paid}
        buyers: set[str] = set()
        units = gmv = 0
        per_product: dict[str, dict[str, Any]] = {}
        minute_paid = [0] * n_minutes
        minute_gmv = [0] * n_minutes

        def product_row(pid: str) -> dict[str, Any]:
            row = per_product.get(pid)
            if row is None:
                row = per_product[pid] = {"paid_orders": 0, "units": 0, "buyers": set(), "gmv": 0, "refund_amount": 0}
            return row

        for rec in paid.values():
            qty = rec.pay_qty or rec.order_qty or 1
            who = rec.pay_user or rec.order_user
            units += qty
            gmv += rec.pay_amount
            if who:
                buyers.add(who)
            m = min(max((rec.pay_ts - start) // 60000, 0), n_minutes - 1)
            minute_paid[m] += 1
            minute_gmv[m] += rec.pay_amount
            pid = rec.pay_product or rec.order_product
            if pid is not None:
                row = product_row(pid)
                row["paid_orders"] += 1
                row["units"] += qty
                row["gmv"] += rec.pay_amount
                if who:
                    row["buyers"].add(who)
        refund_amount = refunded_orders = unmatched = 0
        for oid, (total, count) in self._refunds.items():
            refunded = paid.get(oid)
            if refunded is None:
                unmatched += count
                continue
            capped = min(total, refunded.pay_amount)
            refund_amount += capped
            refunded_orders += 1
            pid = refunded.pay_product or refunded.order_product
            if pid is not None:
                product_row(pid)["refund_amount"] += capped
        products: dict[str, dict[str, Any]] = {}
        for pid in sorted(set(s.products) | set(per_product)):
            p = s.products.get(pid) or _Product()
            row = product_row(pid)
            views, clicks, product_buyers = len(p.views), len(p.clicks), len(row["buyers"])
            explain_ms = p.explain_ms + (max(end - p.explain_open, 0) if p.explain_open is not None else 0)
            products[pid] = {
                "views": views,
                "clicks": clicks,
                "paid_orders": row["paid_orders"],
                "units": row["units"],
                "buyers": product_buyers,
                "gmv": row["gmv"],
                "refund_amount": row["refund_amount"],
                "click_rate": _ratio(clicks, views),
                "conversion_rate": _ratio(product_buyers, clicks),
                "explain_seconds": explain_ms / 1000,
                "explain_count": p.explain_count,
            }
        minutes = []
        for m in range(n_minutes):
            bucket = s.buckets.get(m, [0, 0, 0])
            if m == n_minutes - 1:  # an event at exactly `end` belongs to the last minute
                extra = s.buckets.get(n_minutes, [0, 0, 0])
                bucket = [bucket[0] + extra[0], bucket[1] + extra[1], bucket[2] + extra[2]]
            minutes.append(
                {
                    "minute": m,
                    "enters": bucket[0],
                    "leaves": bucket[1],
                    "online_end": s.online_end[m] if m < len(s.online_end) and m < n_minutes - 1 else len(s.online),
                    "comments": bucket[2],
                    "paid_orders": minute_paid[m],
                    "gmv": minute_gmv[m],
                }
            )
        buyers_n = len(buyers)
        watch_seconds = watch_ms / 1000
        duration_s = duration_ms / 1000
        snap: dict[str, Any] = {
            "session": self.session,
            "start": start if win else None,
            "end": end if win else None,
            "duration_s": duration_s,
            "pv": s.pv,
            "uv": uv,
            "peak_online": s.peak,
            "avg_online": _ratio(watch_seconds, duration_s),
            "watch_seconds": watch_seconds,
            "avg_watch_seconds": _ratio(watch_seconds, uv),
            "comments": s.comments,
            "commenters": len(s.commenters),
            "likes": s.likes,
            "shares": s.shares,
            "new_followers": len(s.followers),
            "interacting_users": len(s.interacting),
            "interaction_rate": _ratio(len(s.interacting), uv),
            "follow_rate": _ratio(len(s.followers), uv),
            "gift_value": s.gift_value,
            "product_view_users": len(s.view_users),
            "product_click_users": len(s.click_users),
            "orders": sum(1 for rec in s.orders.values() if rec.in_window),
            "paid_orders": len(paid),
            "units": units,
            "buyers": buyers_n,
            "gmv": gmv,
            "refund_amount": refund_amount,
            "refunded_orders": refunded_orders,
            "unmatched_refunds": unmatched,
            "net_gmv": gmv - refund_amount,
            "refund_rate": _ratio(refunded_orders, len(paid)),
            "conversion_rate": _ratio(buyers_n, uv),
            "click_rate": _ratio(len(s.click_users), uv),
            "click_to_pay_rate": _ratio(buyers_n, len(s.click_users)),
            "aov": _ratio(gmv, buyers_n),
            "uv_value": _ratio(gmv, uv),
            "gpm": _ratio(gmv * 1000, s.pv),
            "ad_spend": s.ad_spend,
            "roi": _ratio(gmv, s.ad_spend),
            "products": products,
            "minutes": minutes,
            "online": len(s.online),
            "explaining": s.explaining,
            "platform_online": s.platform_online,
        }
        snap["delta_5m"] = self._delta(minutes, uv)
        return snap

    def _delta(self, minutes: list[dict[str, Any]], uv: int) -> dict[str, int]:
        s = self._s
        back = len(minutes) - 1 - DELTA_MINUTES
        recent = minutes[-DELTA_MINUTES:]
        delta = {
            "gmv": sum(m["gmv"] for m in recent),
            "paid_orders": sum(m["paid_orders"] for m in recent),
            "comments": sum(m["comments"] for m in recent),
        }
        if back >= 0:
            delta["online"] = len(s.online) - minutes[back]["online_end"]
            if back < len(s.uv_at_minute):
                delta["uv"] = uv - s.uv_at_minute[back]
        return delta

    def review_extras(self, retention_minutes: Iterable[int] = (1, 3, 5, 10, 30, 60)) -> dict[str, Any]:
        """Derived figures for the review: drop-off minutes, retention, traffic structure, persona."""
        snap = self.snapshot()
        s = self._s
        end = snap["end"] or 0
        minutes = snap["minutes"]
        changes = []
        previous = 0
        for m in minutes:
            changes.append((m["online_end"] - previous, m["minute"]))
            previous = m["online_end"]
        drop_offs = [{"minute": minute, "net": net} for net, minute in sorted(changes)[:3] if net < 0]
        watch = dict(s.watch_by_user)
        for user, entered in s.online.items():
            watch[user] = watch.get(user, 0) + end - entered
        viewers = len(s.uv) or 1
        retention = {str(n): sum(1 for ms in watch.values() if ms >= n * 60000) / viewers for n in retention_minutes}
        traffic: dict[str, int] = {}
        for user in s.uv:
            source = s.first_source.get(user, "unknown")
            traffic[source] = traffic.get(source, 0) + 1
        paying = {rec.pay_user or rec.order_user or "" for rec in s.orders.values() if rec.paid}
        persona: dict[str, dict[str, dict[str, int]]] = {"viewers": {}, "buyers": {}}
        for group, users in (("viewers", s.uv), ("buyers", paying)):
            for user in users:
                profile = s.profiles.get(user or "", {})
                for key in ("gender", "age_band", "region"):
                    value = str(profile.get(key) or "unknown")
                    bucket = persona[group].setdefault(key, {})
                    bucket[value] = bucket.get(value, 0) + 1
        return {"drop_offs": drop_offs, "retention": retention, "traffic": traffic, "persona": persona}


def compute(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """Metrics of every session in a stream of events (``livecrew metrics FILE``)."""
    engines: dict[str, SessionEngine] = {}
    for event in events:
        engine = engines.get(event.session)
        if engine is None:
            engine = engines[event.session] = SessionEngine(event.session)
        engine.apply(event)
    return {name: engine.snapshot() for name, engine in engines.items()}
