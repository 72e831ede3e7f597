"""What the goods feature offers other features for reading: a product's evidence, oversold orders.

Reads only; the goods feature owns its tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session


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
