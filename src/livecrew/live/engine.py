"""The metrics engine: METRICS.md, computed incrementally, one event at a time, no I/O.

How order is handled. Events are taken in ``ts`` order (equal ``ts`` keep arrival order). Live feeds
arrive almost in order, so the engine applies each event as it comes (O(1) amortised). When an event
arrives that changes the meaning of what was already applied — an order-sensitive event (enter,
leave, explain, order, pay) older than the newest applied one, an event that moves the window's start
(a first or earlier ``live_start``; with none, an earlier event, refunds included), a later ``live_end``
after events were left outside the window — the engine marks itself stale and, on the next read, replays
its accepted events in (ts, arrival) order through the same code.

What it keeps. Not the events: users, products and orders are interned to small integers once, every
accepted event is one row of a compact column log (``array``: ts as a 32-bit offset from the first logged
ts, kind, user, two small ints; about 17 bytes) that a replay reads; a column meeting a value it cannot
hold widens (64-bit, then a list), so any ts stays exact. Per-user facts (in uv, commented, followed,
source, profile, watch time) are flag bytes and integer columns indexed by user number, per-product
viewers and clickers are bitsets, and orders are columns indexed by order number that point at rows of
the order/pay table. Duplicates (same ``id``, first wins) are dropped here when the engine is made with
``dedupe=True`` (``livecrew metrics``, the tests); the live registry makes it with ``dedupe=False``
because the event log's unique key already drops them at ingest and the registry skips log rows it has
applied (by seq).

``feed_many`` is ``feed`` over many records with less Python per event: in-order audience events inside
the window are logged and applied in its loop; everything else takes ``feed``'s path. The tests check
that both give the same snapshots in any order and batching.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Iterable, Iterator, MutableSequence
from itertools import chain
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
    LOGGED,
    ClickRecord,
    CommentRecord,
    EnterRecord,
    Event,
    LeaveRecord,
    LikeRecord,
    Record,
    ViewRecord,
    record_of,
)

DELTA_MINUTES = 5
# Order-sensitive kinds (enter, leave, explain, order, pay, live_end): 1 at their code.
_SENSITIVE = bytes(1 if k in (K_ENTER, K_LEAVE, K_EXPLAIN, K_ORDER, K_PAY, K_END) else 0 for k in range(19))
SOURCE_NAMES = ("unknown", "recommend", "follow", "search", "short_video", "ads", "share", "other")
_SOURCE_CODE: dict[str | None, int] = {name: i for i, name in enumerate(SOURCE_NAMES)}
_SOURCE_CODE[None] = 0
# Per-user flag bits. F_UV is the highest, so "not in uv yet" is ``flags < F_UV`` (a compare is cheaper than &).
F_ONLINE, F_COMMENTER, F_FOLLOWER, F_INTERACTING, F_VIEWER, F_CLICKER, F_WATCHED, F_UV = 1, 2, 4, 8, 16, 32, 64, 128
_SMALL = 0x7FFFFFFF  # what fits a 32-bit column; bigger numbers go to a side list or widen the column
_USER_CHUNK = 4096
_ORDER_CHUNK = 4096
# Kinds that feed_many applies itself when they arrive in order inside the window (the rest go through feed).
_SHORT = tuple(k <= K_GIFT for k in range(19))  # the audience kinds but refunds
assert K_GIFT + 1 == K_REFUND and all(k <= K_GIFT for k in (K_VIEW, K_ENTER, K_LEAVE, K_ORDER, K_PAY, K_FOLLOW))
_PRODUCT_KIND = tuple(k in (K_VIEW, K_CLICK) for k in range(19))
_DEAL_KIND = tuple(k in (K_ORDER, K_PAY) for k in range(19))
_LOG_BLOCK = 4096  # rows feed_many gathers before packing them into the log's columns
_NOWHERE = math.inf  # a bound no timestamp passes
_COMPACT = (1 << 30) - 1  # feed_many's ts offsets up to this (12 days) stay one-digit ints, cheap to compare


# The record classes feed_many's loop tells apart first (the commonest), and their logged twins (feed_logged).
_TYPES: tuple[type[Any], ...] = (ViewRecord, EnterRecord, LeaveRecord, ClickRecord, CommentRecord, LikeRecord)
_LOGGED_TYPES: tuple[type[Any], ...] = tuple(LOGGED[cls] for cls in _TYPES)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _push(column: MutableSequence[int], value: int) -> MutableSequence[int]:
    """Append to an integer column, widening it when the value does not fit: 32-bit, 64-bit, then a plain list.

    Rare and still exact; the caller keeps the column returned.
    """
    try:
        column.append(value)
        return column
    except OverflowError:
        pass
    if isinstance(column, array) and column.typecode == "i":
        return _push(array("q", column), value)
    column = list(column)
    column.append(value)
    return column


def _extend(column: MutableSequence[int], values: list[int]) -> MutableSequence[int]:
    """Append many values to an integer column, as ``_push`` does one at a time: packed in one go while they fit."""
    if isinstance(column, array):
        try:
            column.frombytes(struct.pack(f"{len(values)}{column.typecode}", *values))
            return column
        except struct.error:  # a value does not fit: widen as _push does
            pass
    elif isinstance(column, list):
        column.extend(values)
        return column
    for value in values:
        column = _push(column, value)
    return column


def _fits(column: MutableSequence[int]) -> float:
    """The largest value ``column`` takes without widening."""
    if isinstance(column, array):
        return _SMALL if column.typecode == "i" else 0x7FFFFFFFFFFFFFFF
    return _NOWHERE


def _bit(bits: bytearray, u: int) -> bool:
    """Set user ``u``'s bit in a per-product bitset; True when it was not set before."""
    i = u >> 3
    if i >= len(bits):
        bits.extend(bytes(i + (_USER_CHUNK >> 3) - len(bits)))
    mask = 1 << (u & 7)
    if bits[i] & mask:
        return False
    bits[i] |= mask
    return True


class _Product:
    __slots__ = ("clicked", "clicks", "explain_count", "explain_ms", "explain_open", "viewed", "views")

    def __init__(self) -> None:
        self.viewed = bytearray()  # one bit per user number: viewed it
        self.clicked = bytearray()  # one bit per user number: clicked it
        self.views = 0
        self.clicks = 0
        self.explain_ms = 0
        self.explain_count = 0
        self.explain_open: int | None = None


class _State:
    """Everything derived from the events applied so far (reset on a rebuild)."""

    def __init__(self, users: int, orders: int) -> None:
        self.start: int | None = None  # the window start the applied events were counted with (None: none yet)
        self.max_ts: int | None = None  # of the applied events
        self.pv = self.comments = self.likes = self.shares = self.gift_value = self.ad_spend = 0
        self.uv = self.commenters = self.followers = self.interacting = self.view_users = self.click_users = 0
        cap = users + _USER_CHUNK
        self.cap = cap
        # Small per-user numbers are plain lists (8 bytes a user, the ints shared): indexing a list is several
        # times cheaper than a bytearray or an array, and these are read and set for almost every event.
        self.flags = [0] * cap  # F_* bits per user number
        self.source = [0] * cap  # 1 + index in SOURCE_NAMES of the first enter's source; 0: no enter yet
        self.profile = [0] * cap  # 1 + profile number; 0: none
        self.watch: MutableSequence[int] = array("q", bytes(8 * cap))  # closed watch ms per user
        self.entered: MutableSequence[int] = array("q", bytes(8 * cap))  # ts of the enter, while F_ONLINE
        self.online = 0  # users online now (F_ONLINE)
        self.online_ts_sum = 0
        self.closed_ms = 0
        self.peak = 0
        self.enters: list[int] = [0]  # per minute
        self.leaves: list[int] = [0]
        self.comment_counts: list[int] = [0]
        self.online_end: list[int] = []  # online users at the end of each finished minute
        self.uv_at_minute: list[int] = []
        self.cur_minute = 0
        self.products: dict[int, _Product] = {}
        # Orders, by order number: the deal rows (the engine's order/pay table) that decide it; -1: none yet.
        ocap = orders + _ORDER_CHUNK
        self.o_order: MutableSequence[int] = array("i", [-1]) * ocap  # the order event giving product and qty
        self.o_pay: MutableSequence[int] = array("i", [-1]) * ocap  # the first pay event: paid
        self.o_pay_ts: MutableSequence[int] = array("q", bytes(8 * ocap))  # ts of that pay
        self.paid_list: MutableSequence[int] = array("i")  # paid order numbers, in the order they were paid
        self.orders_in = 0  # orders with an order or pay event in the window
        self.explaining: int | None = None
        self.shelf: dict[int, bool] = {}
        self.platform_online: int | None = None
        self.skipped_after_end = 0

    def grow(self, users: int) -> None:
        extra = users + _USER_CHUNK - self.cap
        self.cap += extra
        for small in (self.flags, self.source, self.profile):
            small.extend([0] * extra)
        for column in (self.watch, self.entered):
            if isinstance(column, array):
                column.extend(array("q", bytes(8 * extra)))
            else:
                column.extend([0] * extra)

    def grow_orders(self, orders: int) -> None:
        extra = orders + _ORDER_CHUNK - len(self.o_order)
        self.o_order.extend(array("i", [-1]) * extra)
        self.o_pay.extend(array("i", [-1]) * extra)
        if isinstance(self.o_pay_ts, array):
            self.o_pay_ts.extend(array("q", bytes(8 * extra)))
        else:
            self.o_pay_ts.extend([0] * extra)

    def room(self, minute: int) -> None:
        """Make the per-minute count columns reach ``minute``."""
        for column in (self.enters, self.leaves, self.comment_counts):
            if len(column) <= minute:
                column.extend([0] * (minute + 1 - len(column)))

    def bucket(self, counts: list[int], minute: int) -> None:
        if minute >= len(counts):
            self.room(minute)
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
        # The column log of accepted events (refunds aside): a replay reads it. ts is kept as the offset from
        # the first logged ts (32 bits: +-24 days); an offset that does not fit widens the column (_push).
        self._base = 0  # the first logged ts
        self._lts: MutableSequence[int] = array("i")
        self._luk: MutableSequence[int] = array("i")  # user number << 5 | kind (user -1: none); widens if needed
        self._la: MutableSequence[int] = array("i")
        self._lb: MutableSequence[int] = array("i")
        self._big: list[int] = []  # numbers too big for _lb (stored there as -1 - index)
        self._late: MutableSequence[int] = array("i")  # rows that arrived older than an earlier row
        self._log_max: int | None = None
        # Orders and payments: one row per event, the log's a column points here.
        self._d_order: MutableSequence[int] = array("i")
        self._d_user: MutableSequence[int] = array("i")
        self._d_product: MutableSequence[int] = array("i")  # -1: none
        self._d_qty: MutableSequence[int] = array("i")  # 0: none (widens if needed)
        self._d_amount: MutableSequence[int] = array("q")
        self._refunds: dict[int, list[int]] = {}  # order -> [total amount, events]; refunds count whenever
        self._first_start: int | None = None  # ts of the earliest live_start
        self._last_end: int | None = None  # ts of the latest live_end
        self._all_min: int | None = None
        self._all_max: int | None = None
        self._stale = False
        self._s = _State(0, 0)

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
        self._feed_new(record)
        return True

    def feed_many(self, records: Iterable[Record]) -> None:
        """Take records one after the other, exactly as ``feed`` would (duplicates are dropped the same way)."""
        self._feed_run(iter(records), None)

    def feed_logged(self, records: Iterable[Any]) -> None:
        """``feed_many`` for logged records (``events.LOGGED``: records without id or session, as a replay of the
        event log decodes them). Only for an engine that does not drop duplicates: they have no id to go by."""
        if self._seen is not None:
            raise ValueError("logged records carry no id: an engine that drops duplicates cannot take them")
        self._feed_run(iter(records), None, _LOGGED_TYPES)

    def _feed_run(self, it: Iterator[Any], session: str | None, types: tuple[type[Any], ...] = _TYPES) -> Record | None:
        """``feed_many``'s loop. With ``session``, it stops at the first record of another session and returns it
        (not taken: ``compute_records`` hands it to that session's engine); None when ``it`` is used up.

        Less Python per event: an audience event (other than a refund) that arrives in order — not
        older than any logged event — inside the window as known is logged and applied right here (the same
        steps as ``_accept`` and ``_take`` for that case); everything else goes through ``feed``'s path.
        (Records are taken as they come, not gathered into batches: a record dropped at once leaves its memory
        warm for the next one to be decoded into, which measured faster than batched set operations.)

        Where the time goes per event, and so how this loop is written: the common record types are told
        apart by ``type(r) is ...`` first and their fields read in a branch of their own (a field read at a
        place that always sees one record type is several times cheaper than one that sees them all); the
        rows it logs are gathered in plain lists and packed into the log's columns a block at a time
        (``_log_rows``: one ``array`` append costs about as much as the rest of the row's logging).
        """
        dedupe = self._seen is not None
        seen: set[str] = self._seen if self._seen is not None else set()
        seen_add = seen.add
        users = self._users
        users_get = users.get
        profile_get = self._profile_no.get
        product_get = self._product_no.get
        big = self._big
        short, product_kind, deal_kind = _SHORT, _PRODUCT_KIND, _DEAL_KIND
        source_code = _SOURCE_CODE
        view_type, enter_type, leave_type, click_type, comment_type, like_type = types
        # The rows logged here, column by column, until _log_rows packs them into the log.
        log_uk: list[int] = []
        log_a: list[int] = []
        log_b: list[int] = []
        log_ts: list[int] = []
        one_session = session is not None
        foreign: Record | None = None
        while True:
            # Bind what the short path needs; again after every event that took the long path. Its bounds are
            # offsets from the log's base ts, as the ts column keeps them: small ints compare faster.
            s = self._s
            base = self._base
            lo: float = _NOWHERE
            hi: float = _NOWHERE
            start = s.start
            if not self._stale and start is not None and self._log_max is not None:
                lo = max(start, self._log_max) - base
                hi = min(_fits(self._lts), _COMPACT)
                if self._last_end is not None:
                    hi = min(hi, self._last_end - base)
            else:
                start = 0
            flags, source, profile, entered_at, watch = s.flags, s.source, s.profile, s.entered, s.watch
            # Product name -> (its number, its counters in this state), filled as products are met.
            products: dict[str, tuple[int, _Product]] = {}
            products_get = products.get
            cur = s.cur_minute
            s.room(cur)
            enters, leaves, comment_counts = s.enters, s.leaves, s.comment_counts
            next_minute = start + 60000 * (cur + 1) - base  # as an offset
            top = None  # offset of the newest event taken here
            slow: Record | None = None
            room = _LOG_BLOCK  # rows that may still be gathered before they are packed into the log
            try:
                for r in it:
                    cls = type(r)
                    if cls is view_type:
                        k = K_VIEW
                        rid = r.id
                        sess = r.session
                        ts = r.ts
                        name = r.user
                        pname = r.product
                    elif cls is enter_type:
                        k = K_ENTER
                        rid = r.id
                        sess = r.session
                        ts = r.ts
                        name = r.user
                    elif cls is leave_type:
                        k = K_LEAVE
                        rid = r.id
                        sess = r.session
                        ts = r.ts
                        name = r.user
                    elif cls is click_type:
                        k = K_CLICK
                        rid = r.id
                        sess = r.session
                        ts = r.ts
                        name = r.user
                        pname = r.product
                    elif cls is comment_type:
                        k = K_COMMENT
                        rid = r.id
                        sess = r.session
                        ts = r.ts
                        name = r.user
                    elif cls is like_type:
                        k = K_LIKE
                        rid = r.id
                        sess = r.session
                        ts = r.ts
                        name = r.user
                    else:
                        k = r.KIND
                        rid = r.id
                        sess = r.session
                        ts = r.ts
                        name = r.user if short[k] else None
                        if product_kind[k]:  # a view or click of the other record classes (a mixed batch)
                            pname = r.product
                    if one_session and sess != session:
                        foreign = r  # the first of another session: left for the caller
                        break
                    if dedupe:
                        if rid in seen:
                            continue
                        seen_add(rid)
                    t = ts - base
                    if not (lo <= t <= hi and short[k]):
                        slow = r
                        break
                    u = users_get(name)
                    if u is None:
                        u = users[name] = len(users)
                        if u >= s.cap:
                            s.grow(u + 1)  # in place: the columns bound here stay valid
                    if t >= next_minute:
                        self._advance((ts - start) // 60000)
                        cur = s.cur_minute
                        s.room(cur)
                        next_minute = start + 60000 * (cur + 1) - base
                    # Apply it (as _take does for an in-order event), then log it (in order: not late).
                    a = b = 0
                    f = flags[u]
                    if f < F_UV and k != K_LEAVE:
                        f |= F_UV
                        flags[u] = f
                        s.uv += 1
                    if product_kind[k]:
                        hit = products_get(pname)
                        if hit is None:
                            a = product_get(pname, -1)
                            if a < 0:
                                a = self._product(pname)
                            hit = products[pname] = (a, s.product(a))
                        a, product = hit
                        i = u >> 3
                        mask = 1 << (u & 7)
                        if k == K_VIEW:
                            if not f & F_VIEWER:
                                flags[u] = f | F_VIEWER
                                s.view_users += 1
                            bits = product.viewed
                            try:  # one index, no len() call: the bitset is long enough but for new users
                                v = bits[i]
                            except IndexError:
                                if _bit(bits, u):
                                    product.views += 1
                            else:
                                if not v & mask:
                                    bits[i] = v | mask
                                    product.views += 1
                        else:
                            if not f & F_CLICKER:
                                flags[u] = f | F_CLICKER
                                s.click_users += 1
                            bits = product.clicked
                            try:
                                v = bits[i]
                            except IndexError:
                                if _bit(bits, u):
                                    product.clicks += 1
                            else:
                                if not v & mask:
                                    bits[i] = v | mask
                                    product.clicks += 1
                    elif k == K_ENTER:
                        a = source_code[r.source]
                        p = r.profile
                        if p:
                            try:  # the usual profile has all three; .get is several times slower than []
                                key = (p["gender"], p["age_band"], p["region"])
                            except KeyError:
                                key = (p.get("gender"), p.get("age_band"), p.get("region"))
                            b = profile_get(key, 0)
                            if not b:
                                b = self._profile(p)
                        s.pv += 1
                        enters[cur] += 1
                        if not f & F_ONLINE:
                            flags[u] = f | F_ONLINE
                            try:
                                entered_at[u] = ts
                            except OverflowError:
                                s.entered = entered_at = list(entered_at)
                                entered_at[u] = ts
                            n = s.online = s.online + 1
                            s.online_ts_sum += ts
                            if n > s.peak:
                                s.peak = n
                        if not source[u]:
                            source[u] = a + 1
                        if b and not profile[u]:
                            profile[u] = b
                    elif k == K_LEAVE:
                        if f & F_ONLINE:
                            entered = entered_at[u]
                            flags[u] = (f | F_WATCHED) - F_ONLINE  # the F_ONLINE bit is set: clear it
                            s.online -= 1
                            s.online_ts_sum -= entered
                            s.closed_ms += ts - entered
                            try:
                                watch[u] += ts - entered
                            except OverflowError:
                                s.watch = watch = list(watch)
                                watch[u] += ts - entered
                            leaves[cur] += 1
                    elif deal_kind[k]:
                        a = self._deal(r.order, u, r.product, r.qty, r.amount)
                        self._take(k, ts, u, a, 0, start)  # rare enough for the general code
                    else:
                        if k == K_COMMENT:
                            s.comments += 1
                            if not f & F_COMMENTER:
                                f |= F_COMMENTER
                                s.commenters += 1
                            comment_counts[cur] += 1
                        elif k == K_LIKE:
                            b = r.count
                            s.likes += b
                            if b > _SMALL:  # logged as -1 - its index in big
                                big.append(b)
                                b = -len(big)
                        elif k == K_FOLLOW:
                            if not f & F_FOLLOWER:
                                f |= F_FOLLOWER
                                s.followers += 1
                        elif k == K_SHARE:
                            s.shares += 1
                        else:  # K_GIFT
                            b = r.value
                            s.gift_value += b
                            if b > _SMALL:
                                big.append(b)
                                b = -len(big)
                        if not f & F_INTERACTING:
                            f |= F_INTERACTING
                            s.interacting += 1
                        flags[u] = f
                    log_uk.append(u * 32 + k)  # u << 5 | k (u >= 0), by the ops the interpreter makes fast
                    log_a.append(a)
                    log_b.append(b)  # only likes and gifts may carry a number too big for the column (above)
                    log_ts.append(t)
                    top = lo = t
                    room -= 1
                    if not room:
                        self._log_rows(log_uk, log_a, log_b, log_ts)
                        room = _LOG_BLOCK
                else:
                    return None
            finally:
                self._log_rows(log_uk, log_a, log_b, log_ts)
                if top is not None:
                    # What _accept and _take record of the newest event, once for the whole run.
                    top += base
                    self._log_max = s.max_ts = top
                    if self._all_max is None or top > self._all_max:
                        self._all_max = top
            if foreign is not None:
                return foreign
            assert slow is not None
            self._feed_new(slow)
            if self._stale:  # nothing more is applied until a read replays: the rest of the batch is only logged
                for r in it:
                    if one_session and r.session != session:
                        foreign = r
                        return foreign
                    if dedupe:
                        rid = r.id
                        if rid in seen:
                            continue
                        seen_add(rid)
                    self._feed_new(r)
                return None

    def _log_rows(self, uk: list[int], a: list[int], b: list[int], ts: list[int]) -> None:
        """Append the rows feed_many gathered (one list per column) to the log, and empty the lists."""
        if uk:
            self._luk = _extend(self._luk, uk)
            self._la = _extend(self._la, a)
            self._lb = _extend(self._lb, b)
            self._lts = _extend(self._lts, ts)
            uk.clear()
            a.clear()
            b.clear()
            ts.clear()

    def _feed_new(self, record: Record) -> None:
        """Take a record that is not a duplicate."""
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
                a = self._deal(r.order, u, r.product, r.qty, r.amount)
            elif k == K_GIFT:
                b = r.value
            elif k == K_REFUND:
                self._refund(r.order, r.ts, r.amount)
                return
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

    def _deal(self, order: str, user: int, product: str | None, qty: int | None, amount: int) -> int:
        row = len(self._d_order)
        self._d_order.append(self._order(order))
        self._d_user.append(user)
        self._d_product.append(self._product(product) if product is not None else -1)
        self._d_qty = _push(self._d_qty, qty or 0)
        self._d_amount = _push(self._d_amount, amount)
        return row

    def _refund(self, order: str, ts: int, amount: int) -> None:
        self._span(ts)
        self._window_start()
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
        row = len(self._luk)
        self._luk = _push(self._luk, u << 5 | k)
        self._la.append(a)
        if 0 <= b <= _SMALL:
            self._lb.append(b)
        else:
            self._lb.append(-1 - len(self._big))
            self._big.append(b)
        if not row:
            self._base = ts
        self._lts = _push(self._lts, ts - self._base)
        if self._log_max is None or ts >= self._log_max:
            self._log_max = ts
        else:
            self._late.append(row)
        self._span(ts)
        s = self._s
        if k == K_START:
            if self._first_start is None or ts < self._first_start:
                self._first_start = ts
        elif k == K_END:
            if self._last_end is not None and ts > self._last_end and s.skipped_after_end:
                self._stale = True
            if self._last_end is None or ts > self._last_end:
                self._last_end = ts
        start = self._window_start()
        if self._stale:
            return
        if ts < start:
            return  # before live_start: outside the window
        if s.max_ts is not None and ts < s.max_ts and _SENSITIVE[k]:
            self._stale = True
            return
        if self._last_end is not None and ts > self._last_end:
            s.skipped_after_end += 1
            return
        if s.start is None:
            s.start = start
        self._take(k, ts, u, a, b, start)

    def _window_start(self) -> int:
        """The window's start as the events so far give it; marks the state stale when that is not the start it
        was counted with (a first or earlier live_start, or with none an earlier event, a refund included)."""
        start = self._first_start if self._first_start is not None else self._all_min
        assert start is not None
        if self._s.start is not None and start != self._s.start:
            self._stale = True
        return start

    def _advance(self, minute: int) -> None:
        s = self._s
        while s.cur_minute < minute:
            s.online_end.append(s.online)
            s.uv_at_minute.append(s.uv)
            s.cur_minute += 1

    def _enter(self, u: int, f: int, ts: int) -> None:
        """User ``u`` (flags ``f``, not online) comes online at ``ts``."""
        s = self._s
        s.flags[u] = f | F_ONLINE
        try:
            s.entered[u] = ts
        except OverflowError:
            s.entered = list(s.entered)
            s.entered[u] = ts
        s.online += 1
        s.online_ts_sum += ts
        if s.online > s.peak:
            s.peak = s.online

    def _leave(self, u: int, f: int, ts: int) -> None:
        """User ``u`` (flags ``f``, online) goes offline at ``ts``."""
        s = self._s
        entered = s.entered[u]
        spell = ts - entered
        s.flags[u] = (f | F_WATCHED) & ~F_ONLINE
        s.online -= 1
        s.online_ts_sum -= entered
        s.closed_ms += spell
        try:
            s.watch[u] += spell
        except OverflowError:
            s.watch = list(s.watch)
            s.watch[u] += spell

    def _take(self, k: int, ts: int, u: int, a: int, b: int, start: int) -> None:
        """Apply an in-window event, in ts order."""
        s = self._s
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
                if _bit(product.viewed, u):
                    product.views += 1
            elif k == K_ENTER:
                s.pv += 1
                s.bucket(s.enters, minute)
                if not f & F_ONLINE:
                    self._enter(u, f, ts)
                if not s.source[u]:
                    s.source[u] = a + 1
                if b and not s.profile[u]:
                    s.profile[u] = b
            elif k == K_LEAVE:
                if f & F_ONLINE:
                    self._leave(u, f, ts)
                    s.bucket(s.leaves, minute)
            elif k == K_CLICK:
                if not f & F_CLICKER:
                    flags[u] = f | F_CLICKER
                    s.click_users += 1
                product = s.product(a)
                if _bit(product.clicked, u):
                    product.clicks += 1
            elif k in (K_ORDER, K_PAY):
                number = self._d_order[a]
                if number >= len(s.o_order):
                    s.grow_orders(number + 1)
                first = s.o_order[number]
                paid = s.o_pay[number]
                if first < 0 and paid < 0:
                    s.orders_in += 1
                if k == K_ORDER:
                    if first < 0 or self._d_product[first] < 0:
                        s.o_order[number] = a
                elif paid < 0:
                    s.o_pay[number] = a
                    s.paid_list.append(number)
                    try:
                        s.o_pay_ts[number] = ts
                    except OverflowError:
                        s.o_pay_ts = list(s.o_pay_ts)
                        s.o_pay_ts[number] = ts
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
        for i in range(len(self._luk)):
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
        self._s = s = _State(len(self._users), len(self._order_no))
        self._stale = False
        if self._all_min is None:
            return
        start = self._first_start if self._first_start is not None else self._all_min
        s.start = start
        end = self._last_end
        lts, luk, la, lb, big = self._lts, self._luk, self._la, self._lb, self._big
        base = self._base
        take = self._take
        for i in self._replay_order():
            ts = base + lts[i]
            if ts < start:
                continue
            if end is not None and ts > end:
                s.skipped_after_end += 1
                continue
            b = lb[i]
            if b < 0:
                b = big[-1 - b]
            uk = luk[i]
            take(uk & 31, ts, uk >> 5, la[i], b, start)

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
        return self._s.online

    @property
    def explaining(self) -> str | None:
        if self._stale:
            self._rebuild()
        number = self._s.explaining
        return None if number is None else self._product_names[number]

    def memory_parts(self) -> dict[str, int]:
        """Bytes held by the big containers (the log, the interned names, the per-user columns); approximate."""
        import sys

        def size(*items: object) -> int:
            return sum(sys.getsizeof(item) for item in items)

        s = self._s
        log = size(self._lts, self._luk, self._la, self._lb, self._late)
        deals = size(self._d_order, self._d_user, self._d_product, self._d_qty, self._d_amount)
        deals += size(s.o_order, s.o_pay, s.o_pay_ts, s.paid_list, self._order_no, *self._order_no)
        names = size(self._users, *self._users) + size(*self._users.values())
        users = size(s.flags, s.source, s.profile, s.watch, s.entered)
        marks = sum(size(p.viewed, p.clicked) for p in s.products.values())
        return {"log": log, "orders": deals, "user_names": names, "per_user": users, "per_product": marks}

    def snapshot(self) -> dict[str, Any]:
        """The METRICS.md object for this session (plus ``online``, ``explaining`` and ``delta_5m``)."""
        win = self.window()
        s = self._s
        names = self._product_names
        start, end = win if win else (0, 0)
        duration_ms = end - start
        watch_ms = s.closed_ms + (s.online * end - s.online_ts_sum)
        uv = s.uv
        n_minutes = max(1, math.ceil(duration_ms / 60000))
        paid = s.paid_list
        o_order, o_pay, o_pay_ts = s.o_order, s.o_pay, s.o_pay_ts
        d_user, d_product, d_qty, d_amount = self._d_user, self._d_product, self._d_qty, self._d_amount
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

        for number in paid:
            pay = o_pay[number]
            first = o_order[number]
            qty = d_qty[pay] or (d_qty[first] if first >= 0 else 0) or 1
            who = d_user[pay]  # a pay event always names its user
            amount = d_amount[pay]
            units += qty
            gmv += amount
            buyers.add(who)
            m = min(max((o_pay_ts[number] - start) // 60000, 0), n_minutes - 1)
            minute_paid[m] += 1
            minute_gmv[m] += amount
            pid = d_product[pay]
            if pid < 0 and first >= 0:
                pid = d_product[first]
            if pid >= 0:
                row = product_row(pid)
                row["paid_orders"] += 1
                row["units"] += qty
                row["gmv"] += amount
                row["buyers"].add(who)
        refund_amount = refunded_orders = unmatched = 0
        for oid, (total, count) in self._refunds.items():
            pay = o_pay[oid] if oid < len(o_pay) else -1
            if pay < 0:
                unmatched += count
                continue
            capped = min(total, d_amount[pay])
            refund_amount += capped
            refunded_orders += 1
            pid = d_product[pay]
            first = o_order[oid]
            if pid < 0 and first >= 0:
                pid = d_product[first]
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
                    "online_end": s.online_end[m] if m < len(s.online_end) and m < n_minutes - 1 else s.online,
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
            "orders": s.orders_in,
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
            "online": s.online,
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
            delta["online"] = s.online - minutes[back]["online_end"]
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
        watch = [s.watch[u] for u in range(n_users) if flags[u] & F_WATCHED and not flags[u] & F_ONLINE]
        watch.extend(s.watch[u] + end - s.entered[u] for u in range(n_users) if flags[u] & F_ONLINE)
        viewers = s.uv or 1
        retention = {str(n): sum(1 for ms in watch if ms >= n * 60000) / viewers for n in retention_minutes}
        in_uv = [u for u in range(n_users) if flags[u] & F_UV]
        traffic: dict[str, int] = {}
        for u in in_uv:
            code = s.source[u]
            source = SOURCE_NAMES[code - 1] if code else "unknown"
            traffic[source] = traffic.get(source, 0) + 1
        paying = {self._d_user[s.o_pay[number]] for number in s.paid_list}
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

    def retarget(self) -> tuple[dict[str, dict[str, list[str]]], set[str]]:
        """METRICS.md's Retargeting segments over the window, and the buyers.

        Each segment maps a user to what they wanted: the products they clicked (``clicked_not_paid``) or
        ordered (``ordered_not_paid``), sorted; ``commented_not_paid`` maps to an empty list.
        """
        win = self.window()  # replays first when stale, so the paid orders below are current
        names = list(self._users)
        products = self._product_names
        s = self._s
        buyers = {self._d_user[s.o_pay[number]] for number in s.paid_list}
        wants: dict[int, dict[int, set[int]]] = {K_CLICK: {}, K_ORDER: {}, K_COMMENT: {}}
        if win is not None:
            start, end = win
            base, lts, luk, la = self._base, self._lts, self._luk, self._la
            d_product = self._d_product
            for i in range(len(luk)):
                uk = luk[i]
                k = uk & 31
                if k not in wants:
                    continue
                ts = base + lts[i]
                u = uk >> 5
                if ts < start or ts > end or u < 0 or u in buyers:
                    continue
                seen = wants[k].setdefault(u, set())
                if k == K_CLICK:
                    seen.add(la[i])
                elif k == K_ORDER:
                    product = d_product[la[i]]
                    if product >= 0:
                        seen.add(product)
        segments: dict[str, dict[str, list[str]]] = {}
        for key, kind in (
            ("clicked_not_paid", K_CLICK),
            ("ordered_not_paid", K_ORDER),
            ("commented_not_paid", K_COMMENT),
        ):
            users = {names[u]: sorted(products[p] for p in ps) for u, ps in wants[kind].items()}
            segments[key] = {user: users[user] for user in sorted(users)}
        return segments, {names[u] for u in buyers}


def compute(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """Metrics of every session in a stream of events."""
    return compute_records(record_of(event) for event in events)


def compute_records(records: Iterable[Record]) -> dict[str, dict[str, Any]]:
    """Metrics of every session in a stream of records (``livecrew metrics FILE``: ``events.iter_records``)."""
    engines: dict[str, SessionEngine] = {}
    # A file is usually one show (session) after another: each run of one session's records goes to its engine in
    # one call, which tells where the run ends itself (cheaper per record than itertools.groupby's key call).
    it = iter(records)
    first: Record | None = next(it, None)
    while first is not None:
        session = first.session
        engine = engines.get(session)
        if engine is None:
            engine = engines[session] = SessionEngine(session)
        first = engine._feed_run(chain((first,), it), session)
    return {name: engine.snapshot() for name, engine in engines.items()}
