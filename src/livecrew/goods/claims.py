"""Claims (喊單 / +1) that never oversell, and waitlists: a claim takes stock through the ledger or waits;
a cancel or a restock serves the waitlist in order. Crossing a product's low-stock threshold announces it to
the control room once. An ingest batch (``ClaimBatch``) reads the show's lineup once and inserts its claim
rows together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.core.clock import Clock, to_ms
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.goods.ledger import (
    _CLAIMS,
    _FLAG_LOW,
    _INSERT_CLAIM,
    _INSERT_CLAIM_ID,
    _ITEMS,
    _PRODUCTS,
    LEDGER,
    MAX_QTY,
    OPEN_FOR_CLAIMS,
    LedgerBatch,
    _rows,
)
from livecrew.goods.models import Claim, ClaimStatus, LineupItem, Product, StockMove
from livecrew.live.public import announce_auto
from livecrew.shows.public import Show


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
        raise Conflict(
            f"claim {row.id} changed meanwhile; reload and try again", key="err.claim_changed", params={"id": row.id}
        )
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


def _low_payload(line: Line, left: int) -> dict[str, Any]:
    text = f"{line.code} 只剩最後 {left} 件" if left else f"{line.code} 已售罄"
    return {"text": text, "auto": "stock_low", "code": line.code, "sku": line.sku, "left": left}


def _announce_low(db: Session, clock: Clock, show: Show, line: Line, left: int) -> None:
    """Crossing the product's low-stock threshold: one announcement for the host ("A1 只剩最後 50 件").

    ``left`` comes from the take that just happened (the update's ``RETURNING``): nothing is read back,
    and above the threshold nothing is written. The flag's conditional update makes it once per crossing.
    """
    if left > line.low_stock_at:
        return
    if not _rows(db.connection().execute(_FLAG_LOW, {"item": line.item_id})):
        return
    announce_auto(db, show.id, [_low_payload(line, left)], clock.now())


def _announce_many(db: Session, clock: Clock, show: Show, crossings: list[tuple[Line, int]]) -> None:
    """``_announce_low`` for a batch: one flag update for all the items, one insert for all the announcements."""
    if not crossings:
        return
    flagged = {
        row[0]
        for row in db.connection().execute(
            update(_ITEMS)
            .where(_ITEMS.c.id.in_([line.item_id for line, _left in crossings]), _ITEMS.c.announced_low.is_(False))
            .values(announced_low=True)
            .returning(_ITEMS.c.id)
        )
    }
    # someone else may have announced an item first
    payloads = [_low_payload(line, left) for line, left in crossings if line.item_id in flagged]
    announce_auto(db, show.id, payloads, clock.now())


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


def restock(
    db: Session, clock: Clock, product: Product, qty: int, *, note: str = "", actor: User | None = None
) -> None:
    """Add stock (qty > 0) or write it off (qty < 0, never below zero), then serve waitlisted claims."""
    if not isinstance(qty, int) or isinstance(qty, bool) or qty == 0 or abs(qty) > 10_000_000:
        raise ValidationFailed("qty must be a non-zero whole number (negative writes stock off)", key="err.adjust_qty")
    stmt = update(Product).where(Product.id == product.id).values(stock=Product.stock + qty)
    if qty < 0:
        stmt = stmt.where(Product.stock >= -qty)
    if db.execute(stmt).rowcount == 0:  # type: ignore[attr-defined]
        raise Conflict(f"only {product.stock} in stock; cannot write off {-qty}", key="err.stock_short")
    db.add(
        StockMove(
            product_id=product.id,
            kind="restock" if qty > 0 else "adjust",
            qty=qty,
            ref="",
            note=note[:500],
            at=clock.now(),
            actor_id=actor.id if actor else None,
        )
    )
    db.flush()
    db.refresh(product)
    if qty > 0:
        serve_waitlists(db, clock, product)


# ------------------------------------------------------------------ files, documents, sample tests
