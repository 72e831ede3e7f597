"""Console pages of customer service (客服): the queue, a ticket, settings and templates, the daily report,
retargeting lists and the after-sales import."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.core.money import form_amount
from livecrew.service import config, imports, macros, problems, reports, retarget, tickets
from livecrew.service.models import AFTER_SALES, TicketSource
from livecrew.service.tickets import ReplyFlagged
from livecrew.web.i18n import Translator
from livecrew.web.render import language_for, render, translate_error
from livecrew.web.uploads import PendingUploads

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False, route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.service_view))]
Editor = Annotated[Principal, Depends(require_web(Action.service_edit))]
Manager = Annotated[Principal, Depends(require_web(Action.service_manage))]
NAV = "service"


def _t(request: Request) -> Translator:
    return Translator(language_for(request, getattr(request.state, "principal", None)))


def _error(request: Request, exc: DomainError) -> str:
    return translate_error(_t(request), exc)


def _people(db: Session, principal: Principal) -> dict[str, str]:
    from livecrew.core.auth import service as auth

    return {u.id: u.display_name for u in auth.list_users(db, principal.workspace)}


def _base(db: Session, principal: Principal) -> dict[str, Any]:
    return {
        "kinds": tickets.KINDS,
        "statuses": tickets.STATUSES,
        "priorities": tickets.PRIORITIES,
        "people": _people(db, principal),
        "can_edit": principal.can(Action.service_edit),
        "can_manage": principal.can(Action.service_manage),
    }


# ---------------------------------------------------------------- the queue


@router.get("/service", response_class=HTMLResponse)
def queue(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Viewer,
    view: str = "open",
    kind: str = "",
    product: str = "",
    show: str = "",
    status: str = "",
) -> Response:
    return _queue(request, db, clock, principal, view=view, kind=kind, product=product, show=show, status=status)


def _queue(
    request: Request,
    db: Session,
    clock: Clock,
    principal: Principal,
    *,
    view: str = "open",
    kind: str = "",
    product: str = "",
    show: str = "",
    status: str = "",
    form_error: str | None = None,
    status_code: int = 200,
) -> Response:
    f = tickets.Filters(
        status=(status,) if status else (),
        open_only=view in ("open", "mine", "unassigned", "breaching") and not status,
        kind=kind or None,
        assignee_id=principal.user.id if view == "mine" else None,
        unassigned=view == "unassigned",
        breaching=view == "breaching",
        product=product or None,
        show_id=show or None,
    )
    try:
        rows = tickets.list_tickets(db, clock, principal.workspace.id, f)
        error = None
    except DomainError as exc:
        rows, error = [], _error(request, exc)
    now = clock.now()
    items = [{"t": t, "overdue": tickets.is_overdue(t, now), "due_in": tickets.due_in(t, now)} for t in rows]
    context = {
        **_base(db, principal),
        "items": items,
        "view": view,
        "kind": kind,
        "product": product,
        "show": show,
        "status": status,
        "counts": tickets.counts(db, principal.workspace.id),
        "flags": problems.open_flags(db, principal.workspace.id),
        "error": error or form_error,
        "tab": "queue",
    }
    db.flush()
    return render(request, "service/queue.html", context, status_code=status_code, active_nav=NAV)


def _minor(value: str, currency: str) -> int:
    """An amount typed in the currency's ordinary unit as minor units; empty is 0."""
    return form_amount(value, "service.amount", currency=currency, maximum=imports.MAX_AMOUNT) or 0


@router.post("/service/tickets", response_class=HTMLResponse)
def create(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    kind: Annotated[str, Form()],
    customer: Annotated[str, Form()],
    text: Annotated[str, Form()],
    nickname: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "normal",
    show: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
    order: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> Response:
    try:
        t = tickets.open_ticket(
            db,
            clock,
            principal.workspace.id,
            tickets.NewTicket(
                kind=kind,
                customer=customer,
                text=text,
                nickname=nickname,
                priority=priority,
                show_id=show.strip() or None,
                product=product,
                order_ref=order,
                amount=_minor(amount, principal.workspace.currency),
                source=TicketSource.manual.value,
            ),
            actor_id=principal.user.id,
        )
        ticket_id = t.id
        db.flush()
    except DomainError as exc:
        db.rollback()
        return _queue(request, db, clock, principal, form_error=_error(request, exc), status_code=exc.status_code)
    return RedirectResponse(f"/service/tickets/{ticket_id}?ok=saved", status_code=303)


@router.post("/service/live/{show_id}/tickets")
def create_from_live(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    user: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "comment",
) -> Response:
    """The control room's one click (a form post from its button; answers JSON for the script)."""
    from fastapi.responses import JSONResponse

    from livecrew.service.api import open_from_live
    from livecrew.service.schemas import LiveTicketIn

    try:
        t = open_from_live(
            db, clock, principal, show_id, LiveTicketIn(user=user, text=text, product=product or None, source=source)
        )
        body = {"id": t.id, "status": t.status, "kind": t.kind, "url": f"/service/tickets/{t.id}"}
        db.flush()
    except DomainError as exc:
        db.rollback()
        return JSONResponse({"error": exc.code, "message": _error(request, exc)}, status_code=exc.status_code)
    return JSONResponse(body, status_code=201)


# ---------------------------------------------------------------- a ticket


def _ticket_page(
    request: Request,
    db: Session,
    clock: Clock,
    principal: Principal,
    ticket_id: int,
    *,
    draft: str = "",
    macro: str = "",
    hits: list[dict[str, Any]] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    from livecrew.text.public import scan_reply

    t = tickets.get_ticket(db, principal.workspace.id, ticket_id)
    lang = language_for(request, principal)
    templates = macros.macros(db, principal.workspace.id)
    if macro and not draft:
        chosen = next((m for m in templates if m.key == macro), None)
        if chosen is not None:
            draft = macros.fill(
                chosen.body(lang),
                {"customer": t.nickname or t.customer, "product": t.product, "order": t.order_ref},
            )
    if draft and hits is None:
        hits = scan_reply(db, principal.workspace.id, draft)
    now = clock.now()
    context = {
        **_base(db, principal),
        "ticket": t,
        "history": tickets.entries(db, t),
        "breaches": tickets.breaches_of(db, t),
        "overdue": tickets.is_overdue(t, now),
        "due_in": tickets.due_in(t, now),
        "templates": templates,
        "lang": lang,
        "macro": macro,
        "draft": draft,
        "hits": hits or [],
        "unfilled": macros.unfilled(draft),
        "error": error,
        "next_status": tickets.next_statuses(t.status),
    }
    db.flush()
    return render(request, "service/ticket.html", context, status_code=status_code, active_nav=NAV)


@router.get("/service/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: int, db: Db, clock: Clk, principal: Viewer, macro: str = "") -> Response:
    return _ticket_page(request, db, clock, principal, ticket_id, macro=macro)


@router.post("/service/tickets/{ticket_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request,
    ticket_id: int,
    db: Db,
    clock: Clk,
    principal: Editor,
    text: Annotated[str, Form()] = "",
    internal: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    macro: Annotated[str, Form()] = "",
    then: Annotated[str, Form()] = "",
) -> Response:
    try:
        t = tickets.get_ticket(db, principal.workspace.id, ticket_id, lock=True)
        tickets.reply(
            db,
            clock,
            t,
            text,
            actor_id=principal.user.id,
            internal=internal == "on",
            confirm=confirm == "on",
            template=macro or None,
            then=then or None,
        )
        db.flush()
    except ReplyFlagged as exc:
        db.rollback()
        hits = exc.details.get("hits", []) if isinstance(exc.details, dict) else []
        return _ticket_page(
            request, db, clock, principal, ticket_id, draft=text, macro=macro, hits=hits,
            error=_error(request, exc), status_code=409,
        )  # fmt: skip
    except DomainError as exc:
        db.rollback()
        return _ticket_page(
            request, db, clock, principal, ticket_id, draft=text, macro=macro, error=_error(request, exc),
            status_code=exc.status_code,
        )  # fmt: skip
    return RedirectResponse(f"/service/tickets/{ticket_id}?ok=sent", status_code=303)


@router.post("/service/tickets/{ticket_id}/change", response_class=HTMLResponse)
def change(
    request: Request,
    ticket_id: int,
    db: Db,
    clock: Clk,
    principal: Editor,
    to: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "-",
    message: Annotated[str, Form()] = "",
    rating: Annotated[str, Form()] = "",
) -> Response:
    try:
        t = tickets.get_ticket(db, principal.workspace.id, ticket_id, lock=True)
        if to:
            tickets.transition(db, clock, t, to, actor_id=principal.user.id)
        if assignee != "-":
            tickets.assign(db, clock, t, assignee or None, actor_id=principal.user.id)
        if message.strip():
            tickets.customer_message(db, clock, t, message)
        if rating:
            if not rating.isdigit():
                raise ValidationFailed("a rating is a whole number from 1 to 5", key="err.service_rating")
            tickets.rate(db, clock, t, int(rating))
        db.flush()
    except DomainError as exc:
        db.rollback()
        return _ticket_page(
            request, db, clock, principal, ticket_id, error=_error(request, exc), status_code=exc.status_code
        )
    return RedirectResponse(f"/service/tickets/{ticket_id}?ok=saved", status_code=303)


# ---------------------------------------------------------------- settings and templates


def _settings_page(
    request: Request, db: Session, principal: Principal, *, error: str | None = None, status_code: int = 200,
    edit: str = "",
) -> Response:  # fmt: skip
    templates = macros.macros(db, principal.workspace.id)
    context = {
        **_base(db, principal),
        "settings": config.settings_for(db, principal.workspace.id),
        "agents": config.agents(db, principal.workspace.id),
        "templates": templates,
        "editing": next((m for m in templates if m.key == edit), None),
        "langs": macros.LANGS,
        "error": error,
        "tab": "settings",
    }
    db.flush()
    return render(request, "service/settings.html", context, status_code=status_code, active_nav=NAV)


@router.get("/service/settings", response_class=HTMLResponse)
def settings_page(request: Request, db: Db, principal: Viewer, edit: str = "") -> Response:
    return _settings_page(request, db, principal, edit=edit)


@router.post("/service/settings", response_class=HTMLResponse)
async def settings_save(request: Request, db: Db, clock: Clk, principal: Manager) -> Response:
    form = await request.form()
    changes: dict[str, Any] = {
        key: str(form.get(key) or "").strip() or None
        for key in ("hours_start", "hours_end", "report_time", "first_reply_minutes", "next_reply_minutes",
                    "problem_threshold")
    }  # fmt: skip
    changes["auto_complaints"] = form.get("auto_complaints") == "on"
    changes["refund_tickets"] = form.get("refund_tickets") == "on"
    changes["resolution_hours"] = {
        kind: str(form.get(f"resolution_{kind}")).strip() for kind in tickets.KINDS if form.get(f"resolution_{kind}")
    }
    try:
        config.update_settings(db, clock, principal.workspace.id, changes)
        db.flush()
    except DomainError as exc:
        db.rollback()
        return _settings_page(request, db, principal, error=_error(request, exc), status_code=exc.status_code)
    return RedirectResponse("/service/settings?ok=saved", status_code=303)


@router.post("/service/agents/{user_id}", response_class=HTMLResponse)
def agent_save(
    request: Request,
    user_id: str,
    db: Db,
    principal: Manager,
    shift_start: Annotated[str, Form()],
    shift_end: Annotated[str, Form()],
    on_duty: Annotated[str, Form()] = "",
) -> Response:
    try:
        config.set_agent(
            db, principal.workspace.id, user_id, shift_start=shift_start, shift_end=shift_end, on_duty=on_duty == "on"
        )
        db.flush()
    except DomainError as exc:
        db.rollback()
        return _settings_page(request, db, principal, error=_error(request, exc), status_code=exc.status_code)
    return RedirectResponse("/service/settings?ok=saved", status_code=303)


@router.post("/service/macros", response_class=HTMLResponse)
async def macro_save(request: Request, db: Db, clock: Clk, principal: Editor) -> Response:
    form = await request.form()
    key = str(form.get("key") or "")
    try:
        macros.save_macro(
            db,
            clock,
            principal.workspace.id,
            key=key,
            topic=str(form.get("topic") or "other"),
            titles={lang: str(form.get(f"title_{lang}") or "") for lang in macros.LANGS},
            bodies={lang: str(form.get(f"body_{lang}") or "") for lang in macros.LANGS},
            actor_id=principal.user.id,
            confirm=form.get("confirm") == "on",
        )
        db.flush()
    except DomainError as exc:
        db.rollback()
        return _settings_page(request, db, principal, error=_error(request, exc), status_code=exc.status_code, edit=key)
    return RedirectResponse("/service/settings?ok=saved#templates", status_code=303)


@router.post("/service/flags/{flag_id}/clear")
def flag_clear(flag_id: int, db: Db, clock: Clk, principal: Editor) -> Response:
    problems.clear_flag(db, clock, principal.workspace.id, flag_id, actor_id=principal.user.id)
    db.flush()
    return RedirectResponse("/service?ok=saved", status_code=303)


# ---------------------------------------------------------------- the daily report


@router.get("/service/report", response_class=HTMLResponse)
def report_page(request: Request, db: Db, clock: Clk, principal: Viewer, day: str = "") -> Response:
    error = None
    when = reports.today(clock, principal.workspace.timezone)
    if day:
        try:
            when = reports.parse_day(day)
        except DomainError as exc:
            error = _error(request, exc)
    report = reports.daily(db, clock, principal.workspace.id, when)
    context = {"report": report.data, "summary": report.summary(), "day": report.day, "error": error, "tab": "report",
               "after_sales_kinds": AFTER_SALES}  # fmt: skip
    db.flush()
    return render(request, "service/report.html", context, active_nav=NAV)


# ---------------------------------------------------------------- retargeting


@router.get("/service/retarget", response_class=HTMLResponse)
def retarget_page(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Viewer,
    show: str = "",
    segment: str = "clicked_not_paid",
    since: str = "",
    until: str = "",
) -> Response:
    from livecrew.shows.public import shows_between

    tz = ZoneInfo(principal.workspace.timezone)
    today = clock.now().astimezone(tz).date()
    recent = shows_between(
        db,
        principal.workspace.id,
        datetime.combine(today - timedelta(days=30), time(0), tz),
        datetime.combine(today + timedelta(days=8), time(0), tz),
    )
    wants: list[retarget.Want] = []
    error = None
    query = ""
    try:
        if show:
            wants = retarget.for_show(db, principal.workspace.id, show, segment)
            query = "show"
        elif since:
            start_day = reports.parse_day(since)
            end_day = reports.parse_day(until) if until else start_day
            wants = retarget.for_period(
                db,
                principal.workspace.id,
                datetime.combine(start_day, time(0), tz),
                datetime.combine(end_day + timedelta(days=1), time(0), tz),
                segment,
            )
            query = "period"
    except DomainError as exc:
        error = _error(request, exc)
    context = {
        "shows": list(reversed(recent)),
        "show": show,
        "segment": segment,
        "segments": retarget.SEGMENTS,
        "since": since,
        "until": until,
        "wants": wants,
        "query": query,
        "error": error,
        "tab": "retarget",
        "lang": language_for(request, principal),
    }
    db.flush()
    return render(request, "service/retarget.html", context, active_nav=NAV)


@router.post("/service/retarget/export")
async def retarget_export(request: Request, db: Db, clock: Clk, principal: Viewer) -> Response:
    """The console's export buttons (a form post: an export is logged, so it is never a GET)."""
    from livecrew.service.api import ExportIn, export_list

    form = await request.form()
    try:
        body = ExportIn(
            segment=str(form.get("segment") or "clicked_not_paid"),
            format="xlsx" if form.get("format") == "xlsx" else "csv",
            lang=language_for(request, principal),
            show=str(form.get("show") or "") or None,
            since=reports.parse_day(str(form["since"])) if form.get("since") else None,
            until=reports.parse_day(str(form["until"])) if form.get("until") else None,
        )
        return export_list(db, clock, principal, body)
    except DomainError as exc:
        db.rollback()
        context = {"message": _error(request, exc), "status": exc.status_code}
        return render(request, "error.html", context, status_code=exc.status_code)


# ---------------------------------------------------------------- import


@router.get("/service/import", response_class=HTMLResponse)
def import_page(request: Request, principal: Editor) -> Response:
    return render(request, "service/import.html", {"result": None, "tab": "import"}, active_nav=NAV)


@router.get("/service/import/template.csv")
def import_template(request: Request, principal: Editor) -> Response:
    from livecrew.service.api import download

    data = imports.template_csv(language_for(request, principal), principal.workspace.currency)
    return download(data, "livecrew-after-sales-template.csv", "text/csv; charset=utf-8")


@router.post("/service/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    file: Annotated[UploadFile | None, File()] = None,
    pending: Annotated[str, Form()] = "",
    valid_only: Annotated[str, Form()] = "",
) -> Response:
    """Check every row. Clean: import. Not clean: show the errors, write nothing, keep the file so the person
    can import the valid rows only or upload a fixed file."""
    uploads = PendingUploads(request, principal.workspace.id, prefix="service-")
    try:
        name, data = await uploads.read(pending, file)
        checked = imports.check(db, principal.workspace.id, imports.read_table(name, data))
        if checked.errors and valid_only != "on":
            token = uploads.keep(name, data, pending)
            db.rollback()
            return render(
                request,
                "service/import.html",
                {"result": checked.summary(), "pending": token, "tab": "import"},
                status_code=422,
                active_nav=NAV,
            )
        made = imports.apply(db, clock, principal.workspace.id, checked, actor_id=principal.user.id, valid_only=True)
        imported = len(made)
        db.flush()
        uploads.drop(pending)
    except DomainError as exc:
        db.rollback()
        return render(
            request,
            "service/import.html",
            {"result": None, "error": _error(request, exc), "tab": "import"},
            status_code=exc.status_code,
            active_nav=NAV,
        )
    return render(
        request,
        "service/import.html",
        {"result": checked.summary(), "imported": imported, "skipped": len(checked.bad_rows), "tab": "import"},
        active_nav=NAV,
    )
