"""What goods offers other features: small reads over its product pool and +1 claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ClaimBrief:
    """A buyer's claim (喊單 / +1) in a show: who, which SKU, how many, and its status."""

    buyer: str
    sku: str
    qty: int
    status: str
    ts: int
    text: str


def claims_of_show(db: Session, show_id: str) -> list[ClaimBrief]:
    """Every claim of a show (cancelled ones included), oldest first."""
    from livecrew.goods.models import Claim, LineupItem, Product

    rows = db.execute(
        select(Claim.buyer, Product.sku, Claim.qty, Claim.status, Claim.ts, Claim.text)
        .join(LineupItem, LineupItem.id == Claim.item_id)
        .join(Product, Product.id == LineupItem.product_id)
        .where(Claim.show_id == show_id)
        .order_by(Claim.ts, Claim.id)
    ).all()
    return [ClaimBrief(r[0], r[1], int(r[2]), r[3], int(r[4]), r[5] or "") for r in rows]


def product_titles(db: Session, workspace_id: str, refs: Any) -> dict[str, str]:
    """Titles of the workspace's products named by SKU or platform product id (unknown refs are left out)."""
    from livecrew.goods.models import Product

    wanted = [r for r in dict.fromkeys(refs) if r]
    if not wanted:
        return {}
    rows = db.execute(
        select(Product.sku, Product.platform_ref, Product.title).where(
            Product.workspace_id == workspace_id, (Product.sku.in_(wanted)) | (Product.platform_ref.in_(wanted))
        )
    ).all()
    found: dict[str, str] = {}
    for sku, ref, title in rows:
        if sku in wanted:
            found[sku] = title
        if ref and ref in wanted:
            found.setdefault(ref, title)
    return found
