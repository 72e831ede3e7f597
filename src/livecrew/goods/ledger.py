"""The stock ledger: every change to a stock counter is one conditional ``UPDATE ... WHERE stock >= :q``.

The database decides, never a read followed by a write. ``Ledger`` is the seam: ``SqlLedger`` is the default;
a Redis Lua ledger can take its place for a scale-out deployment (same operations). Its statements are built
once (Core, not the ORM), and the conditional updates return what is left (``RETURNING``), so the low-stock
check reads nothing back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from livecrew.goods.models import Claim, LineupItem, Product
from livecrew.shows.public import ShowStatus

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
