"""The metrics engine: METRICS.md, computed incrementally, one event at a time, no I/O.

How order is handled. Events are taken in ``ts`` order (equal ``ts`` keep arrival order). Live feeds
arrive almost in order, so the engine applies each event as it comes (O(1) amortised). When an event
arrives that changes the meaning of what was already applied — an order-sensitive event (enter,
leave, explain, order, pay) older than the newest applied one, a first ``live_start`` after other
events, a later ``live_end`` after events were left outside the window — the engine marks itself
stale and, on the next read, replays its accepted events in (ts, arrival) order through the same code.

What it keeps. Not the events: users, products and orders are interned to small integers once, every
accepted event is one row of a compact column log (``array``: ts, kind, user, two small ints; about 21
bytes) that a replay reads, and per-user facts (in uv, commented, followed, source, profile, watch time)
are flag bytes and integer columns indexed by user number. Duplicates (same ``id``, first wins) are
dropped here when the engine is made with ``dedupe=True`` (``livecrew metrics``, the tests); the live
registry makes it with ``dedupe=False`` because the event log's unique key already drops them at ingest
and the registry skips log rows it has applied (by seq).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from typing import Any

from livecrew.live.events import (
    K_AD,
    K_CLICK,
    K_COMMENT,
    K_END,
    K_ENTER,
    K_EXPLAIN,
    K_FOLLOW,
    K_GIFT,
    K_LEAVE,
    K_LIKE,
    K_ONLINE,
    K_ORDER,
    K_PAY,
    K_REFUND,
    K_SHARE,
    K_SHELF,
    K_START,
    K_VIEW,
    Event,
    Record,
    record_of,
)

DELTA_MINUTES = 5
# Order-sensitive kinds (enter, leave, explain, order, pay, live_end): 1 at their code.
_SENSITIVE = bytes(1 if k in (K_ENTER, K_LEAVE, K_EXPLAIN, K_ORDER, K_PAY, K_END) else 0 for k in range(19))
SOURCE_NAMES = ("unknown", "recommend", "follow", "search", "short_video", "ads", "share", "other")
_SOURCE_CODE: dict[str | None, int] = {name: i for i, name in enumerate(SOURCE_NAMES)}
_SOURCE_CODE[None] = 0
# Per-user flag bits.
F_UV, F_COMMENTER, F_FOLLOWER, F_INTERACTING, F_VIEWER, F_CLICKER, F_WATCHED = 1, 2, 4, 8, 16, 32, 64
_SMALL = 0x7FFFFFFF  # what fits the log's 32-bit column; bigger numbers go to a side list
_USER_CHUNK = 4096


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _q() -> MutableSequence[int]:
    return array("q")


def _push(column: MutableSequence[int], value: int) -> MutableSequence[int]:
    """Append to a 64-bit column; one that meets a bigger number becomes a plain list (rare, still exact)."""
    try:
        column.append(value)
    except OverflowError:
        column = list(column)
        column.append(value)
    return column


class _Order:
    __slots__ = (
        "in_window",
        "order_product",
        "order_qty",
        "order_user",
        "paid",
        "pay_amount",
        "pay_product",
        "pay_qty",
        "pay_ts",
        "pay_user",
    )

    def __init__(self) -> None:
        self.in_window = False
        self.order_user = -1
        self.order_product = -1  # -1: none yet
        self.order_qty = 0
        self.paid = False
        self.pay_amount = 0
        self.pay_user = -1
        self.pay_product = -1
        self.pay_qty = 0  # 0: not given
        self.pay_ts = 0


class _Product:
    __slots__ = ("clicks", "explain_count", "explain_ms", "explain_open", "marks", "views")

    def __init__(self) -> None:
        self.marks = bytearray()  # per user: 1 viewed, 2 clicked
        self.views = 0
        self.clicks = 0
        self.explain_ms = 0
        self.explain_count = 0
        self.explain_open: int | None = None


class _State:
    """Everything derived from the events applied so far (reset on a rebuild)."""

    def __init__(self, users: int) -> None:
        self.applied = 0
        self.min_ts: int | None = None
        self.max_ts: int | None = None
        self.pv = self.comments = self.likes = self.shares = self.gift_value = self.ad_spend = 0
        self.uv = self.commenters = self.followers = self.interacting = self.view_users = self.click_users = 0
        cap = users + _USER_CHUNK
        self.cap = cap
        self.flags = bytearray(cap)  # F_* bits per user number
        self.source = bytearray(cap)  # 1 + index in SOURCE_NAMES of the first enter's source; 0: no enter yet
        self.profile: MutableSequence[int] = array("i", bytes(4 * cap))  # 1 + profile number; 0: none
        self.watch: MutableSequence[int] = array("q", bytes(8 * cap))  # closed watch ms per user
        self.online: dict[int, int] = {}  # user -> ts entered
        self.online_ts_sum = 0
        self.closed_ms = 0
        self.peak = 0
        self.enters: list[int] = []  # per minute
        self.leaves: list[int] = []
        self.comment_counts: list[int] = []
        self.online_end: list[int] = []  # online users at the end of each finished minute
        self.uv_at_minute: list[int] = []
        self.cur_minute = 0
        self.products: dict[int, _Product] = {}
        self.orders: dict[int, _Order] = {}
        self.explaining: int | None = None
        self.shelf: dict[int, bool] = {}
        self.platform_online: int | None = None
        self.skipped_after_end = 0

    def grow(self, users: int) -> None:
        extra = users + _USER_CHUNK - self.cap
        self.cap += extra
        self.flags.extend(bytes(extra))
        self.source.extend(bytes(extra))
        self.profile.extend(array("i", bytes(4 * extra)))
        if isinstance(self.watch, array):
            self.watch.extend(array("q", bytes(8 * extra)))
        else:
            self.watch.extend([0] * extra)

    def bucket(self, counts: list[int], minute: int) -> None:
        if minute >= len(counts):
            for column in (self.enters, self.leaves, self.comment_counts):
                if len(column) <= minute:
                    column.extend([0] * (minute + 1 - len(column)))
        counts[minute] += 1

    def product(self, number: int) -> _Product:
        product = self.products.get(number)
        if product is None:
            product = self.products[number] = _Product()
        return product


class SessionEngine:
    """Metrics of one live session."""

    def __init__(self, session: str = "", *, dedupe: bool = True) -> None:
        self.session = session
        self._seen: set[str] | None = set() if dedupe else None
        # Interned names: number -> name is the list, name -> number the dict.
        self._users: dict[str, int] = {}
        self._product_no: dict[str, int] = {}
        self._product_names: list[str] = []
        self._order_no: dict[str, int] = {}
        self._profile_no: dict[tuple[Any, Any, Any], int] = {}
        self._profiles: list[tuple[Any, Any, Any]] = []
        # The column log of accepted events (refunds aside): a replay reads it.
        self._lts: MutableSequence[int] = _q()
        self._lk = bytearray()
        self._lu: MutableSequence[int] = array("i")
        self._la: MutableSequence[int] = array("i")
        self._lb: MutableSequence[int] = array("i")
        self._big: list[int] = []  # numbers too big for _lb (stored there as -1 - index)
        self._late: MutableSequence[int] = array("i")  # rows that arrived older than an earlier row
        self._log_max: int | None = None
        # Orders and payments: one row per event, the log's a column points here.
        self._d_order: MutableSequence[int] = array("i")
        self._d_product: MutableSequence[int] = array("i")  # -1: none
        self._d_qty: MutableSequence[int] = _q()  # 0: none
        self._d_amount: MutableSequence[int] = _q()
        self._refunds: dict[int, list[int]] = {}  # order -> [total amount, events]; refunds count whenever
        self._first_start: int | None = None  # ts of the earliest live_start
        self._last_end: int | None = None  # ts of the latest live_end
        self._all_min: int | None = None
        self._all_max: int | None = None
        self._stale = False
        self._s = _State(0)

    # ------------------------------------------------------------------ feeding

    def apply(self, event: Event) -> bool:
        """Take one event. False when it is a duplicate (same id as one already taken)."""
        return self.feed(record_of(event))

    def feed(self, record: Record) -> bool:
        """Take one decoded record (``events.iter_records``). False when it is a duplicate."""
        seen = self._seen
        if seen is not None:
            rid = record.id
            if rid in seen:
                return False
            seen.add(rid)
        r: Any = record
        k: int = r.KIND
        u = -1
        a = b = 0
        if k <= K_REFUND:
            name = r.user
            u = self._users.get(name, -1)
            if u < 0:
                u = self._new_user(name)
            if k in (K_VIEW, K_CLICK):
                a = self._product(r.product)
            elif k == K_ENTER:
                a = _SOURCE_CODE[r.source]
                profile = r.profile
                if profile:
                    b = self._profile(profile)
            elif k == K_LIKE:
                b = r.count
            elif k in (K_ORDER, K_PAY):
                a = self._deal(r.order, r.product, r.qty, r.amount)
            elif k == K_GIFT:
                b = r.value
            elif k == K_REFUND:
                self._refund(r.order, r.ts, r.amount)
                return True
        elif k == K_ONLINE:
            b = r.count
        elif k == K_EXPLAIN:
            a = self._product(r.product)
            b = r.action == "start"
        elif k == K_SHELF:
            a = self._product(r.product)
            b = r.action == "on"
        elif k == K_AD:
            b = r.amount
        self._accept(k, r.ts, u, a, b)
        return True

    def _new_user(self, name: str) -> int:
        number = self._users[name] = len(self._users)
        if number >= self._s.cap:
            self._s.grow(number + 1)
        return number

    def _product(self, name: str) -> int:
        number = self._product_no.get(name)
        if number is None:
            number = self._product_no[name] = len(self._product_names)
            self._product_names.append(name)
        return number

    def _order(self, name: str) -> int:
        number = self._order_no.get(name)
        if number is None:
            number = self._order_no[name] = len(self._order_no)
        return number

    def _profile(self, profile: dict[str, Any]) -> int:
        key = (profile.get("gender"), profile.get("age_band"), profile.get("region"))
        number = self._profile_no.get(key)
        if number is None:
            self._profiles.append(key)
            number = self._profile_no[key] = len(self._profiles)  # 1-based: 0 is "no profile"
        return number

    def _deal(self, order: str, product: str | None, qty: int | None, amount: int) -> int:
        row = len(self._d_order)
        self._d_order.append(self._order(order))
        self._d_product.append(self._product(product) if product is not None else -1)
        self._d_qty = _push(self._d_qty, qty or 0)
        self._d_amount = _push(self._d_amount, amount)
        return row

    def _refund(self, order: str, ts: int, amount: int) -> None:
        self._span(ts)
        number = self._order(order)
        total = self._refunds.get(number)
        if total is None:
            total = self._refunds[number] = [0, 0]
        total[0] += amount
        total[1] += 1

    def _span(self, ts: int) -> None:
        if self._all_min is None or ts < self._all_min:
            self._all_min = ts
        if self._all_max is None or ts > self._all_max:
            self._all_max = ts

    def _accept(self, k: int, ts: int, u: int, a: int, b: int) -> None:
        # The log row.
        row = len(self._lk)
        self._lk.append(k)
        self._lu.append(u)
        self._la.append(a)
        if 0 <= b <= _SMALL:
            self._lb.append(b)
        else:
            self._lb.append(-1 - len(self._big))
            self._big.append(b)
        self._lts = _push(self._lts, ts)
        if self._log_max is None or ts >= self._log_max:
            self._log_max = ts
        else:
            self._late.append(row)
        self._span(ts)
        s = self._s
        if k == K_START:
            if self._first_start is None:
                if s.applied and s.min_ts != ts:
                    self._stale = True
            elif ts < self._first_start:
                self._stale = True
            if self._first_start is None or ts < self._first_start:
                self._first_start = ts
        elif k == K_END:
            if self._last_end is not None and ts > self._last_end and s.skipped_after_end:
                self._stale = True
            if self._last_end is None or ts > self._last_end:
                self._last_end = ts
        if self._stale:
            return
        start = self._first_start if self._first_start is not None else s.min_ts
        if start is not None and ts < start:
            if self._first_start is None:
                self._stale = True  # an earlier first event moves the window's start
            return  # before live_start: outside the window
        if s.max_ts is not None and ts < s.max_ts and _SENSITIVE[k]:
            self._stale = True
            return
        if self._last_end is not None and ts > self._last_end:
            s.skipped_after_end += 1
            return
        self._take(k, ts, u, a, b, start if start is not None else ts)

    def _advance(self, minute: int) -> None:
        s = self._s
        while s.cur_minute < minute:
            s.online_end.append(len(s.online))
            s.uv_at_minute.append(s.uv)
            s.cur_minute += 1

    def _take(self, k: int, ts: int, u: int, a: int, b: int, start: int) -> None:
        """Apply an in-window event, in ts order."""
        s = self._s
        s.applied += 1
        if s.min_ts is None or ts < s.min_ts:
            s.min_ts = ts
        if s.max_ts is None or ts > s.max_ts:
            s.max_ts = ts
        minute = (ts - start) // 60000
        if minute > s.cur_minute:
            self._advance(minute)
        if u >= 0:
            flags = s.flags
            f = flags[u]
            if k != K_LEAVE and not f & F_UV:
                f |= F_UV
                flags[u] = f
                s.uv += 1
                # An older event that is safe to apply late (not order-sensitive) still counts in the minutes
                # already closed after it, so delta_5m's UV is the same whatever order events arrive in.
                closed = s.uv_at_minute
                for m in range(max(0, minute), len(closed)):
                    closed[m] += 1
            if k == K_VIEW:
                if not f & F_VIEWER:
                    flags[u] = f | F_VIEWER
                    s.view_users += 1
                product = s.product(a)
                marks = product.marks
                if u >= len(marks):
                    marks.extend(bytes(u + _USER_CHUNK - len(marks)))
                if not marks[u] & 1:
                    marks[u] |= 1
                    product.views += 1
            elif k == K_ENTER:
                s.pv += 1
                s.bucket(s.enters, minute)
                online = s.online
                if u not in online:
                    online[u] = ts
                    s.online_ts_sum += ts
                    if len(online) > s.peak:
                        s.peak = len(online)
                if not s.source[u]:
                    s.source[u] = a + 1
                if b and not s.profile[u]:
                    s.profile[u] = b
            elif k == K_LEAVE:
                entered = s.online.pop(u, None)
                if entered is not None:
                    s.online_ts_sum -= entered
                    s.closed_ms += ts - entered
                    flags[u] = f | F_WATCHED
                    try:
                        s.watch[u] += ts - entered
                    except OverflowError:
                        s.watch = list(s.watch)
                        s.watch[u] += ts - entered
                    s.bucket(s.leaves, minute)
            elif k == K_CLICK:
                if not f & F_CLICKER:
                    flags[u] = f | F_CLICKER
                    s.click_users += 1
                product = s.product(a)
                marks = product.marks
                if u >= len(marks):
                    marks.extend(bytes(u + _USER_CHUNK - len(marks)))
                if not marks[u] & 2:
                    marks[u] |= 2
                    product.clicks += 1
            elif k == K_ORDER:
                rec = s.orders.get(self._d_order[a])
                if rec is None:
                    rec = s.orders[self._d_order[a]] = _Order()
                rec.in_window = True
                if rec.order_product < 0:
                    rec.order_user, rec.order_product, rec.order_qty = u, self._d_product[a], self._d_qty[a]
            elif k == K_PAY:
                rec = s.orders.get(self._d_order[a])
                if rec is None:
                    rec = s.orders[self._d_order[a]] = _Order()
                rec.in_window = True
                if not rec.paid:
                    rec.paid = True
                    rec.pay_amount, rec.pay_user, rec.pay_product, rec.pay_qty, rec.pay_ts = (
                        self._d_amount[a],
                        u,
                        self._d_product[a],
                        self._d_qty[a],
                        ts,
                    )
            else:
                if k == K_COMMENT:
                    s.comments += 1
                    if not f & F_COMMENTER:
                        f |= F_COMMENTER
                        s.commenters += 1
                    s.bucket(s.comment_counts, minute)
                elif k == K_LIKE:
                    s.likes += b
                elif k == K_FOLLOW:
                    if not f & F_FOLLOWER:
                        f |= F_FOLLOWER
                        s.followers += 1
                elif k == K_SHARE:
                    s.shares += 1
                else:  # K_GIFT
                    s.gift_value += b
                if not f & F_INTERACTING:
                    f |= F_INTERACTING
                    s.interacting += 1
                flags[u] = f
        elif k == K_ONLINE:
            s.platform_online = b
        elif k == K_EXPLAIN:
            product = s.product(a)
            if b:
                product.explain_count += 1
                if product.explain_open is None:
                    product.explain_open = ts
                s.explaining = a
            else:
                if product.explain_open is not None:
                    product.explain_ms += ts - product.explain_open
                    product.explain_open = None
                if s.explaining == a:
                    s.explaining = None
        elif k == K_SHELF:
            s.shelf[a] = bool(b)
        elif k == K_AD:
            s.ad_spend += b

    def _replay_order(self) -> Iterator[int]:
        """Log rows in (ts, arrival) order: the in-order rows merged with the late ones, sorted."""
        lts = self._lts
        skip = self._late
        late = sorted(skip, key=lts.__getitem__)  # stable: equal ts keep arrival order
        n_late = len(late)
        j = li = 0
        for i in range(len(self._lk)):
            if li < n_late and skip[li] == i:
                li += 1
                continue
            t = lts[i]
            while j < n_late:
                other = late[j]
                ot = lts[other]
                if ot < t or (ot == t and other < i):
                    yield other
                    j += 1
                else:
                    break
            yield i
        yield from late[j:]

    def _rebuild(self) -> None:
        """Replay every accepted event in (ts, arrival) order with the window known in advance."""
        self._s = s = _State(len(self._users))
        self._stale = False
        if self._all_min is None:
            return
        start = self._first_start if self._first_start is not None else self._all_min
        end = self._last_end
        lts, lk, lu, la, lb, big = self._lts, self._lk, self._lu, self._la, self._lb, self._big
        take = self._take
        for i in self._replay_order():
            ts = lts[i]
            if ts < start:
                continue
            if end is not None and ts > end:
                s.skipped_after_end += 1
                continue
            b = lb[i]
            if b < 0:
                b = big[-1 - b]
            take(lk[i], ts, lu[i], la[i], b, start)

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
        number = self._s.explaining
        return None if number is None else self._product_names[number]

    def memory_parts(self) -> dict[str, int]:
        """Bytes held by the big containers (the log, the interned names, the per-user columns); approximate."""
        import sys

        log = sum(sys.getsizeof(c) for c in (self._lts, self._lk, self._lu, self._la, self._lb, self._late))
        deals = sum(sys.getsizeof(c) for c in (self._d_order, self._d_product, self._d_qty, self._d_amount))
        names = sys.getsizeof(self._users) + sum(sys.getsizeof(n) for n in self._users)
        s = self._s
        users = sum(sys.getsizeof(c) for c in (s.flags, s.source, s.profile, s.watch)) + sys.getsizeof(s.online)
        return {"log": log, "orders": deals, "user_names": names, "per_user": users}

    def snapshot(self) -> dict[str, Any]:
        """The METRICS.md object for this session (plus ``online``, ``explaining`` and ``delta_5m``)."""
        win = self.window()
        s = self._s
        names = self._product_names
        start, end = win if win else (0, 0)
        duration_ms = end - start
        watch_ms = s.closed_ms + (len(s.online) * end - s.online_ts_sum)
        uv = s.uv
        n_minutes = max(1, math.ceil(duration_ms / 60000))
        paid = {oid: rec for oid, rec in s.orders.items() if rec.paid}
        buyers: set[int] = set()
        units = gmv = 0
        per_product: dict[int, dict[str, Any]] = {}
        minute_paid = [0] * n_minutes
        minute_gmv = [0] * n_minutes

        def product_row(pid: int) -> dict[str, Any]:
            row = per_product.get(pid)
            if row is None:
                row = per_product[pid] = {"paid_orders": 0, "units": 0, "buyers": set(), "gmv": 0, "refund_amount": 0}
            return row

        for rec in paid.values():
            qty = rec.pay_qty or rec.order_qty or 1
            who = rec.pay_user if rec.pay_user >= 0 else rec.order_user
            units += qty
            gmv += rec.pay_amount
            if who >= 0:
                buyers.add(who)
            m = min(max((rec.pay_ts - start) // 60000, 0), n_minutes - 1)
            minute_paid[m] += 1
            minute_gmv[m] += rec.pay_amount
            pid = rec.pay_product if rec.pay_product >= 0 else rec.order_product
            if pid >= 0:
                row = product_row(pid)
                row["paid_orders"] += 1
                row["units"] += qty
                row["gmv"] += rec.pay_amount
                if who >= 0:
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
            pid = refunded.pay_product if refunded.pay_product >= 0 else refunded.order_product
            if pid >= 0:
                product_row(pid)["refund_amount"] += capped
        products: dict[str, dict[str, Any]] = {}
        for pid in sorted(set(s.products) | set(per_product), key=names.__getitem__):
            p = s.products.get(pid) or _Product()
            row = product_row(pid)
            views, clicks, product_buyers = p.views, p.clicks, len(row["buyers"])
            explain_ms = p.explain_ms + (max(end - p.explain_open, 0) if p.explain_open is not None else 0)
            products[names[pid]] = {
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

        def at(column: list[int], m: int) -> int:
            return column[m] if m < len(column) else 0

        minutes = []
        for m in range(n_minutes):
            enters, leaves, comments = at(s.enters, m), at(s.leaves, m), at(s.comment_counts, m)
            if m == n_minutes - 1:  # an event at exactly `end` belongs to the last minute
                enters += at(s.enters, n_minutes)
                leaves += at(s.leaves, n_minutes)
                comments += at(s.comment_counts, n_minutes)
            minutes.append(
                {
                    "minute": m,
                    "enters": enters,
                    "leaves": leaves,
                    "online_end": s.online_end[m] if m < len(s.online_end) and m < n_minutes - 1 else len(s.online),
                    "comments": comments,
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
            "commenters": s.commenters,
            "likes": s.likes,
            "shares": s.shares,
            "new_followers": s.followers,
            "interacting_users": s.interacting,
            "interaction_rate": _ratio(s.interacting, uv),
            "follow_rate": _ratio(s.followers, uv),
            "gift_value": s.gift_value,
            "product_view_users": s.view_users,
            "product_click_users": s.click_users,
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
            "click_rate": _ratio(s.click_users, uv),
            "click_to_pay_rate": _ratio(buyers_n, s.click_users),
            "aov": _ratio(gmv, buyers_n),
            "uv_value": _ratio(gmv, uv),
            "gpm": _ratio(gmv * 1000, s.pv),
            "ad_spend": s.ad_spend,
            "roi": _ratio(gmv, s.ad_spend),
            "products": products,
            "minutes": minutes,
            "online": len(s.online),
            "explaining": None if s.explaining is None else names[s.explaining],
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
        n_users = len(self._users)
        flags = s.flags
        # Watch time of every user who was ever online (closed spells, plus the open one up to `end`).
        watch = [s.watch[u] for u in range(n_users) if flags[u] & F_WATCHED and u not in s.online]
        watch.extend(s.watch[u] + end - entered for u, entered in s.online.items())
        viewers = s.uv or 1
        retention = {str(n): sum(1 for ms in watch if ms >= n * 60000) / viewers for n in retention_minutes}
        in_uv = [u for u in range(n_users) if flags[u] & F_UV]
        traffic: dict[str, int] = {}
        for u in in_uv:
            code = s.source[u]
            source = SOURCE_NAMES[code - 1] if code else "unknown"
            traffic[source] = traffic.get(source, 0) + 1
        paying = {rec.pay_user if rec.pay_user >= 0 else rec.order_user for rec in s.orders.values() if rec.paid}
        persona: dict[str, dict[str, dict[str, int]]] = {"viewers": {}, "buyers": {}}
        unknown: tuple[Any, Any, Any] = (None, None, None)
        for group, users in (("viewers", in_uv), ("buyers", paying)):
            for u in users:
                number = s.profile[u] if u >= 0 else 0
                profile = self._profiles[number - 1] if number else unknown
                for key, raw in zip(("gender", "age_band", "region"), profile, strict=True):
                    value = str(raw or "unknown")
                    bucket = persona[group].setdefault(key, {})
                    bucket[value] = bucket.get(value, 0) + 1
        return {"drop_offs": drop_offs, "retention": retention, "traffic": traffic, "persona": persona}


def compute(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """Metrics of every session in a stream of events."""
    return compute_records(record_of(event) for event in events)


def compute_records(records: Iterable[Record]) -> dict[str, dict[str, Any]]:
    """Metrics of every session in a stream of records (``livecrew metrics FILE``: ``events.iter_records``)."""
    engines: dict[str, SessionEngine] = {}
    feeds: dict[str, Callable[[Record], bool]] = {}
    for record in records:
        feed = feeds.get(record.session)
        if feed is None:
            engine = engines[record.session] = SessionEngine(record.session)
            feed = feeds[record.session] = engine.feed
        feed(record)
    return {name: engine.snapshot() for name, engine in engines.items()}
