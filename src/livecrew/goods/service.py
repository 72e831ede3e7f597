"""The product pool: suppliers, products, qualification documents, sample tests, readiness, lineups.

Services flush, never commit: the route or command that called them does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.db import unsaved_defaults
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.core.ids import new_id
from livecrew.goods.models import (
    DocKind,
    Document,
    GoodsSettings,
    LineupItem,
    Product,
    ProductStatus,
    SampleTest,
    StockMove,
    StoredFile,
    Supplier,
    Tier,
)
from livecrew.shows.public import Show, ShowSegment, ShowStatus

EXPIRY_WARNING_DAYS = 30
MAX_FILE_BYTES = 10 * 1024 * 1024
FILE_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
}
# The first bytes of each accepted type: the declared type must match the content.
_MAGIC = {
    "application/pdf": (b"%PDF",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}
MAX_PRICE = 10**10

# ------------------------------------------------------------------ settings


def settings_of(db: Session, workspace_id: str) -> GoodsSettings:
    """The workspace's goods settings (made with the workspace); reading never writes: a workspace without
    its row reads the defaults."""
    return db.get(GoodsSettings, workspace_id) or unsaved_defaults(GoodsSettings, workspace_id=workspace_id)


def create_settings(db: Session, workspace_id: str) -> GoodsSettings:
    """The settings row of a new workspace (the columns' defaults), or the one it has."""
    row = db.get(GoodsSettings, workspace_id)
    if row is None:
        row = unsaved_defaults(GoodsSettings, workspace_id=workspace_id)
        db.add(row)
        db.flush()
    return row


def update_settings(db: Session, workspace: Workspace, data: dict[str, Any]) -> GoodsSettings:
    row = create_settings(db, workspace.id)
    for name in ("min_margin_bp", "return_rate_flag_bp", "conversion_flag_bp"):
        if name in data and data[name] is not None:
            value = data[name]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
                raise ValidationFailed(
                    f'"{name}" is in basis points: a whole number from 0 to 10000 (15 % = 1500)',
                    key="err.basis_points",
                    params={"field": name},
                )
            setattr(row, name, value)
    if data.get("required_docs") is not None:
        docs = list(dict.fromkeys(data["required_docs"]))
        bad = [d for d in docs if d not in DocKind.__members__]
        if bad:
            raise ValidationFailed(
                f"unknown document kinds {bad}; use: {', '.join(DocKind.__members__)}",
                key="err.doc_kinds",
                params={"kinds": ", ".join(bad)},
            )
        row.required_docs = docs
    db.flush()
    return row


# ------------------------------------------------------------------ suppliers

SUPPLIER_FIELDS = (
    "name",
    "contact_name",
    "phone",
    "email",
    "price_advantage",
    "payment_terms",
    "returns_7day",
    "reissue_on_damage",
    "guarantees",
    "notes",
)


def list_suppliers(db: Session, workspace: Workspace) -> list[Supplier]:
    return list(db.scalars(select(Supplier).where(Supplier.workspace_id == workspace.id).order_by(Supplier.name)))


def get_supplier(db: Session, workspace: Workspace, supplier_id: str) -> Supplier:
    supplier = db.get(Supplier, supplier_id)
    if supplier is None or supplier.workspace_id != workspace.id:
        raise NotFound(f'no supplier "{supplier_id}" in this workspace', key="err.no_supplier")
    return supplier


def supplier_by_name(db: Session, workspace: Workspace, name: str) -> Supplier | None:
    return db.scalar(select(Supplier).where(Supplier.workspace_id == workspace.id, Supplier.name == name.strip()))


def save_supplier(
    db: Session, clock: Clock, workspace: Workspace, data: dict[str, Any], supplier: Supplier | None = None
) -> Supplier:
    name = str(data.get("name", supplier.name if supplier else "")).strip()
    if not name:
        raise ValidationFailed("a supplier needs a name", key="err.supplier_name")
    other = supplier_by_name(db, workspace, name)
    if other is not None and other is not supplier:
        raise Conflict(f'a supplier named "{name}" already exists', key="err.supplier_exists", params={"name": name})
    if supplier is None:
        supplier = Supplier(id=new_id("sup_"), workspace_id=workspace.id, name=name, created_at=clock.now())
        for attr in SUPPLIER_FIELDS[1:]:
            setattr(supplier, attr, True if attr in ("returns_7day", "reissue_on_damage") else "")
        db.add(supplier)
    supplier.name = name
    for attr in SUPPLIER_FIELDS[1:]:
        if attr in data and data[attr] is not None:
            value = data[attr]
            setattr(
                supplier, attr, bool(value) if attr in ("returns_7day", "reissue_on_damage") else str(value).strip()
            )
    db.flush()
    return supplier


# ------------------------------------------------------------------ products


def list_products(
    db: Session, workspace: Workspace, *, status: str | None = None, tier: str | None = None, q: str | None = None
) -> list[Product]:
    stmt = select(Product).where(Product.workspace_id == workspace.id)
    if status:
        stmt = stmt.where(Product.status == status)
    if tier:
        stmt = stmt.where(Product.tier == tier)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(Product.title.ilike(like) | Product.sku.ilike(like) | Product.category.ilike(like))
    return list(db.scalars(stmt.order_by(Product.sku)))


def get_product(db: Session, workspace: Workspace, product_id: str) -> Product:
    product = db.get(Product, product_id)
    if product is None or product.workspace_id != workspace.id:
        raise NotFound(f'no product "{product_id}" in this workspace', key="err.no_product")
    return product


def product_by_sku(db: Session, workspace_id: str, sku: str) -> Product | None:
    return db.scalar(select(Product).where(Product.workspace_id == workspace_id, Product.sku == sku.strip()))


def require_sku(db: Session, workspace: Workspace, sku: str) -> Product:
    product = product_by_sku(db, workspace.id, sku)
    if product is None:
        raise NotFound(f'no product with SKU "{sku}" in this workspace', key="err.no_sku", params={"sku": sku})
    return product


def _money(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PRICE:
        raise ValidationFailed(
            f'"{name}" must be a whole number of minor units (cents / 分), 0 or more',
            key="err.money_minor",
            params={"field": name},
        )
    return value


def _count(name: str, value: Any, upper: int = 10_000_000) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= upper:
        raise ValidationFailed(
            f'"{name}" must be a whole number from 0 to {upper}',
            key="err.whole_range",
            params={"field": name, "high": upper},
        )
    return value


def save_product(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    data: dict[str, Any],
    product: Product | None = None,
    *,
    actor: User | None = None,
) -> Product:
    """Create or update a product from plain data (the API, the console and the importer use this)."""
    sku = str(data.get("sku", product.sku if product else "")).strip()
    if not sku or len(sku) > 64:
        raise ValidationFailed("a product needs a SKU of 1 to 64 characters", key="err.sku")
    other = product_by_sku(db, workspace.id, sku)
    if other is not None and other is not product:
        raise Conflict(f'SKU "{sku}" is already used by "{other.title}"', key="err.sku_taken", params={"sku": sku})
    title = str(data.get("title", product.title if product else "")).strip()
    if not title or len(title) > 200:
        raise ValidationFailed("a product needs a title of 1 to 200 characters", key="err.title")
    now = clock.now()
    if product is None:
        product = Product(
            id=new_id("prd_"),
            workspace_id=workspace.id,
            sku=sku,
            title=title,
            tier=Tier.profit.value,
            category="",
            status=ProductStatus.candidate.value,
            list_price=0,
            live_price=0,
            cost=0,
            commission_bp=0,
            stock=0,
            low_stock_at=20,
            selling_points=[],
            objections=[],
            image_ids=[],
            platform_ref="",
            created_at=now,
        )
        db.add(product)
    product.sku, product.title, product.updated_at = sku, title, now
    if data.get("tier") is not None:
        if data["tier"] not in Tier.__members__:
            raise ValidationFailed(f"tier must be one of: {', '.join(Tier.__members__)}", key="err.tier")
        product.tier = data["tier"]
    if data.get("status") is not None:
        if data["status"] not in ProductStatus.__members__:
            raise ValidationFailed(
                f"status must be one of: {', '.join(ProductStatus.__members__)}",
                key="err.product_status",
                params={"status": data["status"]},
            )
        product.status = data["status"]
    for name in ("list_price", "live_price", "cost"):
        if data.get(name) is not None:
            setattr(product, name, _money(name, data[name]))
    if data.get("commission_bp") is not None:
        product.commission_bp = _count("commission_bp", data["commission_bp"], 10_000)
    if data.get("low_stock_at") is not None:
        product.low_stock_at = _count("low_stock_at", data["low_stock_at"])
    if data.get("stock") is not None:
        stock = _count("stock", data["stock"])
        if stock != product.stock:
            db.add(
                StockMove(
                    product_id=product.id,
                    kind="adjust",
                    qty=stock - product.stock,
                    ref="",
                    note="set on the product",
                    at=now,
                    actor_id=actor.id if actor else None,
                )
            )
            product.stock = stock
    for name in ("category", "platform_ref"):
        if data.get(name) is not None:
            setattr(product, name, str(data[name]).strip()[:120])
    if data.get("selling_points") is not None:
        points = [str(p).strip() for p in data["selling_points"] if str(p).strip()]
        product.selling_points = points[:20]
    if data.get("objections") is not None:
        objections = []
        for entry in data["objections"]:
            q, a = str(entry.get("q", "")).strip(), str(entry.get("a", "")).strip()
            if q and not a:
                raise ValidationFailed(
                    f'the objection "{q}" needs a prepared answer for the host',
                    key="err.objection_answer",
                    params={"question": q},
                )
            if q:
                objections.append({"q": q, "a": a})
        product.objections = objections[:20]
    if "supplier_id" in data:
        sid = data["supplier_id"]
        product.supplier_id = get_supplier(db, workspace, sid).id if sid else None
    db.flush()
    return product


def store_file(
    db: Session, clock: Clock, workspace: Workspace, name: str, content_type: str, data: bytes, actor: User | None
) -> StoredFile:
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in FILE_TYPES:
        raise ValidationFailed(
            f'"{name}" is {content_type or "of unknown type"}; upload a PDF, JPEG, PNG or WebP file',
            key="err.file_type",
        )
    if not data:
        raise ValidationFailed(f'"{name}" is empty', key="err.file_empty")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(f'"{name}" is larger than 10 MiB; upload a smaller scan', key="err.file_size")
    if not data.startswith(_MAGIC[content_type]):
        raise ValidationFailed(f'"{name}" does not look like a {FILE_TYPES[content_type]} file', key="err.file_type")
    row = StoredFile(
        id=new_id("fil_"),
        workspace_id=workspace.id,
        name=name[:200] or "file",
        content_type=content_type,
        size=len(data),
        data=data,
        uploaded_by=actor.id if actor else None,
        uploaded_at=clock.now(),
    )
    db.add(row)
    db.flush()
    return row


def get_file(db: Session, workspace: Workspace, file_id: str) -> StoredFile:
    row = db.get(StoredFile, file_id)
    if row is None or row.workspace_id != workspace.id:
        raise NotFound(f'no file "{file_id}" in this workspace', key="err.no_file", params={"id": file_id})
    return row


def parse_date(name: str, value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationFailed(f'"{name}" must be a date like 2027-03-31 (got "{value}")', key="err.date") from None


def add_document(
    db: Session,
    clock: Clock,
    product: Product,
    *,
    kind: str,
    number: str = "",
    issuer: str = "",
    expires_on: date | None = None,
    file: StoredFile | None = None,
    actor: User | None = None,
) -> Document:
    if kind not in DocKind.__members__:
        raise ValidationFailed(f"document kind must be one of: {', '.join(DocKind.__members__)}", key="err.doc_kind")
    if kind in ("licence", "inspection") and expires_on is None:
        raise ValidationFailed("a licence or inspection report needs its expiry date", key="err.doc_expiry")
    doc = Document(
        product_id=product.id,
        kind=kind,
        number=number.strip()[:120],
        issuer=issuer.strip()[:160],
        expires_on=expires_on,
        file_id=file.id if file else None,
        added_by=actor.id if actor else None,
        added_at=clock.now(),
    )
    db.add(doc)
    db.flush()
    return doc


def documents_of(db: Session, product_id: str) -> list[Document]:
    return list(db.scalars(select(Document).where(Document.product_id == product_id).order_by(Document.id)))


def add_sample_test(
    db: Session,
    clock: Clock,
    product: Product,
    *,
    result: str,
    tested_on: date | None = None,
    tester: str = "",
    notes: str = "",
    photos: list[StoredFile] | None = None,
) -> SampleTest:
    if result not in ("pass", "fail"):
        raise ValidationFailed('a sample test result is "pass" or "fail"', key="err.sample_result")
    test = SampleTest(
        product_id=product.id,
        tested_on=tested_on or clock.now().date(),
        tester=tester.strip()[:120],
        result=result,
        notes=notes.strip()[:2000],
        photo_ids=[p.id for p in photos or []],
        added_at=clock.now(),
    )
    db.add(test)
    db.flush()
    return test


def sample_tests_of(db: Session, product_id: str) -> list[SampleTest]:
    return list(
        db.scalars(
            select(SampleTest).where(SampleTest.product_id == product_id).order_by(SampleTest.tested_on, SampleTest.id)
        )
    )


# ------------------------------------------------------------------ readiness


@dataclass
class Readiness:
    ready: bool
    reasons: list[dict[str, Any]] = field(default_factory=list)  # {"key", "message", "params"}
    expiring: list[dict[str, Any]] = field(default_factory=list)

    def messages(self) -> list[str]:
        return [r["message"] for r in self.reasons]


DOC_NAMES = {
    "licence": "business licence",
    "inspection": "quality inspection report",
    "authorisation": "brand authorisation",
    "other": "document",
}


def readiness(db: Session, product: Product, today: date, required: list[str] | None = None) -> Readiness:
    """Ready for a show: not retired, every required document valid, the latest sample test passed."""
    required = required if required is not None else settings_of(db, product.workspace_id).required_docs
    out = Readiness(ready=True)

    def reason(key: str, message: str, **params: Any) -> None:
        # The catalog key names the document kind too (ready.doc_missing.licence), so each language words it.
        full_key = f"{key}.{params['doc']}" if "doc" in params else key
        out.reasons.append({"key": full_key, "message": message, "params": {"sku": product.sku, **params}})

    if product.status == ProductStatus.retired.value:
        reason("ready.retired", f"{product.sku} is retired")
    docs = documents_of(db, product.id)
    for kind in required:
        of_kind = [d for d in docs if d.kind == kind]
        if not of_kind:
            reason("ready.doc_missing", f"{product.sku} has no {DOC_NAMES[kind]} on file", doc=kind)
            continue
        latest = max(of_kind, key=lambda d: (d.expires_on or date.max, d.id))
        if latest.expires_on is not None and latest.expires_on < today:
            reason(
                "ready.doc_expired",
                f"{product.sku}'s {DOC_NAMES[kind]} expired on {latest.expires_on.isoformat()}",
                doc=kind,
                date=latest.expires_on.isoformat(),
            )
        elif latest.expires_on is not None and latest.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
            out.expiring.append({"doc": kind, "date": latest.expires_on.isoformat()})
    tests = sample_tests_of(db, product.id)
    if not tests:
        reason("ready.no_sample", f"{product.sku} has no sample test yet")
    elif tests[-1].result != "pass":
        reason(
            "ready.sample_failed",
            f"{product.sku}'s latest sample test ({tests[-1].tested_on.isoformat()}) failed",
            date=tests[-1].tested_on.isoformat(),
        )
    out.ready = not out.reasons
    return out


def expiring_documents(db: Session, workspace: Workspace, today: date, days: int = EXPIRY_WARNING_DAYS) -> list[Any]:
    """Documents that expired or expire within ``days``: (document, product), soonest first."""
    stmt = (
        select(Document, Product)
        .join(Product, Product.id == Document.product_id)
        .where(
            Product.workspace_id == workspace.id,
            Product.status != ProductStatus.retired.value,
            Document.expires_on.is_not(None),
            Document.expires_on <= today + timedelta(days=days),
        )
        .order_by(Document.expires_on)
    )
    return [tuple(row) for row in db.execute(stmt).all()]


# ------------------------------------------------------------------ lineups


def lineup(db: Session, show_id: str) -> list[tuple[LineupItem, Product]]:
    stmt = (
        select(LineupItem, Product)
        .join(Product, Product.id == LineupItem.product_id)
        .where(LineupItem.show_id == show_id)
        .order_by(LineupItem.position, LineupItem.id)
    )
    return [(item, product) for item, product in db.execute(stmt).all()]


def get_item(db: Session, show: Show, item_id: int) -> LineupItem:
    item = db.get(LineupItem, item_id)
    if item is None or item.show_id != show.id:
        raise NotFound(f"no lineup item {item_id} in this show", key="err.no_lineup_item", params={"id": item_id})
    return item


def _next_code(used: set[str]) -> str:
    for n in range(1, 1000):
        code = f"A{n}"
        if code not in used:
            return code
    raise Conflict("the lineup has no free claim codes left", key="err.no_free_codes")


def _check_editable(show: Show) -> None:
    if show.status not in (ShowStatus.planned, ShowStatus.rehearsing, ShowStatus.ready, ShowStatus.live):
        raise Conflict(f"the show is {show.status}; its lineup can no longer change", key="err.lineup_closed")


def add_to_lineup(
    db: Session,
    clock: Clock,
    show: Show,
    product: Product,
    *,
    quota: int | None = None,
    code: str | None = None,
    live_price: int | None = None,
    segment_id: int | None = None,
) -> LineupItem:
    """Add a ready product to the show's lineup; an unready product is refused with every reason."""
    _check_editable(show)
    if product.workspace_id != show.workspace_id:
        raise NotFound("no such product in this workspace", key="err.no_product")
    state = readiness(db, product, clock.now().date())
    if not state.ready:
        raise Conflict(
            f"{product.sku} is not ready for a show: " + "; ".join(state.messages()),
            key="err.not_ready",
            details=state.reasons,
            params={"sku": product.sku},
        )
    items = lineup(db, show.id)
    if any(p.id == product.id for _, p in items):
        raise Conflict(f"{product.sku} is already in this lineup", key="err.in_lineup", params={"sku": product.sku})
    used = {i.code for i, _ in items}
    code = (code or "").strip().upper() or _next_code(used)
    if not code.isalnum() or len(code) > 8:
        raise ValidationFailed("a claim code is 1 to 8 letters and digits, like A1", key="err.claim_code_format")
    if code in used:
        raise Conflict(
            f'claim code "{code}" is already used in this lineup', key="err.claim_code_taken", params={"code": code}
        )
    if quota is not None:
        _count("quota", quota)
    if segment_id is not None:
        _segment(db, show, segment_id)
    item = LineupItem(
        show_id=show.id,
        product_id=product.id,
        position=max((i.position for i, _ in items), default=0) + 1,
        code=code,
        live_price=_money("live_price", live_price) if live_price is not None else product.live_price,
        quota=quota,
        segment_id=segment_id,
        confirmed=0,
        announced_low=False,
    )
    db.add(item)
    db.flush()
    return item


def _segment(db: Session, show: Show, segment_id: int) -> ShowSegment:
    segment = db.get(ShowSegment, segment_id)
    if segment is None or segment.show_id != show.id:
        raise ValidationFailed(
            f"segment {segment_id} is not part of this show's run of show",
            key="err.segment_not_in_show",
            params={"id": segment_id},
        )
    return segment


def update_item(db: Session, show: Show, item: LineupItem, data: dict[str, Any]) -> LineupItem:
    _check_editable(show)
    if "quota" in data:
        quota = data["quota"]
        if quota is not None:
            _count("quota", quota)
            if quota < item.confirmed:
                raise Conflict(
                    f"{item.confirmed} are already confirmed; the quota cannot go below that",
                    key="err.quota_below_confirmed",
                    params={"n": item.confirmed},
                )
        item.quota = quota
    if data.get("live_price") is not None:
        item.live_price = _money("live_price", data["live_price"])
    if "segment_id" in data:
        item.segment_id = _segment(db, show, data["segment_id"]).id if data["segment_id"] else None
    if data.get("code"):
        code = str(data["code"]).strip().upper()
        if not code.isalnum() or len(code) > 8:
            raise ValidationFailed("a claim code is 1 to 8 letters and digits, like A1", key="err.claim_code_format")
        taken = db.scalar(
            select(LineupItem.id).where(
                LineupItem.show_id == show.id, LineupItem.code == code, LineupItem.id != item.id
            )
        )
        if taken is not None:
            raise Conflict(
                f'claim code "{code}" is already used in this lineup', key="err.claim_code_taken", params={"code": code}
            )
        item.code = code
    db.flush()
    return item


def remove_item(db: Session, show: Show, item: LineupItem) -> None:
    _check_editable(show)
    if item.confirmed:
        raise Conflict(
            f"{item.code} has {item.confirmed} confirmed; cancel those claims before removing it",
            key="err.lineup_has_claims",
            params={"code": item.code, "n": item.confirmed},
        )
    db.delete(item)
    db.flush()


def reorder(db: Session, show: Show, item_ids: list[int]) -> None:
    _check_editable(show)
    items = {i.id: i for i, _ in lineup(db, show.id)}
    if sorted(item_ids) != sorted(items):
        raise ValidationFailed("send every lineup item id exactly once, in the new order", key="err.lineup_order")
    for position, item_id in enumerate(item_ids, start=1):
        items[item_id].position = position
    db.flush()


def margin_bp(price: int, product: Product) -> int | None:
    if price <= 0:
        return None
    commission = price * product.commission_bp // 10_000
    return (price - product.cost - commission) * 10_000 // price


def structure(db: Session, show: Show) -> dict[str, Any]:
    """The lineup's tier mix (counts, share of planned GMV) and warnings a planner should see."""
    items = lineup(db, show.id)
    min_margin = settings_of(db, show.workspace_id).min_margin_bp
    tiers = {t.value: {"count": 0, "planned_gmv": 0, "share_bp": 0} for t in Tier}
    warnings: list[dict[str, Any]] = []
    starts: dict[int, int] = {}
    minute = 0
    for seg in show.segments:
        starts[seg.id] = minute
        minute += seg.planned_minutes
    total = 0
    for item, product in items:
        planned = item.live_price * (item.quota if item.quota is not None else product.stock)
        tiers[product.tier]["count"] += 1
        tiers[product.tier]["planned_gmv"] += planned
        total += planned
        if product.list_price and item.live_price > product.list_price:
            warnings.append(
                {
                    "key": "lineup.above_list",
                    "message": f"{item.code} {product.sku}: live price is above the list price",
                    "params": {"code": item.code, "sku": product.sku},
                }
            )
        margin = margin_bp(item.live_price, product)
        # Traffic items (引流款) are sold near or below cost on purpose; the margin floor is for the rest.
        if margin is not None and product.cost and product.tier != Tier.traffic.value and margin < min_margin:
            warnings.append(
                {
                    "key": "lineup.low_margin",
                    "message": f"{item.code} {product.sku}: margin {margin / 100:.1f}% is below the workspace "
                    f"minimum of {min_margin / 100:.1f}%",
                    "params": {"code": item.code, "sku": product.sku, "margin": round(margin / 100, 1)},
                }
            )
    for values in tiers.values():
        values["share_bp"] = values["planned_gmv"] * 10_000 // total if total else 0
    if items:
        early = [
            p
            for i, p in items
            if p.tier == Tier.traffic.value
            and (
                (i.segment_id is not None and starts.get(i.segment_id, 999) < 30)
                or (i.segment_id is None and i.position == items[0][0].position)
            )
        ]
        if not early:
            warnings.append(
                {
                    "key": "lineup.no_early_traffic",
                    "message": "no traffic item (引流款) in the first 30 minutes to pull viewers in",
                    "params": {},
                }
            )
        for tier in (Tier.traffic.value, Tier.profit.value):
            if tiers[tier]["count"] == 0:
                warnings.append(
                    {
                        "key": "lineup.missing_tier",
                        "message": f"the lineup has no {tier} item",
                        "params": {"tier": tier},
                    }
                )
    return {"tiers": tiers, "planned_gmv": total, "warnings": warnings, "items": len(items)}


def lineup_counts(db: Session, show_ids: list[str]) -> dict[str, int]:
    if not show_ids:
        return {}
    rows = db.execute(
        select(LineupItem.show_id, func.count()).where(LineupItem.show_id.in_(show_ids)).group_by(LineupItem.show_id)
    ).all()
    return {show_id: int(n) for show_id, n in rows}
