"""API routes for the goods: suppliers, products, documents, sample tests, imports, lineups, claims, stock."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.background import in_thread
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import ValidationFailed
from livecrew.core.params import DbId
from livecrew.goods import claims, listener, reports, service, sheets
from livecrew.goods.schemas import (
    ClaimIn,
    DocumentOut,
    LineupIn,
    LineupItemOut,
    LineupOrder,
    LineupPatch,
    ProductIn,
    ProductOut,
    RestockIn,
    ReturnIn,
    SampleTestOut,
    SettingsIn,
    SupplierIn,
    SupplierOut,
)
from livecrew.shows import public as shows
from livecrew.shows.public import Show

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["goods"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require(Action.goods_view))]
Editor = Annotated[Principal, Depends(require(Action.goods_edit))]
ClaimsManager = Annotated[Principal, Depends(require(Action.claims_manage))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def lineup_section(db: Session, show: Show) -> list[dict[str, Any]]:
    return [LineupItemOut.of(i, p).model_dump() for i, p in service.lineup(db, show.id)]


def stock_left(db: Session, show: Show) -> dict[str, int]:
    return {p.sku: claims.remaining(i, p) for i, p in service.lineup(db, show.id)}


def resolve_lineup_product(db: Session, show: Show, typed: str) -> str | None:
    """A SKU or a claim code of the show's lineup (either case, full-width forms too) -> the SKU."""
    wanted = unicodedata.normalize("NFKC", typed).strip().casefold()
    for item, product in service.lineup(db, show.id):
        if wanted in (product.sku.casefold(), item.code.casefold()):
            return product.sku
    return None


def simulated_products(db: Session, show: Show) -> list[dict[str, Any]]:
    return [
        {"id": p.sku, "code": i.code, "name": p.title, "price": i.live_price or 100, "tier": p.tier}
        for i, p in service.lineup(db, show.id)
    ]


def download(data: bytes, filename: str, media_type: str = XLSX) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"}
    )


# ------------------------------------------------------------------ suppliers


@router.get("/suppliers", response_model=list[SupplierOut])
def list_suppliers(db: Db, principal: Viewer) -> list[SupplierOut]:
    return [SupplierOut.of(s) for s in service.list_suppliers(db, principal.workspace)]


@router.post("/suppliers", response_model=SupplierOut, status_code=201)
def create_supplier(body: SupplierIn, db: Db, clock: Clk, principal: Editor) -> SupplierOut:
    supplier = service.save_supplier(db, clock, principal.workspace, body.model_dump(exclude_unset=True))
    return SupplierOut.of(supplier)


@router.get("/suppliers/{supplier_id}", response_model=SupplierOut)
def get_supplier(supplier_id: str, db: Db, principal: Viewer) -> SupplierOut:
    return SupplierOut.of(service.get_supplier(db, principal.workspace, supplier_id))


@router.patch("/suppliers/{supplier_id}", response_model=SupplierOut)
def patch_supplier(supplier_id: str, body: SupplierIn, db: Db, clock: Clk, principal: Editor) -> SupplierOut:
    supplier = service.get_supplier(db, principal.workspace, supplier_id)
    service.save_supplier(db, clock, principal.workspace, body.model_dump(exclude_unset=True), supplier)
    return SupplierOut.of(supplier)


# ------------------------------------------------------------------ products


@router.get("/products", response_model=list[ProductOut])
def list_products(
    db: Db,
    clock: Clk,
    principal: Viewer,
    status: Annotated[str | None, Query(description="candidate, approved or retired")] = None,
    tier: Annotated[str | None, Query(description="traffic, profit or image")] = None,
    q: Annotated[str | None, Query(max_length=100, description="text in the SKU, title or category")] = None,
) -> list[ProductOut]:
    today = clock.now().date()
    required = service.settings_of(db, principal.workspace.id).required_docs
    return [
        ProductOut.of(p, service.readiness(db, p, today, required))
        for p in service.list_products(db, principal.workspace, status=status, tier=tier, q=q)
    ]


@router.post("/products", response_model=ProductOut, status_code=201)
def create_product(body: ProductIn, db: Db, clock: Clk, principal: Editor) -> ProductOut:
    data = body.model_dump(exclude_unset=True)
    if not data.get("sku") or not data.get("title"):
        raise ValidationFailed("a new product needs at least a sku and a title", key="err.product_needs")
    product = service.save_product(db, clock, principal.workspace, data, actor=principal.user)
    return ProductOut.of(product, service.readiness(db, product, clock.now().date()))


@router.get("/products/template.xlsx", summary="The import template (Chinese headers, examples, notes)")
def product_template(principal: Viewer, lang: str = "zh-Hant") -> Response:
    return download(sheets.template(lang, principal.workspace.currency), "livecrew-products-template.xlsx")


@router.get("/products/export.xlsx", summary="The product pool as a spreadsheet")
def export_products(db: Db, principal: Viewer, lang: str = "zh-Hant") -> Response:
    products = service.list_products(db, principal.workspace)
    data = sheets.export_pool(db, products, lang, principal.workspace.currency)
    return download(data, "livecrew-products.xlsx")


@router.post(
    "/products/import",
    summary="Import products from .xlsx or .csv: every row checked first; nothing written while a row is bad",
    description="Money columns are in the workspace currency's ordinary unit (list_price 899 = 899.00) unless "
    "the header says cents (list_price_cents, 原價(分)); the answer lists each money column's unit "
    "(money_columns) and the rows worth a look (warnings: a live price above the list price or under 10% of it).",
)
async def import_products(
    db: Db,
    clock: Clk,
    principal: Editor,
    file: Annotated[UploadFile, File(description=".xlsx or .csv")],
    valid_only: Annotated[bool, Query(description="import the valid rows and skip the bad ones")] = False,
    dry_run: Annotated[bool, Query(description="only check the file")] = False,
) -> dict[str, Any]:
    data = await file.read()

    def work() -> dict[str, Any]:  # reading, checking and writing thousands of rows: off the event loop
        checked = sheets.check(sheets.read_table(file.filename or "upload", data), principal.workspace.currency)
        summary = checked.summary()
        if dry_run:
            return {**summary, "imported": False}
        applied = sheets.apply(db, clock, principal.workspace, checked, valid_only=valid_only, actor=principal.user)
        db.flush()
        return {**summary, "imported": True, **applied.to_dict()}

    return await in_thread(work)


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: str, db: Db, clock: Clk, principal: Viewer) -> ProductOut:
    product = service.get_product(db, principal.workspace, product_id)
    return ProductOut.of(product, service.readiness(db, product, clock.now().date()))


@router.patch("/products/{product_id}", response_model=ProductOut)
def patch_product(product_id: str, body: ProductIn, db: Db, clock: Clk, principal: Editor) -> ProductOut:
    product = service.get_product(db, principal.workspace, product_id)
    service.save_product(
        db, clock, principal.workspace, body.model_dump(exclude_unset=True), product, actor=principal.user
    )
    return ProductOut.of(product, service.readiness(db, product, clock.now().date()))


@router.post("/products/{product_id}/restock", response_model=ProductOut)
def restock(product_id: str, body: RestockIn, db: Db, clock: Clk, principal: Editor) -> ProductOut:
    product = service.get_product(db, principal.workspace, product_id)
    claims.restock(db, clock, product, body.qty, note=body.note, actor=principal.user)
    return ProductOut.of(product)


@router.get("/products/{product_id}/readiness", summary="Ready for a show? With every reason when not")
def get_readiness(product_id: str, db: Db, clock: Clk, principal: Viewer) -> dict[str, Any]:
    product = service.get_product(db, principal.workspace, product_id)
    state = service.readiness(db, product, clock.now().date())
    return {"sku": product.sku, "ready": state.ready, "reasons": state.reasons, "expiring": state.expiring}


@router.get("/products/{product_id}/documents", response_model=list[DocumentOut])
def list_documents(product_id: str, db: Db, principal: Viewer) -> list[DocumentOut]:
    product = service.get_product(db, principal.workspace, product_id)
    return [DocumentOut.of(d) for d in service.documents_of(db, product.id)]


@router.post("/products/{product_id}/documents", response_model=DocumentOut, status_code=201)
async def add_document(
    product_id: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    kind: Annotated[str, Form(description="licence, inspection, authorisation or other")],
    number: Annotated[str, Form(max_length=120)] = "",
    issuer: Annotated[str, Form(max_length=160)] = "",
    expires_on: Annotated[str, Form(description="YYYY-MM-DD")] = "",
    file: Annotated[UploadFile | None, File(description="PDF, JPEG, PNG or WebP, up to 10 MiB")] = None,
) -> DocumentOut:
    product = service.get_product(db, principal.workspace, product_id)
    stored = None
    if file is not None and file.filename:
        stored = service.store_file(
            db, clock, principal.workspace, file.filename, file.content_type or "", await file.read(), principal.user
        )
    doc = service.add_document(
        db,
        clock,
        product,
        kind=kind,
        number=number,
        issuer=issuer,
        expires_on=service.parse_date("expires_on", expires_on),
        file=stored,
        actor=principal.user,
    )
    return DocumentOut.of(doc)


@router.post("/products/{product_id}/sample-tests", response_model=SampleTestOut, status_code=201)
async def add_sample_test(
    product_id: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    result: Annotated[str, Form(description="pass or fail")],
    tested_on: Annotated[str, Form(description="YYYY-MM-DD; today when empty")] = "",
    tester: Annotated[str, Form(max_length=120)] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
    photos: Annotated[list[UploadFile] | None, File(description="photos of the sample")] = None,
) -> SampleTestOut:
    product = service.get_product(db, principal.workspace, product_id)
    stored = [
        service.store_file(
            db, clock, principal.workspace, p.filename or "photo", p.content_type or "", await p.read(), principal.user
        )
        for p in photos or []
        if p.filename
    ]
    test = service.add_sample_test(
        db,
        clock,
        product,
        result=result,
        tested_on=service.parse_date("tested_on", tested_on),
        tester=tester,
        notes=notes,
        photos=stored,
    )
    return SampleTestOut.of(test)


@router.get("/products/{product_id}/sample-tests", response_model=list[SampleTestOut])
def list_sample_tests(product_id: str, db: Db, principal: Viewer) -> list[SampleTestOut]:
    product = service.get_product(db, principal.workspace, product_id)
    return [SampleTestOut.of(t) for t in service.sample_tests_of(db, product.id)]


@router.get("/files/{file_id}", summary="An uploaded document scan or photo")
def get_file(file_id: str, db: Db, principal: Viewer) -> Response:
    row = service.get_file(db, principal.workspace, file_id)
    return Response(
        row.data,
        media_type=row.content_type,
        headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/documents/expiring", summary="Documents expired or expiring within N days (30 by default)")
def expiring(
    db: Db, clock: Clk, principal: Viewer, days: Annotated[int, Query(ge=0, le=365)] = 30
) -> list[dict[str, Any]]:
    today = clock.now().date()
    return [
        {
            "sku": p.sku,
            "title": p.title,
            "kind": d.kind,
            "expires_on": d.expires_on.isoformat() if d.expires_on else None,
            "expired": bool(d.expires_on and d.expires_on < today),
        }
        for d, p in service.expiring_documents(db, principal.workspace, today, days)
    ]


@router.get("/goods/settings")
def get_settings(db: Db, principal: Viewer) -> dict[str, Any]:
    row = service.settings_of(db, principal.workspace.id)
    return {
        "min_margin_bp": row.min_margin_bp,
        "required_docs": row.required_docs,
        "return_rate_flag_bp": row.return_rate_flag_bp,
        "conversion_flag_bp": row.conversion_flag_bp,
    }


@router.put("/goods/settings")
def put_settings(body: SettingsIn, db: Db, principal: Editor) -> dict[str, Any]:
    service.update_settings(db, principal.workspace, body.model_dump(exclude_unset=True))
    return get_settings(db, principal)


# ------------------------------------------------------------------ lineups


def _show(db: Session, principal: Principal, show_id: str) -> Show:
    return shows.get_show(db, principal.workspace, show_id)


@router.get("/shows/{show_id}/lineup", response_model=list[LineupItemOut])
def get_lineup(show_id: str, db: Db, principal: Viewer) -> list[LineupItemOut]:
    show = _show(db, principal, show_id)
    return [LineupItemOut.of(i, p) for i, p in service.lineup(db, show.id)]


@router.post(
    "/shows/{show_id}/lineup",
    response_model=LineupItemOut,
    status_code=201,
    responses={409: {"description": "the product is not ready (details list every reason) or already in"}},
)
def add_lineup(show_id: str, body: LineupIn, db: Db, clock: Clk, principal: Editor) -> LineupItemOut:
    show = _show(db, principal, show_id)
    product = service.require_sku(db, principal.workspace, body.sku)
    item = service.add_to_lineup(
        db,
        clock,
        show,
        product,
        quota=body.quota,
        code=body.code,
        live_price=body.live_price,
        segment_id=body.segment_id,
    )
    return LineupItemOut.of(item, product)


@router.put("/shows/{show_id}/lineup/order", response_model=list[LineupItemOut])
def reorder_lineup(show_id: str, body: LineupOrder, db: Db, principal: Editor) -> list[LineupItemOut]:
    show = _show(db, principal, show_id)
    service.reorder(db, show, body.items)
    return [LineupItemOut.of(i, p) for i, p in service.lineup(db, show.id)]


@router.patch("/shows/{show_id}/lineup/{item_id}", response_model=LineupItemOut)
def patch_lineup(show_id: str, item_id: DbId, body: LineupPatch, db: Db, principal: Editor) -> LineupItemOut:
    show = _show(db, principal, show_id)
    item = service.get_item(db, show, item_id)
    service.update_item(db, show, item, body.model_dump(exclude_unset=True))
    product = service.get_product(db, principal.workspace, item.product_id)
    return LineupItemOut.of(item, product)


@router.delete("/shows/{show_id}/lineup/{item_id}", status_code=204)
def delete_lineup(show_id: str, item_id: DbId, db: Db, principal: Editor) -> None:
    show = _show(db, principal, show_id)
    service.remove_item(db, show, service.get_item(db, show, item_id))


@router.get("/shows/{show_id}/lineup/structure", summary="Tier mix and warnings")
def lineup_structure(show_id: str, db: Db, principal: Viewer) -> dict[str, Any]:
    result = service.structure(db, _show(db, principal, show_id))
    return result


@router.get("/shows/{show_id}/lineup.xlsx")
def lineup_xlsx(show_id: str, db: Db, principal: Viewer) -> Response:
    show = _show(db, principal, show_id)
    return download(sheets.export_lineup(db, show.id), f"lineup-{show.id}.xlsx")


# ------------------------------------------------------------------ claims and stock


@router.post(
    "/shows/{show_id}/claims",
    summary="A buyer's claim (喊單 / +1): confirmed while quota and stock last, else waitlisted",
    status_code=201,
)
def post_claim(show_id: str, body: ClaimIn, db: Db, clock: Clk, principal: ClaimsManager) -> dict[str, Any]:
    if (body.sku is None) == (body.code is None):
        raise ValidationFailed('give either "sku" or "code" (the claim code, like A1)', key="err.sku_or_code")
    show = _show(db, principal, show_id)
    result = claims.claim(
        db, clock, show, buyer=body.user, qty=body.qty, sku=body.sku, code=body.code, variant=body.variant
    )
    return result.to_dict()


@router.get("/shows/{show_id}/claims")
def list_claims(
    show_id: str,
    db: Db,
    principal: Viewer,
    status: Annotated[str | None, Query(pattern="^(confirmed|waitlisted|cancelled)$")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    show = _show(db, principal, show_id)
    return [
        {
            "claim": c.id,
            "user": c.buyer,
            "code": code,
            "sku": sku,
            "qty": c.qty,
            "variant": c.variant,
            "status": c.status,
            "source": c.source,
            "text": c.text,
            "ts": c.ts,
        }
        for c, code, sku in claims.claims_of(db, show, status=status, limit=limit)
    ]


@router.post("/shows/{show_id}/claims/{claim_id}/cancel", summary="Cancel; freed stock goes to the waitlist")
def cancel_claim(show_id: str, claim_id: DbId, db: Db, clock: Clk, principal: ClaimsManager) -> dict[str, Any]:
    show = _show(db, principal, show_id)
    row = claims.cancel(db, clock, show, claims.get_claim(db, show, claim_id))
    return {"claim": row.id, "status": row.status}


@router.get("/shows/{show_id}/stock", summary='Per SKU: {"stock", "confirmed", "waitlisted", "remaining"}')
def get_stock(show_id: str, db: Db, principal: Viewer) -> dict[str, dict[str, int]]:
    return claims.stock_view(db, _show(db, principal, show_id))


@router.get("/shows/{show_id}/checkout", summary="結單: confirmed claims per buyer with totals")
def get_checkout(
    show_id: str, db: Db, principal: Viewer, format: Annotated[str, Query(pattern="^(json|xlsx|csv)$")] = "json"
) -> Any:
    show = _show(db, principal, show_id)
    buyers = reports.checkout(db, show)
    if format == "json":
        return buyers
    media = XLSX if format == "xlsx" else "text/csv; charset=utf-8"
    return download(sheets.export_checkout(buyers, format), f"checkout-{show.id}.{format}", media)


@router.get("/shows/{show_id}/oversold", summary="Paid orders the stock could not cover, for customer service")
def get_oversold(show_id: str, db: Db, principal: Viewer) -> list[dict[str, Any]]:
    show = _show(db, principal, show_id)
    return [
        {"order": o.order_ref, "user": o.buyer, "qty": o.qty, "oversold": o.oversold, "amount": o.amount}
        for o in listener.oversold_orders(db, show)
    ]


@router.post("/shows/{show_id}/orders/{order_ref}/return", summary="A refunded item is back: return it to stock")
def return_order(show_id: str, order_ref: str, body: ReturnIn, db: Db, clock: Clk, principal: Editor) -> dict[str, Any]:
    show = _show(db, principal, show_id)
    line = listener.return_to_stock(db, clock, show, order_ref, body.qty, principal.user)
    return {"order": line.order_ref, "returned_qty": line.returned_qty}


@router.get("/shows/{show_id}/product-results", summary="Per product: conversion, returns, replacement flags (汰換)")
def product_results(show_id: str, db: Db, principal: Viewer) -> list[dict[str, Any]]:
    result = reports.product_results(db, _show(db, principal, show_id))
    return result
