"""What goods offers other features: reads of the product pool and lineups, kept small.

Other features import these from here only, never from the modules behind them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from livecrew.goods.hooks import DEMO_POOL


def demo_lineup_skus() -> list[str]:
    """The SKUs of the demo workspace's lineup, in order (the demo's morning focus takes the first few)."""
    lineup: list[str] = json.loads(DEMO_POOL.read_text(encoding="utf-8")).get("lineup", [])
    return lineup


def product_card(db: Session, show_id: str, ref: str) -> dict[str, Any] | None:
    """A product of the show's lineup by SKU, platform id or claim code, as the host presents it: name, live and
    list price (minor units), stock left for the show, claim code, selling points and prepared answers."""
    from livecrew.goods.claims import remaining
    from livecrew.goods.models import LineupItem, Product

    row = db.execute(
        select(LineupItem, Product)
        .join(Product, Product.id == LineupItem.product_id)
        .where(
            LineupItem.show_id == show_id,
            or_(Product.sku == ref, Product.platform_ref == ref, LineupItem.code == ref),
        )
        .limit(1)
    ).first()
    if row is None:
        return None
    item, product = row
    return {
        "sku": product.sku,
        "name": product.title,
        "code": item.code,
        "live_price": item.live_price or product.live_price,
        "list_price": product.list_price,
        "stock_left": remaining(item, product),
        "selling_points": list(product.selling_points or []),
        "objections": [dict(o) for o in (product.objections or [])],
    }


# What the goods feature offers other features for reading: a show's lineup and the replacement rule.


def lineup_of_show(db: Session, show_id: str) -> list[dict[str, Any]]:
    """The show's lineup in order: code, SKU, platform reference, title, tier, live price, the product's
    stock left now, the quantity confirmed in this show and the quota."""
    from livecrew.goods.service import lineup

    return [
        {
            "code": item.code,
            "sku": product.sku,
            "platform_ref": product.platform_ref,
            "title": product.title,
            "tier": product.tier,
            "live_price": item.live_price,
            "stock_left": product.stock,
            "confirmed": item.confirmed,
            "quota": item.quota,
        }
        for item, product in lineup(db, show_id)
    ]


def replacement_rule(db: Session, workspace_id: str) -> dict[str, int]:
    """The workspace's replacement (汰換) thresholds in basis points: a product is flagged when its return rate
    is above ``return_rate_flag_bp`` or the share of its viewers who bought is below ``conversion_flag_bp``."""
    from livecrew.goods.models import GoodsSettings

    cfg = db.get(GoodsSettings, workspace_id)  # read only: a workspace that never saved its settings has the defaults
    if cfg is None:
        columns = GoodsSettings.__table__.c
        return {
            "return_rate_flag_bp": int(columns.return_rate_flag_bp.default.arg),
            "conversion_flag_bp": int(columns.conversion_flag_bp.default.arg),
        }
    return {"return_rate_flag_bp": cfg.return_rate_flag_bp, "conversion_flag_bp": cfg.conversion_flag_bp}


# What goods offers other features: small reads over its product pool and +1 claims.


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


# What the goods feature offers other features for reading: a product's evidence, oversold orders.
#
# Reads only; the goods feature owns its tables.


@dataclass(frozen=True)
class EvidenceDoc:
    kind: str  # licence, inspection...
    number: str
    issuer: str
    expires_on: date | None
    file_url: str | None


@dataclass(frozen=True)
class EvidenceTest:
    tested_on: date
    tester: str
    result: str  # pass / fail
    notes: str
    photo_urls: tuple[str, ...]


@dataclass(frozen=True)
class ProductEvidence:
    """A product's qualification documents and sample tests, to show when the product is questioned on air."""

    sku: str
    title: str
    documents: list[EvidenceDoc] = field(default_factory=list)
    sample_tests: list[EvidenceTest] = field(default_factory=list)


def product_evidence(db: Session, workspace_id: str, skus: Iterable[str]) -> list[ProductEvidence]:
    """The evidence of the workspace's products with these SKUs (unknown SKUs are left out), in SKU order."""
    from livecrew.goods.models import Document, Product, SampleTest

    wanted = sorted({s for s in skus if s})
    if not wanted:
        return []
    products = db.scalars(
        select(Product).where(Product.workspace_id == workspace_id, Product.sku.in_(wanted)).order_by(Product.sku)
    ).all()
    ids = [p.id for p in products]
    docs = db.scalars(select(Document).where(Document.product_id.in_(ids)).order_by(Document.id)).all() if ids else []
    tests = (
        db.scalars(select(SampleTest).where(SampleTest.product_id.in_(ids)).order_by(SampleTest.id)).all()
        if ids
        else []
    )
    out = []
    for p in products:
        out.append(
            ProductEvidence(
                sku=p.sku,
                title=p.title,
                documents=[
                    EvidenceDoc(
                        d.kind, d.number, d.issuer, d.expires_on, f"/goods/files/{d.file_id}" if d.file_id else None
                    )
                    for d in docs
                    if d.product_id == p.id
                ],
                sample_tests=[
                    EvidenceTest(
                        t.tested_on, t.tester, t.result, t.notes, tuple(f"/goods/files/{f}" for f in t.photo_ids)
                    )
                    for t in tests
                    if t.product_id == p.id
                ],
            )
        )
    return out


def oversold_orders(db: Session, show_id: str, order_refs: Iterable[str]) -> list[tuple[str, int]]:
    """Of these orders of the show, the paid ones the stock could not cover: ``(order_ref, units short)``."""
    from livecrew.goods.models import OrderLine

    refs = sorted({r for r in order_refs if r})
    if not refs:
        return []
    rows = db.execute(
        select(OrderLine.order_ref, OrderLine.oversold)
        .where(OrderLine.show_id == show_id, OrderLine.order_ref.in_(refs), OrderLine.oversold > 0)
        .order_by(OrderLine.id)
    ).all()
    return [(str(ref), int(qty)) for ref, qty in rows]
