"""Live stock: claims (喊單 / +1) that never oversell, waitlists, platform orders and the checkout list.

Every change to a stock counter is one conditional ``UPDATE ... WHERE stock >= :q``: the database
decides, never a read followed by a write. The ``Ledger`` is the seam: ``SqlLedger`` is the default;
a Redis Lua ledger can take its place for a scale-out deployment (same two operations).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import case, func, literal_column, or_, select, update
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


class Ledger(Protocol):
    def take(self, db: Session, item_id: int, product_id: str, qty: int) -> bool:
        """Atomically take ``qty`` from the item's quota and the product's stock; False when either is short."""

    def give_back(self, db: Session, item_id: int, product_id: str, qty: int) -> None:
        """Return ``qty`` to the item's quota and the product's stock."""


def _rows(result: Any) -> int:
    return int(result.rowcount)


class SqlLedger:
    """Two conditional updates in the caller's transaction: the quota first, then the stock."""

    def take(self, db: Session, item_id: int, product_id: str, qty: int) -> bool:
        quota_ok = _rows(
            db.execute(
                update(LineupItem)
                .where(
                    LineupItem.id == item_id,
                    or_(LineupItem.quota.is_(None), LineupItem.confirmed + qty <= LineupItem.quota),
                )
                .values(confirmed=LineupItem.confirmed + qty)
                .execution_options(synchronize_session=False)
            )
        )
        if not quota_ok:
            return False
        stock_ok = _rows(
            db.execute(
                update(Product)
                .where(Product.id == product_id, Product.stock >= qty)
                .values(stock=Product.stock - qty)
                .execution_options(synchronize_session=False)
            )
        )
        if not stock_ok:
            db.execute(
                update(LineupItem)
                .where(LineupItem.id == item_id)
                .values(confirmed=LineupItem.confirmed - qty)
                .execution_options(synchronize_session=False)
            )
            return False
        return True

    def give_back(self, db: Session, item_id: int, product_id: str, qty: int) -> None:
        db.execute(
            update(LineupItem)
            .where(LineupItem.id == item_id)
            .values(confirmed=LineupItem.confirmed - qty)
            .execution_options(synchronize_session=False)
        )
        db.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(stock=Product.stock + qty)
            .execution_options(synchronize_session=False)
        )


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


def _item_for(
    db: Session, show: Show, *, sku: str | None = None, code: str | None = None
) -> tuple[LineupItem, Product]:
    stmt = select(LineupItem, Product).join(Product, Product.id == LineupItem.product_id)
    stmt = stmt.where(LineupItem.show_id == show.id)
    stmt = stmt.where(Product.sku == sku) if sku is not None else stmt.where(LineupItem.code == (code or "").upper())
    row = db.execute(stmt).first()
    if row is None:
        what = f'SKU "{sku}"' if sku is not None else f'claim code "{code}"'
        raise NotFound(f"{what} is not in this show's lineup", key="err.not_in_lineup", params={"ref": sku or code})
    return row[0], row[1]


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
    if show.status not in OPEN_FOR_CLAIMS:
        raise Conflict(
            f"the show is {show.status}; claims are taken while it is ready or live", key="err.claims_closed"
        )
    buyer = (buyer or "").strip()
    if not buyer or len(buyer) > 200:
        raise ValidationFailed("a claim needs the buyer (1 to 200 characters)", key="err.claim_buyer")
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise ValidationFailed(f"qty must be a whole number from 1 to {MAX_QTY}", key="err.claim_qty")
    item, product = _item_for(db, show, sku=sku, code=code)
    ok = LEDGER.take(db, item.id, product.id, qty)
    row = Claim(
        show_id=show.id,
        item_id=item.id,
        buyer=buyer,
        qty=qty,
        variant=variant[:60],
        status=ClaimStatus.confirmed.value if ok else ClaimStatus.waitlisted.value,
        source=source,
        text=text[:500],
        event_id=event_id,
        ts=ts if ts is not None else to_ms(clock.now()),
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    if ok:
        _maybe_announce_low(db, clock, show, item.id)
    publish_after_commit(db, show_channel(show.id), {"kind": "claims", "changed": [item.code]})
    return ClaimResult(row.id, row.status, item.code, product.sku, qty)


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
    waiting = db.scalars(
        select(Claim)
        .where(Claim.item_id == item.id, Claim.status == ClaimStatus.waitlisted.value)
        .order_by(Claim.ts, Claim.id)
    ).all()
    for row in waiting:
        if not LEDGER.take(db, item.id, item.product_id, row.qty):
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
    if served:
        _maybe_announce_low(db, clock, show, item.id)
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
    return served


def remaining(item: LineupItem, product: Product) -> int:
    left_in_quota = item.quota - item.confirmed if item.quota is not None else product.stock
    return max(0, min(product.stock, left_in_quota))


def _maybe_announce_low(db: Session, clock: Clock, show: Show, item_id: int) -> None:
    """Crossing the product's low-stock threshold: one announcement for the host ("A1 只剩最後 50 件")."""
    row = db.execute(
        select(LineupItem, Product).join(Product, Product.id == LineupItem.product_id).where(LineupItem.id == item_id)
    ).first()
    if row is None:
        return
    item, product = row
    db.refresh(item)
    db.refresh(product)
    left = remaining(item, product)
    if item.announced_low or left > product.low_stock_at:
        return
    flagged = _rows(
        db.execute(
            update(LineupItem)
            .where(LineupItem.id == item.id, LineupItem.announced_low.is_(False))
            .values(announced_low=True)
            .execution_options(synchronize_session=False)
        )
    )
    if not flagged:
        return
    from livecrew.live.models import LiveAction

    text = f"{item.code} 只剩最後 {left} 件" if left else f"{item.code} 已售罄"
    payload = {"text": text, "auto": "stock_low", "code": item.code, "sku": product.sku, "left": left}
    ts = to_ms(clock.now())
    action = LiveAction(show_id=show.id, kind="announce", payload=payload, ts=ts, at=clock.now(), actor_id=None)
    db.add(action)
    db.flush()
    record = {"id": action.id, "kind": "announce", "payload": payload, "ts": ts, "actor": "livecrew"}
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
    """Ingest hook: comments become claims; platform orders move the stock ledger. Same transaction."""
    relevant = [e for e in events if e.type in ("comment", "explain", "order", "pay", "refund")]
    if not relevant:
        return
    if db.scalar(select(func.count()).select_from(LineupItem).where(LineupItem.show_id == show.id)) == 0:
        return
    state = _explained_now(db, show)
    for event in sorted(relevant, key=lambda e: e.ts):
        raw = event.raw
        if event.type == "explain":
            state["product"] = str(raw.get("product")) if raw.get("action") == "start" else None
        elif event.type == "comment" and show.status in OPEN_FOR_CLAIMS:
            _claim_from_comment(db, clock, show, event, state["product"])
        elif event.type == "order":
            _order(db, show, raw)
        elif event.type == "pay":
            _pay(db, clock, show, raw)
        elif event.type == "refund":
            _refund(db, show, raw)
    db.info.pop(f"explaining:{show.id}", None)


def _claim_from_comment(db: Session, clock: Clock, show: Show, event: Any, explaining: str | None) -> None:
    text = str(event.raw.get("text", ""))
    parsed = claimtext.parse(text)
    if parsed is None or not event.user:
        return
    if parsed.kind == "cancel":
        _cancel_latest(db, clock, show, event.user, parsed.code)
        return
    code = parsed.code
    sku = None
    if code is None:
        if explaining is None:
            return
        found = _item_by_product_ref(db, show, explaining)
        if found is None:
            return
        code = found[0].code
    else:
        exists = db.scalar(select(LineupItem.id).where(LineupItem.show_id == show.id, LineupItem.code == code))
        if exists is None:
            return
    # Only new events reach here (the log drops duplicates at the door), so each comment claims once.
    claim(
        db,
        clock,
        show,
        buyer=event.user,
        qty=parsed.qty,
        code=code,
        sku=sku,
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
