"""After the show: the checkout list (結單) per buyer, and each product's results (sold, returns,
conversion, flagged for replacement 汰換).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.goods.models import Claim, ClaimStatus, LineupItem, OrderLine, Product
from livecrew.live.public import product_viewers
from livecrew.shows.public import Show


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

    cfg = settings_of(db, show.workspace_id)
    viewers = product_viewers(db, show.id)
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
