"""Console pages for the goods: the pool, a product (documents, sample tests, stock), suppliers, the
spreadsheet import, a show's lineup (drag to reorder) and its live stock and claims."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.background import in_thread
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.core.money import form_amount
from livecrew.core.params import DbId
from livecrew.goods import claims, ledger, listener, reports, service, sheets
from livecrew.goods.api import XLSX, download
from livecrew.goods.models import DocKind, Product, ProductStatus, Tier
from livecrew.shows import public as shows
from livecrew.shows.public import Show
from livecrew.web.i18n import Translator
from livecrew.web.render import form_failed, language_for, render, translate_error, translator
from livecrew.web.uploads import PendingUploads

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.goods_view))]
Editor = Annotated[Principal, Depends(require_web(Action.goods_edit))]
ClaimsManager = Annotated[Principal, Depends(require_web(Action.claims_manage))]


def _reason_text(t: Translator, reason: dict[str, Any]) -> str:
    text = t(reason["key"], **reason["params"])
    return reason["message"] if text == reason["key"] else text


def _error(request: Request, exc: DomainError) -> str:
    t = translator(request)
    if isinstance(exc.details, list) and exc.details and isinstance(exc.details[0], dict) and "key" in exc.details[0]:
        return translate_error(t, exc) + " " + "；".join(_reason_text(t, r) for r in exc.details)
    return translate_error(t, exc)


def _yuan(text: str, what: str, currency: str) -> int | None:
    """A price typed in the currency's ordinary unit (599 or 599.5) as minor units; ``what`` is the field's
    catalog key."""
    return form_amount(text, what, currency=currency, maximum=service.MAX_PRICE)


def _int(text: str, name: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.lstrip("+-").isdigit() or len(text) - len(text.lstrip("+-")) > 1:  # −3 is a whole number
        raise ValidationFailed(f'"{name}" must be a whole number', key="err.whole", params={"field": name})
    return int(text)  # range is the service's to check, with a message that gives it


# ------------------------------------------------------------------ the pool


@router.get("/goods", response_class=HTMLResponse)
def pool(
    request: Request, db: Db, clock: Clk, principal: Viewer, q: str = "", tier: str = "", status: str = ""
) -> Response:
    t = translator(request)
    today = clock.now().date()
    products = service.list_products(db, principal.workspace, q=q or None, tier=tier or None, status=status or None)
    required = service.settings_of(db, principal.workspace.id).required_docs
    suppliers = {s.id: s.name for s in service.list_suppliers(db, principal.workspace)}
    rows = []
    for p in products:
        state = service.readiness(db, p, today, required)
        rows.append(
            {
                "p": p,
                "ready": state.ready,
                "reasons": [_reason_text(t, r) for r in state.reasons],
                "supplier": suppliers.get(p.supplier_id or "", ""),
                "low": p.stock <= p.low_stock_at,
            }
        )
    expiring = [
        {"doc": d, "product": p, "expired": bool(d.expires_on and d.expires_on < today)}
        for d, p in service.expiring_documents(db, principal.workspace, today)
    ]
    return render(
        request,
        "goods/pool.html",
        {
            "rows": rows,
            "expiring": expiring,
            "filters": {"q": q, "tier": tier, "status": status},
            "tiers": [x.value for x in Tier],
            "statuses": [x.value for x in ProductStatus],
            "can_edit": principal.can(Action.goods_edit),
            "counts": {
                "all": len(rows),
                "ready": sum(1 for r in rows if r["ready"]),
                "low": sum(1 for r in rows if r["low"]),
                "expiring": len(expiring),
            },
        },
        active_nav="goods",
    )


# ------------------------------------------------------------------ a product


def _product_context(db: Session, clock: Clock, request: Request, product: Product | None) -> dict[str, Any]:
    t = translator(request)
    ctx: dict[str, Any] = {
        "product": product,
        "tiers": [x.value for x in Tier],
        "statuses": [x.value for x in ProductStatus],
    }
    ctx["doc_kinds"] = [k.value for k in DocKind]
    if product is not None:
        state = service.readiness(db, product, clock.now().date())
        ctx["readiness"] = {"ready": state.ready, "reasons": [_reason_text(t, r) for r in state.reasons]}
        ctx["documents"] = service.documents_of(db, product.id)
        ctx["tests"] = service.sample_tests_of(db, product.id)[::-1]
        ctx["today"] = clock.now().date()
    return ctx


def _product_page(
    request: Request, db: Session, clock: Clock, principal: Principal, product: Product | None, **extra: Any
) -> Response:
    status = int(extra.pop("status_code", 200))
    ctx = _product_context(db, clock, request, product)
    ctx.update(
        suppliers=service.list_suppliers(db, principal.workspace),
        can_edit=principal.can(Action.goods_edit),
        form=extra.pop("form", None),
        **extra,
    )
    return render(request, "goods/product.html", ctx, status_code=status, active_nav="goods")


@router.get("/goods/products/new", response_class=HTMLResponse)
def new_product(request: Request, db: Db, clock: Clk, principal: Editor) -> Response:
    return _product_page(request, db, clock, principal, None)


@router.get("/goods/products/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, product_id: str, db: Db, clock: Clk, principal: Viewer) -> Response:
    return _product_page(request, db, clock, principal, service.get_product(db, principal.workspace, product_id))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@router.post("/goods/products", response_class=HTMLResponse)
@router.post("/goods/products/{product_id}", response_class=HTMLResponse)
async def save_product(
    request: Request, db: Db, clock: Clk, principal: Editor, product_id: str | None = None
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    product = service.get_product(db, principal.workspace, product_id) if product_id else None
    try:
        objections = []
        for line in _lines(form.get("objections", "")):
            q, sep, a = line.partition("|")
            if not sep:
                q, sep, a = line.partition("｜")
            objections.append({"q": q.strip(), "a": a.strip()})
        data: dict[str, Any] = {
            "sku": form.get("sku", ""),
            "title": form.get("title", ""),
            "tier": form.get("tier") or None,
            "status": form.get("status") or None,
            "category": form.get("category", ""),
            "supplier_id": form.get("supplier_id") or None,
            "list_price": _yuan(form.get("list_price", ""), "goods.list_price", principal.workspace.currency),
            "live_price": _yuan(form.get("live_price", ""), "goods.live_price", principal.workspace.currency),
            "cost": _yuan(form.get("cost", ""), "goods.cost", principal.workspace.currency),
            "low_stock_at": _int(form.get("low_stock_at", ""), "low_stock_at"),
            "selling_points": _lines(form.get("selling_points", "")),
            "objections": objections,
        }
        commission = (form.get("commission", "") or "").strip()
        if commission:
            if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", commission) or float(commission) > 100:
                raise ValidationFailed("commission is a percentage from 0 to 100", key="err.commission")
            data["commission_bp"] = round(float(commission) * 100)
        if product is None:
            data["stock"] = _int(form.get("stock", ""), "stock") or 0
        product = service.save_product(db, clock, principal.workspace, data, product, actor=principal.user)
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            product = service.get_product(db, principal.workspace, product_id) if product_id else None
            return _product_page(request, db, clock, principal, product, error=error, form=form, status_code=status)

        return form_failed(request, db, exc, again, describe=_error)
    return RedirectResponse(f"/goods/products/{product.id}?ok=saved", status_code=303)


@router.post("/goods/products/{product_id}/restock", response_class=HTMLResponse)
def restock(
    request: Request,
    product_id: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    qty: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    product = service.get_product(db, principal.workspace, product_id)

    def work() -> None:
        amount = qty.strip()
        if not re.fullmatch(r"-?\d{1,8}", amount):
            raise ValidationFailed("qty is a whole number; negative writes stock off", key="err.restock_qty")
        claims.restock(db, clock, product, int(amount), note=note, actor=principal.user)

    return _on_product(request, db, clock, principal, product, work, "restocked")


def _on_product(
    request: Request, db: Session, clock: Clock, principal: Principal, product: Product, work: Any, ok: str
) -> Response:
    """Run a change to a product: commit and go back to its page, or show the page with the error."""
    try:
        work()
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _product_page(request, db, clock, principal, product, error=error, status_code=status)

        return form_failed(request, db, exc, again, describe=_error)
    return RedirectResponse(f"/goods/products/{product.id}?ok={ok}", status_code=303)


async def _upload(file: UploadFile | None) -> tuple[str, str, bytes] | None:
    if file is None or not file.filename:
        return None
    return file.filename, file.content_type or "", await file.read()


@router.post("/goods/products/{product_id}/documents", response_class=HTMLResponse)
async def add_document(
    request: Request,
    product_id: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    kind: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    issuer: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    product = service.get_product(db, principal.workspace, product_id)
    upload = await _upload(file)

    def work() -> None:
        stored = service.store_file(db, clock, principal.workspace, *upload, principal.user) if upload else None
        expires = service.parse_date("expires_on", expires_on)
        service.add_document(
            db,
            clock,
            product,
            kind=kind,
            number=number,
            issuer=issuer,
            expires_on=expires,
            file=stored,
            actor=principal.user,
        )

    return _on_product(request, db, clock, principal, product, work, "document_added")


@router.post("/goods/products/{product_id}/sample-tests", response_class=HTMLResponse)
async def add_sample_test(
    request: Request,
    product_id: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    result: Annotated[str, Form()] = "",
    tested_on: Annotated[str, Form()] = "",
    tester: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    product = service.get_product(db, principal.workspace, product_id)
    upload = await _upload(photo)

    def work() -> None:
        photos = [service.store_file(db, clock, principal.workspace, *upload, principal.user)] if upload else []
        day = service.parse_date("tested_on", tested_on)
        service.add_sample_test(
            db, clock, product, result=result, tested_on=day, tester=tester, notes=notes, photos=photos
        )

    return _on_product(request, db, clock, principal, product, work, "sample_added")


@router.get("/goods/files/{file_id}")
def file_download(file_id: str, db: Db, principal: Viewer) -> Response:
    row = service.get_file(db, principal.workspace, file_id)
    return Response(row.data, media_type=row.content_type, headers={"X-Content-Type-Options": "nosniff"})


# ------------------------------------------------------------------ suppliers


@router.get("/goods/suppliers", response_class=HTMLResponse)
def suppliers_page(request: Request, db: Db, principal: Viewer, edit: str = "") -> Response:
    return _suppliers(request, db, principal, edit)


def _suppliers(request: Request, db: Session, principal: Principal, edit: str = "", **extra: Any) -> Response:
    status = int(extra.pop("status_code", 200))
    suppliers = service.list_suppliers(db, principal.workspace)
    counts: dict[str, int] = {}
    for p in service.list_products(db, principal.workspace):
        if p.supplier_id:
            counts[p.supplier_id] = counts.get(p.supplier_id, 0) + 1
    editing = next((s for s in suppliers if s.id == edit), None)
    return render(
        request,
        "goods/suppliers.html",
        {
            "suppliers": suppliers,
            "counts": counts,
            "editing": editing,
            "can_edit": principal.can(Action.goods_edit),
            **extra,
        },
        status_code=status,
        active_nav="goods",
    )


@router.post("/goods/suppliers", response_class=HTMLResponse)
async def save_supplier(request: Request, db: Db, clock: Clk, principal: Editor) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    supplier_id = form.get("id", "")
    try:
        supplier = service.get_supplier(db, principal.workspace, supplier_id) if supplier_id else None
        data = {k: form.get(k, "") for k in service.SUPPLIER_FIELDS if k not in ("returns_7day", "reissue_on_damage")}
        data["returns_7day"] = form.get("returns_7day") == "on"  # type: ignore[assignment]
        data["reissue_on_damage"] = form.get("reissue_on_damage") == "on"  # type: ignore[assignment]
        service.save_supplier(db, clock, principal.workspace, data, supplier)
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _suppliers(request, db, principal, supplier_id, error=error, status_code=status)

        return form_failed(request, db, exc, again, describe=_error)
    return RedirectResponse("/goods/suppliers?ok=saved", status_code=303)


# ------------------------------------------------------------------ import


@router.get("/goods/import", response_class=HTMLResponse)
def import_page(request: Request, principal: Editor) -> Response:
    return render(request, "goods/import.html", {"result": None}, active_nav="goods")


@router.get("/goods/template.xlsx")
def template_download(request: Request, principal: Viewer) -> Response:
    lang = language_for(request, principal)
    return download(sheets.template(lang, principal.workspace.currency), "livecrew-products-template.xlsx")


@router.get("/goods/export.xlsx")
def export_download(request: Request, db: Db, principal: Viewer) -> Response:
    lang = language_for(request, principal)
    data = sheets.export_pool(db, service.list_products(db, principal.workspace), lang, principal.workspace.currency)
    return download(data, "livecrew-products.xlsx")


@router.post("/goods/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    file: Annotated[UploadFile | None, File()] = None,
    pending: Annotated[str, Form()] = "",
    valid_only: Annotated[str, Form()] = "",
) -> Response:
    """Upload: check every row. Clean: import. Not clean: show the errors and keep the file, so the
    user can import only the valid rows or upload a fixed file. Clean but with prices worth a look (a live
    price above the list price or under a tenth of it): show them, and import once the user confirms."""
    uploads = PendingUploads(request, principal.workspace.id)
    try:
        name, data = await uploads.read(pending, file)
        # Reading and checking thousands of rows (and writing them, below) runs off the event loop.
        currency = principal.workspace.currency
        checked = await in_thread(lambda: sheets.check(sheets.read_table(name, data), currency))
        # Rows with problems, or prices worth a second look (a unit mix-up): show the check, keep the file.
        if (checked.errors or checked.warnings) and valid_only != "on":
            token = uploads.keep(name, data, pending)
            return render(
                request,
                "goods/import.html",
                {"result": checked.summary(), "name": name, "pending": token},
                status_code=422 if checked.errors else 200,
                active_nav="goods",
            )

        def write() -> sheets.Applied:
            done = sheets.apply(db, clock, principal.workspace, checked, valid_only=True, actor=principal.user)
            db.flush()
            return done

        applied = await in_thread(write)
        uploads.drop(pending)
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return render(
                request,
                "goods/import.html",
                {"result": None, "error": error},
                status_code=status,
                active_nav="goods",
            )

        return form_failed(request, db, exc, again, describe=_error)
    return render(
        request,
        "goods/import.html",
        {"result": checked.summary(), "applied": applied.to_dict(), "name": name, "skipped": len(checked.bad_rows)},
        active_nav="goods",
    )


# ------------------------------------------------------------------ a show's lineup


def _show(db: Session, principal: Principal, show_id: str) -> Show:
    return shows.get_show(db, principal.workspace, show_id)


def _lineup_page(
    request: Request, db: Session, clock: Clock, principal: Principal, show: Show, **extra: Any
) -> Response:
    t = translator(request)
    status = int(extra.pop("status_code", 200))
    items = service.lineup(db, show.id)
    in_lineup = {p.id for _, p in items}
    today = clock.now().date()
    required = service.settings_of(db, show.workspace_id).required_docs
    candidates = []
    for p in service.list_products(db, principal.workspace):
        if p.id in in_lineup or p.status == ProductStatus.retired.value:
            continue
        state = service.readiness(db, p, today, required)
        candidates.append({"p": p, "ready": state.ready, "reasons": [_reason_text(t, r) for r in state.reasons]})
    structure = service.structure(db, show)
    for w in structure["warnings"]:
        text = t(w["key"], **w["params"])
        w["text"] = w["message"] if text == w["key"] else text
    segments = {s.id: s for s in show.segments}
    return render(
        request,
        "goods/lineup.html",
        {
            "show": show,
            "items": items,
            "segments": segments,
            "candidates": candidates,
            "structure": structure,
            "can_edit": principal.can(Action.goods_edit) and show.status in ("planned", "rehearsing", "ready", "live"),
            **extra,
        },
        status_code=status,
        active_nav="shows",
    )


@router.get("/shows/{show_id}/lineup", response_class=HTMLResponse)
def lineup_page(request: Request, show_id: str, db: Db, clock: Clk, principal: Viewer) -> Response:
    return _lineup_page(request, db, clock, principal, _show(db, principal, show_id))


@router.post("/shows/{show_id}/lineup", response_class=HTMLResponse)
def lineup_add(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    product_id: Annotated[str, Form()] = "",
    quota: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    live_price: Annotated[str, Form()] = "",
    segment_id: Annotated[str, Form()] = "",
) -> Response:
    show = _show(db, principal, show_id)
    try:
        if not product_id:
            raise ValidationFailed("choose a product to add", key="err.choose_product")
        product = service.get_product(db, principal.workspace, product_id)
        service.add_to_lineup(
            db,
            clock,
            show,
            product,
            quota=_int(quota, "quota"),
            code=code or None,
            live_price=_yuan(live_price, "goods.live_price", principal.workspace.currency),
            segment_id=_int(segment_id, "segment"),
        )
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            show = _show(db, principal, show_id)
            return _lineup_page(request, db, clock, principal, show, error=error, status_code=status)

        return form_failed(request, db, exc, again, describe=_error)
    return RedirectResponse(f"/shows/{show.id}/lineup?ok=lineup_added", status_code=303)


@router.post("/shows/{show_id}/lineup/order")
def lineup_order(
    show_id: str, db: Db, principal: Editor, order: Annotated[str, Form(description="item ids, comma-separated")] = ""
) -> Response:
    show = _show(db, principal, show_id)
    try:
        ids = [int(x) for x in order.split(",") if x.strip()]
    except ValueError:
        raise ValidationFailed("order is a comma-separated list of lineup item ids", key="err.lineup_order") from None
    service.reorder(db, show, ids)
    return Response(status_code=204)


@router.post("/shows/{show_id}/lineup/{item_id}", response_class=HTMLResponse)
def lineup_edit(
    request: Request,
    show_id: str,
    item_id: DbId,
    db: Db,
    clock: Clk,
    principal: Editor,
    action: Annotated[str, Form()] = "save",
    quota: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    live_price: Annotated[str, Form()] = "",
    segment_id: Annotated[str, Form()] = "",
) -> Response:
    show = _show(db, principal, show_id)
    try:
        item = service.get_item(db, show, item_id)
        if action == "remove":
            service.remove_item(db, show, item)
        else:
            service.update_item(
                db,
                show,
                item,
                {
                    "quota": _int(quota, "quota"),
                    "code": code or None,
                    "live_price": _yuan(live_price, "goods.live_price", principal.workspace.currency),
                    "segment_id": _int(segment_id, "segment"),
                },
            )
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            show = _show(db, principal, show_id)
            return _lineup_page(request, db, clock, principal, show, error=error, status_code=status)

        return form_failed(request, db, exc, again, describe=_error)
    return RedirectResponse(f"/shows/{show.id}/lineup?ok=saved", status_code=303)


@router.get("/shows/{show_id}/lineup.xlsx")
def lineup_download(show_id: str, db: Db, principal: Viewer) -> Response:
    show = _show(db, principal, show_id)
    return download(sheets.export_lineup(db, show.id), f"lineup-{show.id}.xlsx")


# ------------------------------------------------------------------ stock and claims during the show


def _stock_context(db: Session, show: Show) -> dict[str, Any]:
    view = claims.stock_view(db, show)
    items = service.lineup(db, show.id)
    return {
        "show": show,
        "rows": [{"item": i, "p": p, "s": view[p.sku]} for i, p in items],
        "claims": claims.claims_of(db, show, limit=100),
        "oversold": listener.oversold_orders(db, show),
        "open": show.status in ledger.OPEN_FOR_CLAIMS,
    }


@router.get("/shows/{show_id}/stock", response_class=HTMLResponse)
def stock_page(request: Request, show_id: str, db: Db, principal: Viewer) -> Response:
    return _stock_page(request, db, principal, _show(db, principal, show_id))


def _stock_page(request: Request, db: Session, principal: Principal, show: Show, **extra: Any) -> Response:
    status = int(extra.pop("status_code", 200))
    ctx = _stock_context(db, show)
    ctx.update(can_claim=principal.can(Action.claims_manage), **extra)
    if show.status in ("ended", "reviewed"):
        ctx["results"] = reports.product_results(db, show)
    ctx["checkout"] = reports.checkout(db, show)
    return render(request, "goods/stock.html", ctx, status_code=status, active_nav="live")


@router.get("/shows/{show_id}/stock/panel", response_class=HTMLResponse)
def stock_panel(request: Request, show_id: str, db: Db, principal: Viewer) -> Response:
    ctx = _stock_context(db, _show(db, principal, show_id))
    ctx["can_claim"] = principal.can(Action.claims_manage)
    return render(request, "goods/_stock_panel.html", ctx)


@router.post("/shows/{show_id}/claims", response_class=HTMLResponse)
def claim_form(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: ClaimsManager,
    buyer: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    qty: Annotated[str, Form()] = "1",
    variant: Annotated[str, Form()] = "",
) -> Response:
    show = _show(db, principal, show_id)
    try:
        amount = _int(qty, "qty") or 0
        result = claims.claim(db, clock, show, buyer=buyer, qty=amount, code=code, variant=variant, source="console")
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            show = _show(db, principal, show_id)
            return _stock_page(request, db, principal, show, error=error, status_code=status)

        return form_failed(request, db, exc, again, describe=_error)
    return RedirectResponse(f"/shows/{show.id}/stock?ok=claim_{result.status}", status_code=303)


@router.post("/shows/{show_id}/claims/{claim_id}/cancel", response_class=HTMLResponse)
def claim_cancel(
    request: Request, show_id: str, claim_id: DbId, db: Db, clock: Clk, principal: ClaimsManager
) -> Response:
    show = _show(db, principal, show_id)
    try:
        claims.cancel(db, clock, show, claims.get_claim(db, show, claim_id))
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            show = _show(db, principal, show_id)
            return _stock_page(request, db, principal, show, error=error, status_code=status)

        return form_failed(request, db, exc, again, describe=_error)
    return RedirectResponse(f"/shows/{show.id}/stock?ok=claim_cancelled", status_code=303)


@router.get("/shows/{show_id}/checkout.{fmt}")
def checkout_download(show_id: str, fmt: str, db: Db, principal: Viewer) -> Response:
    if fmt not in ("xlsx", "csv"):
        raise ValidationFailed("the checkout list downloads as .xlsx or .csv", key="err.checkout_format")
    show = _show(db, principal, show_id)
    media = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return download(sheets.export_checkout(reports.checkout(db, show), fmt), f"checkout-{show.id}.{fmt}", media)
