"""The goods ingest listener: a show's comments become claims (the product being explained, or the code
written), and platform orders, payments and refunds move the stock ledger; in the ingest's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.goods import claimtext
from livecrew.goods.claims import ClaimBatch, cancel, serve_waitlists
from livecrew.goods.ledger import OPEN_FOR_CLAIMS, _rows
from livecrew.goods.models import Claim, ClaimStatus, LineupItem, OrderLine, Product, StockMove
from livecrew.live.public import explaining
from livecrew.shows.public import Show


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
    state = {"product": explaining(db, show.id)}
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
        raise NotFound(
            f'no order "{order_ref}" for a lineup product in this show', key="err.no_order", params={"order": order_ref}
        )
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1 or line.returned_qty + qty > line.stock_taken:
        raise ValidationFailed(
            f"qty must be from 1 to {line.stock_taken - line.returned_qty} (taken from stock and not yet returned)",
            key="err.return_qty",
            params={"max": line.stock_taken - line.returned_qty},
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
