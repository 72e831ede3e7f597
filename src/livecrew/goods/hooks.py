"""Goods' hooks: the demo workspace gets a believable product pool, suppliers, documents and lineups."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import Clock
from livecrew.goods import service
from livecrew.goods.models import Product
from livecrew.shows.public import Show, ShowStatus

DEMO_POOL = Path(__file__).parent / "data" / "demo_pool.json"
QUOTAS = {"traffic": 300, "profit": 120, "image": 40}


def on_workspace_created(db: Session, clock: Clock, workspace: Workspace) -> None:
    """A new workspace gets its goods settings row (so that reading them never writes)."""
    service.create_settings(db, workspace.id)


def on_demo_seed(db: Session, clock: Clock, workspace: Workspace) -> None:
    data = json.loads(DEMO_POOL.read_text(encoding="utf-8"))
    if db.scalar(select(Product.id).where(Product.workspace_id == workspace.id).limit(1)) is None:
        _seed_pool(db, clock, workspace, data)
    shows = db.scalars(
        select(Show)
        .where(Show.workspace_id == workspace.id, Show.status.in_([ShowStatus.planned, ShowStatus.rehearsing]))
        .order_by(Show.starts_at)
    ).all()
    for number, show in enumerate(shows):
        if service.lineup(db, show.id):
            continue
        skus = data["lineup"][number % 3 :] + data["lineup"][: number % 3]
        for sku in skus:
            product = service.product_by_sku(db, workspace.id, sku)
            if product is not None and service.readiness(db, product, clock.now().date()).ready:
                service.add_to_lineup(db, clock, show, product, quota=QUOTAS[product.tier])
        _ensure_traffic_first(db, show)


def _ensure_traffic_first(db: Session, show: Show) -> None:
    items = service.lineup(db, show.id)
    ordered = sorted(items, key=lambda ip: (ip[1].tier != "traffic", ip[0].position))
    if ordered and ordered[0] is not items[0]:
        service.reorder(db, show, [i.id for i, _ in ordered])


def _seed_pool(db: Session, clock: Clock, workspace: Workspace, data: dict[str, list]) -> None:  # type: ignore[type-arg]
    today = clock.now().date()
    suppliers = [service.save_supplier(db, clock, workspace, s) for s in data["suppliers"]]
    for entry in data["products"]:
        fields = {k: v for k, v in entry.items() if k not in ("supplier", "licence_days", "inspection_days", "sample")}
        fields["supplier_id"] = suppliers[entry["supplier"]].id
        fields["status"] = "approved"
        fields["low_stock_at"] = 50 if entry["tier"] == "traffic" else 20
        product = service.save_product(db, clock, workspace, fields)
        supplier = suppliers[entry["supplier"]]
        service.add_document(
            db,
            clock,
            product,
            kind="licence",
            number=f"{zlib.crc32(supplier.name.encode()) % 10**8:08d}",
            issuer="經濟部商業發展署",
            expires_on=today + timedelta(days=entry["licence_days"]),
        )
        service.add_document(
            db,
            clock,
            product,
            kind="inspection",
            number=f"QI-{product.sku}-{today.year}",
            issuer="SGS 台灣檢驗科技",
            expires_on=today + timedelta(days=entry["inspection_days"]),
        )
        if entry["sample"]:
            service.add_sample_test(
                db,
                clock,
                product,
                result=entry["sample"],
                tested_on=today - timedelta(days=10),
                tester="李佩珊",
                notes="質地、包裝、出貨速度都確認過"
                if entry["sample"] == "pass"
                else "香味偏濃，三位試用者中兩位不喜歡",
            )


def demo_flash_sale(db: Session, show_id: str) -> tuple[str, str, int] | None:
    """The demo's flash sale (extension point ``demo.flash_sale``): the lineup's first product, 20 % off."""
    lineup = service.lineup(db, show_id)
    if not lineup:
        return None
    item, product = lineup[0]
    return product.sku, product.title, max(100, (item.live_price or product.list_price or 10_000) * 8 // 10)
