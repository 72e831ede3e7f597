"""Live stock: claims (喊單 / +1) that never oversell, waitlists, platform orders and the checkout list.

Every change to a stock counter is one conditional ``UPDATE ... WHERE stock >= :q``: the database
decides, never a read followed by a write. The ``Ledger`` is the seam: ``SqlLedger`` is the default;
a Redis Lua ledger can take its place for a scale-out deployment (same operations).

The claim path is written for speed as well: its statements are built once (Core, not the ORM), the
conditional updates return what is left (``RETURNING``) so the low-stock check reads nothing back, and
an ingest batch (``ClaimBatch``) reads the show's lineup once and inserts its claim rows together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, case, func, insert, literal_column, or_, select, update
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.core.clock import Clock, to_ms
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.goods import claimtext
from livecrew.goods.models import Claim, ClaimStatus, LineupItem, OrderLine, Product, StockMove
from livecrew.shows.models import Show, ShowStatus

MAX_QTY = 99
OPEN_FOR_CLAIMS = (ShowStatus.ready.value, ShowStatus.live.value)

_ITEMS = cast(Table, LineupItem.__table__)
_PRODUCTS = cast(Table, Product.__table__)
_CLAIMS = cast(Table, Claim.__table__)

# Built once: SQLAlchemy then reuses the compiled form on every call (no per-claim statement building).
_TAKE_QUOTA = (
    update(_ITEMS)
    .where(
        _ITEMS.c.id == bindparam("item"),
        or_(_ITEMS.c.quota.is_(None), _ITEMS.c.confirmed + bindparam("qty") <= _ITEMS.c.quota),
    )
    .values(confirmed=_ITEMS.c.confirmed + bindparam("qty"))
    .returning(_ITEMS.c.confirmed, _ITEMS.c.quota)
)
_TAKE_STOCK = (
    update(_PRODUCTS)
    .where(_PRODUCTS.c.id == bindparam("product"), _PRODUCTS.c.stock >= bindparam("qty"))
    .values(stock=_PRODUCTS.c.stock - bindparam("qty"))
    .returning(_PRODUCTS.c.stock)
)
_MOVE_CONFIRMED = (
    update(_ITEMS).where(_ITEMS.c.id == bindparam("item")).values(confirmed=_ITEMS.c.confirmed + bindparam("delta"))
)
_GIVE_STOCK = (
    update(_PRODUCTS).where(_PRODUCTS.c.id == bindparam("product")).values(stock=_PRODUCTS.c.stock + bindparam("qty"))
)
# A write that changes nothing: it locks the item's row (PostgreSQL) or the database (SQLite) until the
# transaction ends, so the quota counter it returns cannot move under the batch that holds it.
_HOLD_ITEM = (
    update(_ITEMS)
    .where(_ITEMS.c.id == bindparam("item"))
    .values(confirmed=_ITEMS.c.confirmed)
    .returning(_ITEMS.c.confirmed, _ITEMS.c.quota)
)
_FLAG_LOW = (
    update(_ITEMS).where(_ITEMS.c.id == bindparam("item"), _ITEMS.c.announced_low.is_(False)).values(announced_low=True)
)
_INSERT_CLAIM = insert(_CLAIMS)
_INSERT_CLAIM_ID = insert(_CLAIMS).returning(_CLAIMS.c.id)


def _left(stock_left: int, confirmed: int, quota: int | None) -> int:
    """Units the item can still confirm: the stock, capped by what is left of the show's quota."""
    return stock_left if quota is None else max(0, min(stock_left, quota - confirmed))


class LedgerBatch(Protocol):
    """Many takes in one transaction (an ingest batch); ``settle`` writes back what the batch holds."""

    def take_all(self, wants: Sequence[tuple[int, str, int]]) -> list[int | None]:
        """Take each (item id, product id, qty) in order, with the outcome of taking them one after the
        other: per want, the units the item has left after it, or None when the quota or the stock was
        short (nothing taken)."""

    def settle(self) -> None:
        """Bring the item counters up to date (before anything else reads them, and at the end)."""


class Ledger(Protocol):
    def take(self, db: Session, item_id: int, product_id: str, qty: int) -> int | None:
        """Atomically take ``qty`` from the item's quota and the product's stock: the units the item has
        left afterwards, or None (and nothing taken) when either is short."""

    def give_back(self, db: Session, item_id: int, product_id: str, qty: int) -> None:
        """Return ``qty`` to the item's quota and the product's stock."""

    def batch(self, db: Session) -> LedgerBatch:
        """A batch of takes in the caller's transaction."""


def _rows(result: Any) -> int:
    return int(result.rowcount)


class SqlLedger:
    """Conditional updates in the caller's transaction: the quota first, then the stock."""

    def take(self, db: Session, item_id: int, product_id: str, qty: int) -> int | None:
        conn = db.connection()
        quota = conn.execute(_TAKE_QUOTA, {"item": item_id, "qty": qty}).first()
        if quota is None:
            return None
        stock = conn.execute(_TAKE_STOCK, {"product": product_id, "qty": qty}).first()
        if stock is None:
            conn.execute(_MOVE_CONFIRMED, {"item": item_id, "delta": -qty})
            return None
        return _left(stock[0], quota[0], quota[1])

    def give_back(self, db: Session, item_id: int, product_id: str, qty: int) -> None:
        conn = db.connection()
        conn.execute(_MOVE_CONFIRMED, {"item": item_id, "delta": -qty})
        conn.execute(_GIVE_STOCK, {"product": product_id, "qty": qty})

    def batch(self, db: Session) -> LedgerBatch:
        return SqlLedgerBatch(db)


@dataclass
class _Held:
    confirmed: int
    quota: int | None
    added: int = 0


class _DriverStatement:
    """A Core statement compiled once for the connection's dialect and run on the DB-API cursor: the
    per-claim statement of a batch skips SQLAlchemy's execution layer (a third of a claim's time)."""

    def __init__(self, stmt: Any, dialect: Any) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql: str = compiled.string
        self.order: tuple[str, ...] | None = tuple(compiled.positiontup) if compiled.positional else None

    def args(self, params: dict[str, Any]) -> Any:
        return params if self.order is None else tuple(params[name] for name in self.order)


class SqlLedgerBatch:
    """The batch form of ``SqlLedger``: one conditional stock update per claim decides.

    The first take of an item locks its row (``_HOLD_ITEM``) until the transaction ends and reads its
    confirmed count and quota; later takes check the quota against that held count in memory (nobody
    else can change it meanwhile) and ``settle`` adds what was confirmed. The product's stock is shared
    (other shows, paid orders) and is never held: every claim runs ``UPDATE ... WHERE stock >= :qty``.

    On PostgreSQL the updates go out in a pipeline (psycopg ``executemany(..., returning=True)``): still
    one conditional update per claim, run by the server in order, without a network round trip each.
    A claim joins the pipeline only while the item's quota could not refuse it even if every claim
    already in the pipeline is confirmed; otherwise the pipeline is run first and the quota checked
    against the exact count. So the outcome is that of taking the claims one after the other.
    """

    def __init__(self, db: Session) -> None:
        conn = db.connection()
        self.conn = conn
        self.cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.pipelined = conn.dialect.name == "postgresql"
        self.take_stock = _DriverStatement(_TAKE_STOCK, conn.dialect)
        self.hold_item = _DriverStatement(_HOLD_ITEM, conn.dialect)
        self.held: dict[int, _Held | None] = {}

    def _run(self, stmt: _DriverStatement, params: list[dict[str, Any]]) -> list[Any]:
        """The returned row (or None) of each parameter set, run in order."""
        cur = self.cursor
        out: list[Any] = []
        if not params:
            return out
        if self.pipelined:
            cur.executemany(stmt.sql, [stmt.args(p) for p in params], returning=True)
            while True:
                out.append(cur.fetchone())
                if not cur.nextset():
                    break
            return out
        for p in params:
            cur.execute(stmt.sql, stmt.args(p))
            rows = cur.fetchall()  # to the end: SQLite finishes the statement
            out.append(rows[0] if rows else None)
        return out

    def take_all(self, wants: Sequence[tuple[int, str, int]]) -> list[int | None]:
        new = list(dict.fromkeys(item_id for item_id, _, _ in wants if item_id not in self.held))
        if new:
            for item_id, row in zip(new, self._run(self.hold_item, [{"item": i} for i in new]), strict=True):
                self.held[item_id] = _Held(row[0], row[1]) if row is not None else None
        results: list[int | None] = [None] * len(wants)
        short = self._take_whole(wants, results)
        if short:
            self._take_each(wants, short, results)
        return results

    def _take_whole(self, wants: Sequence[tuple[int, str, int]], results: list[int | None]) -> list[int]:
        """Per product, one conditional update for the units of every claim that one-by-one taking would confirm.

        First try: every claim the quotas let through (the stock usually covers a batch). When the stock is
        short, read it once and play the claims in order against what was read (a claim confirms when its
        quota and the stock left allow it), then take that total with one conditional update: if the stock
        has not fallen meanwhile, the outcome is exactly that of taking the claims one after the other. The
        read only chooses the amount; the conditional update decides. Products whose stock moved under both
        tries are returned (their positions) for one update per claim."""
        by_product: dict[str, list[int]] = {}
        for k, (_item_id, product_id, _qty) in enumerate(wants):
            by_product.setdefault(product_id, []).append(k)
        short = self._take_planned(wants, results, {p: self._plan(wants, ks, None) for p, ks in by_product.items()})
        if not short:
            return []
        stocks = self._stocks(list(short))
        retry = {p: self._plan(wants, by_product[p], stocks.get(p, 0)) for p in short}
        again = self._take_planned(wants, results, retry)
        return sorted(k for p in again for k in by_product[p])

    def _plan(self, wants: Sequence[tuple[int, str, int]], positions: list[int], stock: int | None) -> list[int]:
        """The positions one-by-one taking would confirm, given the stock (None: as if unlimited)."""
        extra: dict[int, int] = {}
        passing: list[int] = []
        left = stock
        for k in positions:
            item_id, _, qty = wants[k]
            held = self.held[item_id]
            if held is None:  # left the lineup meanwhile
                continue
            if held.quota is not None and held.confirmed + extra.get(item_id, 0) + qty > held.quota:
                continue
            if left is not None:
                if qty > left:
                    continue
                left -= qty
            extra[item_id] = extra.get(item_id, 0) + qty
            passing.append(k)
        return passing

    def _take_planned(
        self, wants: Sequence[tuple[int, str, int]], results: list[int | None], plans: dict[str, list[int]]
    ) -> set[str]:
        """Take each product's planned total with one conditional update; the products whose update failed."""
        todo = [(p, ks, sum(wants[k][2] for k in ks)) for p, ks in plans.items() if ks]
        rows = self._run(self.take_stock, [{"product": p, "qty": units} for p, _ks, units in todo])
        failed: set[str] = set()
        for (product_id, passing, units), row in zip(todo, rows, strict=True):
            if row is None:
                failed.add(product_id)
                continue
            stock_after = int(row[0]) + units  # walk the stock down claim by claim, as one-by-one would
            for k in passing:
                item_id, _, qty = wants[k]
                held = self.held[item_id]
                assert held is not None
                stock_after -= qty
                held.confirmed += qty
                held.added += qty
                results[k] = _left(stock_after, held.confirmed, held.quota)
        return failed

    def _stocks(self, product_ids: list[str]) -> dict[str, int]:
        rows = self.conn.execute(select(_PRODUCTS.c.id, _PRODUCTS.c.stock).where(_PRODUCTS.c.id.in_(product_ids)))
        return {row[0]: int(row[1]) for row in rows}

    def _take_each(
        self, wants: Sequence[tuple[int, str, int]], positions: list[int], results: list[int | None]
    ) -> None:
        """One conditional update per claim, in order (for products whose stock runs out inside the batch)."""
        group: list[int] = []  # positions in ``wants`` of the claims in the pipeline
        asked: dict[int, int] = {}  # per item: the units the pipeline asks for

        def run_group() -> None:
            params = [{"product": wants[k][1], "qty": wants[k][2]} for k in group]
            for k, row in zip(group, self._run(self.take_stock, params), strict=True):
                item_id, _, qty = wants[k]
                held = self.held[item_id]
                if row is not None and held is not None:
                    held.confirmed += qty
                    held.added += qty
                    results[k] = _left(row[0], held.confirmed, held.quota)
            group.clear()
            asked.clear()

        for k in positions:
            item_id, _product_id, qty = wants[k]
            held = self.held[item_id]
            if held is None:  # left the lineup meanwhile
                continue
            if held.quota is not None and held.confirmed + asked.get(item_id, 0) + qty > held.quota:
                if asked.get(item_id):
                    run_group()
                if held.confirmed + qty > held.quota:
                    continue
            group.append(k)
            asked[item_id] = asked.get(item_id, 0) + qty
        if group:
            run_group()

    def settle(self) -> None:
        moves = [{"item": item_id, "delta": h.added} for item_id, h in self.held.items() if h is not None and h.added]
        if moves:
            self.conn.execute(_MOVE_CONFIRMED, moves)
        self.held.clear()


LEDGER: Ledger = SqlLedger()


@dataclass(frozen=True)
class ClaimResult:
    claim_id: int
    status: str
    code: str
    sku: str
    qty: int

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim_id, "status": self.status, "code": self.code, "sku": self.sku, "qty": self.qty}


@dataclass
class Line:
    """A lineup item as the claim path needs it: read once per claim, or once per ingest batch."""

    item_id: int
    code: str
    product_id: str
    sku: str
    platform_ref: str
    low_stock_at: int
    announced_low: bool


_LINES = (
    select(
        _ITEMS.c.id,
        _ITEMS.c.code,
        _ITEMS.c.product_id,
        _PRODUCTS.c.sku,
        _PRODUCTS.c.platform_ref,
        _PRODUCTS.c.low_stock_at,
        _ITEMS.c.announced_low,
    )
    .join(_PRODUCTS, _PRODUCTS.c.id == _ITEMS.c.product_id)
    .where(_ITEMS.c.show_id == bindparam("show"))
)
_LINE_BY_SKU = _LINES.where(_PRODUCTS.c.sku == bindparam("sku"))
_LINE_BY_CODE = _LINES.where(_ITEMS.c.code == bindparam("code"))


def _line_for(db: Session, show: Show, *, sku: str | None = None, code: str | None = None) -> Line:
    if sku is not None:
        row = db.connection().execute(_LINE_BY_SKU, {"show": show.id, "sku": sku}).first()
    else:
        row = db.connection().execute(_LINE_BY_CODE, {"show": show.id, "code": (code or "").upper()}).first()
    if row is None:
        what = f'SKU "{sku}"' if sku is not None else f'claim code "{code}"'
        raise NotFound(f"{what} is not in this show's lineup", key="err.not_in_lineup", params={"ref": sku or code})
    return Line(*row)


def _checked(show: Show, buyer: str, qty: int) -> str:
    if show.status not in OPEN_FOR_CLAIMS:
        raise Conflict(
            f"the show is {show.status}; claims are taken while it is ready or live", key="err.claims_closed"
        )
    buyer = (buyer or "").strip()
    if not buyer or len(buyer) > 200:
        raise ValidationFailed("a claim needs the buyer (1 to 200 characters)", key="err.claim_buyer")
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise ValidationFailed(f"qty must be a whole number from 1 to {MAX_QTY}", key="err.claim_qty")
    return buyer


def _claim_row(
    clock: Clock,
    show: Show,
    line: Line,
    *,
    buyer: str,
    qty: int,
    confirmed: bool,
    variant: str,
    source: str,
    text: str,
    event_id: str | None,
    ts: int | None,
) -> dict[str, Any]:
    now = clock.now()
    return {
        "show_id": show.id,
        "item_id": line.item_id,
        "buyer": buyer,
        "qty": qty,
        "variant": variant[:60],
        "status": ClaimStatus.confirmed.value if confirmed else ClaimStatus.waitlisted.value,
        "source": source,
        "text": text[:500],
        "event_id": event_id,
        "ts": ts if ts is not None else to_ms(now),
        "created_at": now,
        "cancelled_at": None,
    }


def claim(
    db: Session,
    clock: Clock,
    show: Show,
    *,
    buyer: str,
    qty: int,
    sku: str | None = None,
    code: str | None = None,
    variant: str = "",
    source: str = "api",
    text: str = "",
    event_id: str | None = None,
    ts: int | None = None,
) -> ClaimResult:
    """Confirm a claim while the quota and the stock last, else waitlist it. Never oversells."""
    buyer = _checked(show, buyer, qty)
    db.flush()  # the statements below bypass the ORM: pending changes go first, as autoflush would send them
    line = _line_for(db, show, sku=sku, code=code)
    left = LEDGER.take(db, line.item_id, line.product_id, qty)
    row = _claim_row(
        clock,
        show,
        line,
        buyer=buyer,
        qty=qty,
        confirmed=left is not None,
        variant=variant,
        source=source,
        text=text,
        event_id=event_id,
        ts=ts,
    )
    claim_id = int(db.connection().execute(_INSERT_CLAIM_ID, row).scalar_one())
    if left is not None and not line.announced_low:
        _announce_low(db, clock, show, line, left)
    publish_after_commit(db, show_channel(show.id), {"kind": "claims", "changed": [line.code]})
    return ClaimResult(claim_id, row["status"], line.code, line.sku, qty)


class ClaimBatch:
    """The claims of one ingest batch, in one transaction: the lineup is read once, claims are queued and
    ``flush`` takes them in order (one conditional stock update each, see ``SqlLedgerBatch``), inserts
    their rows together and tells the show once. Call ``flush`` before anything else reads or moves the
    claims, the item counters or the stock (a cancellation, a paid order), and at the end."""

    def __init__(self, db: Session, clock: Clock, show: Show) -> None:
        self.db, self.clock, self.show = db, clock, show
        db.flush()
        rows = db.connection().execute(_LINES, {"show": show.id}).all()
        self.by_code = {row[1]: Line(*row) for row in rows}
        self.ledger: LedgerBatch | None = None
        self.queued: list[tuple[Line, dict[str, Any]]] = []
        self.changed: dict[str, None] = {}

    def line_for_ref(self, ref: str) -> Line | None:
        """The lineup item of a product reference (the SKU, else the platform's product id)."""
        for line in self.by_code.values():
            if line.sku == ref:
                return line
        for line in self.by_code.values():
            if ref and line.platform_ref == ref:
                return line
        return None

    def claim(
        self,
        line: Line,
        *,
        buyer: str,
        qty: int,
        variant: str = "",
        source: str = "comment",
        text: str = "",
        event_id: str | None = None,
        ts: int | None = None,
    ) -> None:
        """Queue a claim; ``flush`` confirms or waitlists it, in the order claims were queued."""
        buyer = _checked(self.show, buyer, qty)
        row = _claim_row(
            self.clock,
            self.show,
            line,
            buyer=buyer,
            qty=qty,
            confirmed=False,
            variant=variant,
            source=source,
            text=text,
            event_id=event_id,
            ts=ts,
        )
        self.queued.append((line, row))

    def flush(self) -> None:
        if self.queued:
            if self.ledger is None:
                self.ledger = LEDGER.batch(self.db)
            lefts = self.ledger.take_all([(line.item_id, line.product_id, row["qty"]) for line, row in self.queued])
            crossings: list[tuple[Line, int]] = []
            for (line, row), left in zip(self.queued, lefts, strict=True):
                self.changed[line.code] = None
                if left is None:
                    continue
                row["status"] = ClaimStatus.confirmed.value
                if not line.announced_low and left <= line.low_stock_at:
                    crossings.append((line, left))
                    line.announced_low = True  # announced now or by someone else: either way, once
            _announce_many(self.db, self.clock, self.show, crossings)
            _insert_claims(self.db, [row for _line, row in self.queued])
            self.queued = []
        if self.ledger is not None:
            self.ledger.settle()
        if self.changed:
            publish_after_commit(self.db, show_channel(self.show.id), {"kind": "claims", "changed": list(self.changed)})
            self.changed = {}


def _insert_claims(db: Session, rows: list[dict[str, Any]]) -> None:
    """Claim rows of a batch in one go: COPY on PostgreSQL (one stream, not a statement per row), else executemany."""
    conn = db.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(_INSERT_CLAIM, rows)
        return
    columns = list(rows[0])
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {_CLAIMS.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def get_claim(db: Session, show: Show, claim_id: int) -> Claim:
    row = db.get(Claim, claim_id)
    if row is None or row.show_id != show.id:
        raise NotFound(f"no claim {claim_id} in this show", key="err.no_claim")
    return row


def cancel(db: Session, clock: Clock, show: Show, row: Claim) -> Claim:
    """Cancel a claim; a confirmed one gives its stock to the first waitlisted claims that fit."""
    if row.status == ClaimStatus.cancelled.value:
        raise Conflict(f"claim {row.id} is already cancelled", key="err.claim_cancelled")
    was = row.status
    changed = _rows(
        db.execute(
            update(Claim)
            .where(Claim.id == row.id, Claim.status == was)
            .values(status=ClaimStatus.cancelled.value, cancelled_at=clock.now())
            .execution_options(synchronize_session=False)
        )
    )
    if not changed:
        raise Conflict(f"claim {row.id} changed meanwhile; reload and try again")
    item = db.get(LineupItem, row.item_id)
    assert item is not None
    if was == ClaimStatus.confirmed.value:
        LEDGER.give_back(db, item.id, item.product_id, row.qty)
    # Freed units, or a new head of the line (a waitlisted claim left it): serve whoever fits now.
    _promote(db, clock, show, item)
    db.refresh(row)
    publish_after_commit(db, show_channel(show.id), {"kind": "claims", "changed": [item.code]})
    return row


def _promote(db: Session, clock: Clock, show: Show, item: LineupItem) -> int:
    """Serve the item's waitlist in order of arrival while stock and quota allow (first in line first)."""
    served = 0
    left: int | None = None
    waiting = db.scalars(
        select(Claim)
        .where(Claim.item_id == item.id, Claim.status == ClaimStatus.waitlisted.value)
        .order_by(Claim.ts, Claim.id)
    ).all()
    for row in waiting:
        taken = LEDGER.take(db, item.id, item.product_id, row.qty)
        if taken is None:
            break
        moved = _rows(
            db.execute(
                update(Claim)
                .where(Claim.id == row.id, Claim.status == ClaimStatus.waitlisted.value)
                .values(status=ClaimStatus.confirmed.value)
                .execution_options(synchronize_session=False)
            )
        )
        if not moved:  # cancelled meanwhile: hand the units back
            LEDGER.give_back(db, item.id, item.product_id, row.qty)
            continue
        served += 1
        left = taken
    if left is not None:
        line = db.connection().execute(_LINE_BY_CODE, {"show": show.id, "code": item.code}).first()
        if line is not None:
            _announce_low(db, clock, show, Line(*line), left)
    return served


def serve_waitlists(db: Session, clock: Clock, product: Product) -> int:
    """After a restock: serve the waitlists of the open shows that carry the product."""
    items = db.execute(
        select(LineupItem, Show)
        .join(Show, Show.id == LineupItem.show_id)
        .where(LineupItem.product_id == product.id, Show.status.in_(OPEN_FOR_CLAIMS))
        .order_by(Show.starts_at)
    ).all()
    served = 0
    for item, show in items:
        item.announced_low = False
        served += _promote(db, clock, show, item)
    if served:
        db.refresh(product)  # the takes went around the ORM: the caller's product shows what is left
    return served


def remaining(item: LineupItem, product: Product) -> int:
    left_in_quota = item.quota - item.confirmed if item.quota is not None else product.stock
    return max(0, min(product.stock, left_in_quota))


@cache
def _insert_action() -> Any:
    from livecrew.live.models import LiveAction

    table = cast(Table, LiveAction.__table__)
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def _announce_low(db: Session, clock: Clock, show: Show, line: Line, left: int) -> None:
    """Crossing the product's low-stock threshold: one announcement for the host ("A1 只剩最後 50 件").

    ``left`` comes from the take that just happened (the update's ``RETURNING``): nothing is read back,
    and above the threshold nothing is written. The flag's conditional update makes it once per crossing.
    """
    if left > line.low_stock_at:
        return
    if not _rows(db.connection().execute(_FLAG_LOW, {"item": line.item_id})):
        return
    text = f"{line.code} 只剩最後 {left} 件" if left else f"{line.code} 已售罄"
    payload = {"text": text, "auto": "stock_low", "code": line.code, "sku": line.sku, "left": left}
    now = clock.now()
    ts = to_ms(now)
    row = {"show_id": show.id, "kind": "announce", "payload": payload, "ts": ts, "at": now, "actor_id": None}
    action_id = int(db.connection().execute(_insert_action(), row).scalar_one())
    record = {"id": action_id, "kind": "announce", "payload": payload, "ts": ts, "actor": "livecrew"}
    publish_after_commit(db, show_channel(show.id), {"kind": "action", **record})


def _announce_many(db: Session, clock: Clock, show: Show, crossings: list[tuple[Line, int]]) -> None:
    """``_announce_low`` for a batch: one flag update for all the items, one insert for all the announcements."""
    if not crossings:
        return
    conn = db.connection()
    flagged = {
        row[0]
        for row in conn.execute(
            update(_ITEMS)
            .where(_ITEMS.c.id.in_([line.item_id for line, _left in crossings]), _ITEMS.c.announced_low.is_(False))
            .values(announced_low=True)
            .returning(_ITEMS.c.id)
        )
    }
    now = clock.now()
    ts = to_ms(now)
    rows = []
    for line, left in crossings:
        if line.item_id not in flagged:
            continue  # someone else announced it first
        text = f"{line.code} 只剩最後 {left} 件" if left else f"{line.code} 已售罄"
        payload = {"text": text, "auto": "stock_low", "code": line.code, "sku": line.sku, "left": left}
        rows.append({"show_id": show.id, "kind": "announce", "payload": payload, "ts": ts, "at": now, "actor_id": None})
    if not rows:
        return
    ids = [int(r[0]) for r in conn.execute(_insert_action(), rows)]
    for action_id, row in zip(ids, rows, strict=True):
        record = {"id": action_id, "kind": "announce", "payload": row["payload"], "ts": ts, "actor": "livecrew"}
        publish_after_commit(db, show_channel(show.id), {"kind": "action", **record})


def stock_view(db: Session, show: Show) -> dict[str, dict[str, int]]:
    """Per SKU in the lineup: stock left, confirmed and waitlisted quantities (the Contracts table's shape)."""
    counts = db.execute(
        select(
            Claim.item_id,
            func.sum(case((Claim.status == ClaimStatus.waitlisted.value, Claim.qty), else_=0)),
            func.count(case((Claim.status == ClaimStatus.waitlisted.value, 1))),
        )
        .where(Claim.show_id == show.id)
        .group_by(Claim.item_id)
    ).all()
    waiting = {item_id: int(qty or 0) for item_id, qty, _n in counts}
    out: dict[str, dict[str, int]] = {}
    rows = db.execute(
        select(LineupItem, Product)
        .join(Product, Product.id == LineupItem.product_id)
        .where(LineupItem.show_id == show.id)
        .order_by(LineupItem.position)
        .execution_options(populate_existing=True)
    ).all()
    for item, product in rows:
        out[product.sku] = {
            "stock": product.stock,
            "confirmed": item.confirmed,
            "waitlisted": waiting.get(item.id, 0),
            "remaining": remaining(item, product),
        }
    return out


def claims_of(db: Session, show: Show, *, status: str | None = None, limit: int = 500) -> list[tuple[Claim, str, str]]:
    stmt = (
        select(Claim, LineupItem.code, Product.sku)
        .join(LineupItem, LineupItem.id == Claim.item_id)
        .join(Product, Product.id == LineupItem.product_id)
        .where(Claim.show_id == show.id)
    )
    if status:
        stmt = stmt.where(Claim.status == status)
    stmt = stmt.order_by(Claim.id.desc()).limit(limit)
    return [(c, code, sku) for c, code, sku in db.execute(stmt).all()]


# ------------------------------------------------------------------ from the event log


def _explained_now(db: Session, show: Show) -> dict[str, str | None]:
    """Per call: the product being explained, kept on the session so one ingest batch reads it once."""
    from livecrew.live.models import LiveEvent

    key = f"explaining:{show.id}"
    cached: dict[str, str | None] | None = db.info.get(key)
    if cached is not None:
        return cached
    rows = db.execute(
        select(LiveEvent.body)
        .where(LiveEvent.show_id == show.id, LiveEvent.type == "explain")
        .order_by(LiveEvent.ts.desc(), LiveEvent.seq.desc())
        .limit(1)
    ).all()
    current: str | None = None
    if rows:
        body = rows[0][0]
        current = str(body.get("product")) if body.get("action") == "start" else None
    state = {"product": current}
    db.info[key] = state
    return state


def _item_by_product_ref(db: Session, show: Show, ref: str) -> tuple[LineupItem, Product] | None:
    row = db.execute(
        select(LineupItem, Product)
        .join(Product, Product.id == LineupItem.product_id)
        .where(LineupItem.show_id == show.id, or_(Product.sku == ref, Product.platform_ref == ref))
    ).first()
    return (row[0], row[1]) if row else None


def on_events(db: Session, clock: Clock, show: Show, events: Iterable[Any]) -> None:
    """Ingest hook: comments become claims; platform orders move the stock ledger. Same transaction.

    Events are handled in event-time order, so across the batch the stock goes first come, first served.
    """
    relevant = [e for e in events if e.type in ("comment", "explain", "order", "pay", "refund")]
    if not relevant:
        return
    batch = ClaimBatch(db, clock, show)
    if not batch.by_code:
        return
    state = _explained_now(db, show)
    for event in sorted(relevant, key=lambda e: e.ts):
        raw = event.body()
        if event.type == "explain":
            state["product"] = str(raw.get("product")) if raw.get("action") == "start" else None
        elif event.type == "comment" and show.status in OPEN_FOR_CLAIMS:
            _claim_from_comment(batch, event, state["product"])
        elif event.type in ("order", "pay", "refund"):
            batch.flush()  # the claims before it in event time go first
            if event.type == "order":
                _order(db, show, raw)
            elif event.type == "pay":
                _pay(db, clock, show, raw)
            else:
                _refund(db, show, raw)
    batch.flush()
    db.info.pop(f"explaining:{show.id}", None)


def _claim_from_comment(batch: ClaimBatch, event: Any, explaining: str | None) -> None:
    text = event.text or ""
    parsed = claimtext.parse(text)
    if parsed is None or not event.user:
        return
    if parsed.kind == "cancel":
        batch.flush()  # the claim to cancel may be one of this batch's
        _cancel_latest(batch.db, batch.clock, batch.show, event.user, parsed.code)
        return
    if parsed.code is not None:
        line = batch.by_code.get(parsed.code)
    elif explaining is not None:
        line = batch.line_for_ref(explaining)
    else:
        return
    if line is None:
        return
    # Only new events reach here (the log drops duplicates at the door), so each comment claims once.
    batch.claim(
        line,
        buyer=event.user,
        qty=parsed.qty,
        variant=parsed.variant,
        source="comment",
        text=text,
        event_id=event.id,
        ts=event.ts,
    )


def _cancel_latest(db: Session, clock: Clock, show: Show, buyer: str, code: str | None) -> None:
    stmt = (
        select(Claim)
        .join(LineupItem, LineupItem.id == Claim.item_id)
        .where(Claim.show_id == show.id, Claim.buyer == buyer, Claim.status != ClaimStatus.cancelled.value)
    )
    if code is not None:
        stmt = stmt.where(LineupItem.code == code)
    latest = db.scalars(stmt.order_by(Claim.ts.desc(), Claim.id.desc()).limit(1)).first()
    if latest is not None:
        cancel(db, clock, show, latest)


def _order(db: Session, show: Show, raw: dict[str, Any]) -> None:
    ref = str(raw.get("order", ""))
    if not ref or db.scalar(select(OrderLine.id).where(OrderLine.show_id == show.id, OrderLine.order_ref == ref)):
        return
    found = _item_by_product_ref(db, show, str(raw.get("product", "")))
    db.add(
        OrderLine(
            show_id=show.id,
            order_ref=ref,
            product_id=found[1].id if found else None,
            buyer=str(raw.get("user") or ""),
            qty=int(raw.get("qty") or 1),
            amount=int(raw.get("amount") or 0),
            paid=False,
            stock_taken=0,
            oversold=0,
            refunded=0,
            returned_qty=0,
        )
    )
    db.flush()


def _pay(db: Session, clock: Clock, show: Show, raw: dict[str, Any]) -> None:
    ref = str(raw.get("order", ""))
    line = db.scalar(select(OrderLine).where(OrderLine.show_id == show.id, OrderLine.order_ref == ref))
    if line is None:
        _order(db, show, raw)
        line = db.scalar(select(OrderLine).where(OrderLine.show_id == show.id, OrderLine.order_ref == ref))
        if line is None:
            return
    if line.paid:
        return
    line.paid = True
    if raw.get("qty"):
        line.qty = int(raw["qty"])
    if line.product_id is None:
        db.flush()
        return
    taken = _rows(
        db.execute(
            update(Product)
            .where(Product.id == line.product_id, Product.stock >= line.qty)
            .values(stock=Product.stock - line.qty)
            .execution_options(synchronize_session=False)
        )
    )
    if taken:
        line.stock_taken = line.qty
        db.add(
            StockMove(product_id=line.product_id, show_id=show.id, kind="paid", qty=-line.qty, ref=ref, at=clock.now())
        )
    else:
        # Never hidden: customer service sees every paid order the stock could not cover.
        line.oversold = line.qty
        publish_after_commit(db, show_channel(show.id), {"kind": "oversold", "order": ref, "qty": line.qty})
    db.flush()


def _refund(db: Session, show: Show, raw: dict[str, Any]) -> None:
    line = db.scalar(
        select(OrderLine).where(OrderLine.show_id == show.id, OrderLine.order_ref == str(raw.get("order")))
    )
    if line is not None:
        line.refunded += int(raw.get("amount") or 0)
        db.flush()


def return_to_stock(db: Session, clock: Clock, show: Show, order_ref: str, qty: int, actor: User | None) -> OrderLine:
    """The team confirms a refunded item is back on the shelf: the stock gets it again."""
    line = db.scalar(select(OrderLine).where(OrderLine.show_id == show.id, OrderLine.order_ref == order_ref))
    if line is None or line.product_id is None:
        raise NotFound(f'no order "{order_ref}" for a lineup product in this show')
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1 or line.returned_qty + qty > line.stock_taken:
        raise ValidationFailed(
            f"qty must be from 1 to {line.stock_taken - line.returned_qty} (taken from stock and not yet returned)"
        )
    line.returned_qty += qty
    db.execute(
        update(Product)
        .where(Product.id == line.product_id)
        .values(stock=Product.stock + qty)
        .execution_options(synchronize_session=False)
    )
    db.add(
        StockMove(
            product_id=line.product_id,
            show_id=show.id,
            kind="returned",
            qty=qty,
            ref=order_ref,
            at=clock.now(),
            actor_id=actor.id if actor else None,
        )
    )
    db.flush()
    product = db.get(Product, line.product_id)
    assert product is not None
    db.refresh(product)
    serve_waitlists(db, clock, product)
    return line


def oversold_orders(db: Session, show: Show) -> list[OrderLine]:
    return list(
        db.scalars(select(OrderLine).where(OrderLine.show_id == show.id, OrderLine.oversold > 0).order_by(OrderLine.id))
    )


# ------------------------------------------------------------------ after the show


def checkout(db: Session, show: Show) -> list[dict[str, Any]]:
    """結單: the confirmed claims per buyer, with line totals and the buyer's total."""
    rows = db.execute(
        select(Claim, LineupItem, Product)
        .join(LineupItem, LineupItem.id == Claim.item_id)
        .join(Product, Product.id == LineupItem.product_id)
        .where(Claim.show_id == show.id, Claim.status == ClaimStatus.confirmed.value)
        .order_by(Claim.buyer, Claim.ts, Claim.id)
    ).all()
    buyers: dict[str, dict[str, Any]] = {}
    for c, item, product in rows:
        entry = buyers.setdefault(c.buyer, {"buyer": c.buyer, "lines": [], "qty": 0, "total": 0})
        line_total = c.qty * item.live_price
        entry["lines"].append(
            {
                "claim": c.id,
                "code": item.code,
                "sku": product.sku,
                "title": product.title,
                "variant": c.variant,
                "qty": c.qty,
                "price": item.live_price,
                "total": line_total,
                "at": c.ts,
            }
        )
        entry["qty"] += c.qty
        entry["total"] += line_total
    return list(buyers.values())


def product_results(db: Session, show: Show) -> list[dict[str, Any]]:
    """Per lineup product after the show: sold, returns, conversion; flagged for replacement (汰換) with why."""
    from livecrew.goods.service import lineup, settings_of
    from livecrew.live.models import LiveEvent

    cfg = settings_of(db, show.workspace_id)
    viewers: dict[str, int] = {}
    ref_col = LiveEvent.body["product"].as_string().label("ref")
    for ref, n in db.execute(
        select(ref_col, func.count(func.distinct(LiveEvent.user)))
        .where(LiveEvent.show_id == show.id, LiveEvent.type == "product_view")
        .group_by(literal_column("1"))  # by position: the JSON path is bound as a parameter on PostgreSQL
    ).all():
        viewers[str(ref)] = int(n)
    out = []
    for item, product in lineup(db, show.id):
        lines = db.scalars(
            select(OrderLine).where(OrderLine.show_id == show.id, OrderLine.product_id == product.id)
        ).all()
        paid = [line for line in lines if line.paid]
        buyers = len({line.buyer for line in paid} | _claim_buyers(db, item.id))
        sold_amount = sum(line.amount for line in paid) + item.confirmed * item.live_price
        refunded = sum(line.refunded for line in paid)
        seen = viewers.get(product.sku, 0) + (viewers.get(product.platform_ref, 0) if product.platform_ref else 0)
        conversion_bp = buyers * 10_000 // seen if seen else None
        return_bp = refunded * 10_000 // sold_amount if sold_amount else 0
        reasons = []
        if sold_amount and return_bp > cfg.return_rate_flag_bp:
            reasons.append(f"return rate {return_bp / 100:.1f}% > {cfg.return_rate_flag_bp / 100:.1f}%")
        if conversion_bp is not None and conversion_bp < cfg.conversion_flag_bp:
            reasons.append(
                f"conversion {conversion_bp / 100:.2f}% ({buyers} buyers of {seen} viewers) < "
                f"{cfg.conversion_flag_bp / 100:.2f}%"
            )
        out.append(
            {
                "code": item.code,
                "sku": product.sku,
                "title": product.title,
                "tier": product.tier,
                "viewers": seen,
                "buyers": buyers,
                "sold_amount": sold_amount,
                "refunded": refunded,
                "return_rate_pct": round(return_bp / 100, 2),
                "conversion_pct": round(conversion_bp / 100, 2) if conversion_bp is not None else None,
                "oversold": sum(line.oversold for line in lines),
                "replace": bool(reasons),
                "reasons": reasons,
            }
        )
    return out


def _claim_buyers(db: Session, item_id: int) -> set[str]:
    return set(
        db.scalars(
            select(Claim.buyer).where(Claim.item_id == item_id, Claim.status == ClaimStatus.confirmed.value)
        ).all()
    )
