"""Console pages for shows: the list with a create form, and one show's workspace (gate, roster, checklist)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth import service as auth
from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import TEAM_ROLES
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.core.money import form_amount
from livecrew.core.params import DbId
from livecrew.core.plugins import contributions
from livecrew.shows import perks, schedule, service, template_pages
from livecrew.shows.gate import Problem
from livecrew.shows.models import ItemStatus, Show, ShowStatus
from livecrew.web.i18n import Translator
from livecrew.web.render import form_failed, render, role_names, translate_error, translator

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)
# The template pages first: /shows/templates must not be read as a show's id.
router.include_router(template_pages.router)


# Other features add panels to a show's page: each gives a template name and the context it needs.
DetailPanel = Callable[[Request, Session, Principal, Show], tuple[str, dict[str, Any]]]
DETAIL_PANELS = "shows.detail_panel"

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]


def describe(t: Translator, problem: Problem) -> str:
    params = dict(problem.params)
    if "role" in params:
        params["role"] = role_names(t).get(str(params["role"]), params["role"])
    text = t(problem.key, **params)
    return problem.message if text == problem.key else text


@router.get("/shows", response_class=HTMLResponse)
def shows_page(
    request: Request, db: Db, clock: Clk, principal: Annotated[Principal, Depends(require_web(Action.shows_view))]
) -> Response:
    return _list_page(request, db, clock, principal)


def _list_page(request: Request, db: Session, clock: Clock, principal: Principal, **extra: Any) -> Response:
    ws = principal.workspace
    zone = ZoneInfo(ws.timezone)
    now = clock.now()
    shows = service.list_shows(db, ws)
    upcoming = [s for s in shows if service.ends_at(s) >= now - timedelta(hours=12)]
    past = [s for s in shows if service.ends_at(s) < now - timedelta(hours=12)][-20:][::-1]
    default_start = (now.astimezone(zone) + timedelta(days=1)).replace(hour=20, minute=0, second=0, microsecond=0)
    form = extra.pop("form", None) or {
        "title": "",
        "start": default_start.strftime("%Y-%m-%dT%H:%M"),
        "minutes": "",
        "template": "",
        "room": "",
    }
    status = int(extra.pop("status_code", 200))
    return render(
        request,
        "shows/list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "templates": service.list_templates(db, ws),
            "can_edit": principal.can(Action.shows_edit),
            "form": form,
            "ends_at": service.ends_at,
            **extra,
        },
        status_code=status,
        active_nav="shows",
    )


@router.post("/shows", response_class=HTMLResponse)
def create_show(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
    title: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    minutes: Annotated[str, Form()] = "",
    template: Annotated[str, Form()] = "",
    room: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    form = {"title": title, "start": start, "minutes": minutes, "template": template, "room": room}
    try:
        if minutes.strip() and not minutes.strip().isdigit():
            raise ValidationFailed("the length must be a whole number of minutes", key="err.show_minutes_nan")
        show = service.create_show(
            db,
            clock,
            principal.workspace,
            title=title,
            starts_at=service.parse_start(start, principal.workspace),
            minutes=int(minutes) if minutes.strip() else None,
            template=template or None,
            room=room,
            actor=principal.user,
        )
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _list_page(
                request,
                db,
                clock,
                principal,
                form=form,
                error=error,
                status_code=status,
            )

        return form_failed(request, db, exc, again)
    warnings = schedule.entry_warnings(db, principal.workspace, show, clock.now())
    typed = "|".join((start, minutes, template, room))  # a confirmation holds for what was warned about only
    if warnings and confirm != typed:  # a past start or a busy room: said at entry, kept only when they confirm
        db.rollback()
        t = translator(request)
        return _list_page(
            request,
            db,
            clock,
            principal,
            form=form,
            entry_warnings=[t(key, **params) for key, params in warnings],
            confirm_token=typed,
        )
    return RedirectResponse(f"/shows/{show.id}?ok=show_created", status_code=303)


def _detail(request: Request, db: Session, principal: Principal, show: Show, **extra: Any) -> Response:
    t = translator(request)
    people = [p for p in auth.list_users(db, principal.workspace) if p.active]
    by_id = {p.id: p for p in auth.list_users(db, principal.workspace)}
    staffed: dict[str, list[dict[str, Any]]] = {}
    for entry in show.roster:
        user = by_id.get(entry.user_id)
        staffed.setdefault(entry.role, []).append(
            {"id": entry.id, "name": user.display_name if user else "?", "active": bool(user and user.active)}
        )
    live_problems = [describe(t, p) for p in service.gate_problems(db, show, ShowStatus.live.value)]
    show_perks = perks.list_perks(db, show)
    offsets, total = [], 0
    for seg in show.segments:
        offsets.append(total)
        total += seg.planned_minutes
    perks_by_segment: dict[int, list[Any]] = {}
    for perk in show_perks:
        if perk.at_minute is None:
            continue
        index = max((i for i, start in enumerate(offsets) if start <= perk.at_minute), default=0)
        perks_by_segment.setdefault(index, []).append(perk)
    status = int(extra.pop("status_code", 200))
    gate_errors = extra.pop("gate_errors", None)
    panels: list[str] = []
    panel_context: dict[str, Any] = {}
    for panel in contributions(DETAIL_PANELS):
        name, context = panel(request, db, principal, show)
        panels.append(name)
        panel_context.update(context)
    return render(
        request,
        "shows/detail.html",
        {
            "show": show,
            "ends_at": service.ends_at(show),
            "next_steps": service.TRANSITIONS[show.status],
            "live_problems": live_problems,
            "gate_errors": gate_errors,
            "staffed": staffed,
            "roles": [{"key": r.value, "name": role_names(t)[r.value]} for r in TEAM_ROLES],
            "role_names": role_names(t),
            "people": people,
            "by_id": by_id,
            "editable": show.status in service.EDITABLE,
            "can_edit": principal.can(Action.shows_edit),
            "can_transition": principal.can(Action.shows_transition),
            "my_roles": set(principal.roles),
            "my_id": principal.user.id,
            "perks": show_perks,
            "perks_by_segment": perks_by_segment,
            "rehearsals": perks.list_rehearsals(db, show),
            "can_control": principal.can(Action.live_control),
            "panels": panels,
            **panel_context,
            **extra,
        },
        status_code=status,
        active_nav="shows",
    )


def _failed(request: Request, db: Session, principal: Principal, show_id: str, exc: DomainError) -> Response:
    """Show the show's page again with what went wrong; nothing of the failed change is kept."""
    if exc.status_code == 404:
        raise exc

    def again(error: str, status: int) -> Response:
        show = service.get_show(db, principal.workspace, show_id)
        return _detail(request, db, principal, show, error=error, status_code=status)

    return form_failed(request, db, exc, again)


@router.get("/shows/{show_id}", response_class=HTMLResponse)
def show_page(
    request: Request, show_id: str, db: Db, principal: Annotated[Principal, Depends(require_web(Action.shows_view))]
) -> Response:
    return _detail(request, db, principal, service.get_show(db, principal.workspace, show_id))


@router.post("/shows/{show_id}/transition", response_class=HTMLResponse)
def move(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.shows_transition))],
    to: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    show = service.get_show(db, principal.workspace, show_id)
    if to == ShowStatus.ready.value and not confirm:  # ready with work left open: say how much, let them confirm
        left = sum(1 for item in show.checklist if item.status == ItemStatus.open.value)
        if left and not service.gate_problems(db, show, to):  # what the gate refuses it says first
            return _detail(request, db, principal, show, confirm_ready=left)
    try:
        service.transition(db, clock, principal.workspace, show, to, actor=principal.user)
    except service.GateRefused as exc:
        service.record_refusal(db, principal.workspace, show_id, to, exc, principal.user)
        t = translator(request)
        problems = [Problem(**{k: v for k, v in d.items()}) for d in (exc.details or []) if isinstance(d, dict)]
        show = service.get_show(db, principal.workspace, show_id)
        return _detail(
            request,
            db,
            principal,
            show,
            gate_errors=[describe(t, p) for p in problems],
            error=translate_error(t, exc),
            status_code=409,
        )
    except DomainError as exc:
        return _failed(request, db, principal, show_id, exc)
    return RedirectResponse(f"/shows/{show_id}?ok=status_changed", status_code=303)


@router.post("/shows/{show_id}/roster", response_class=HTMLResponse)
def roster_add(
    request: Request,
    show_id: str,
    db: Db,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
    role: Annotated[str, Form()] = "",
    user_id: Annotated[str, Form()] = "",
) -> Response:
    show = service.get_show(db, principal.workspace, show_id)
    try:
        service.add_to_roster(db, principal.workspace, show, role, user_id)
    except DomainError as exc:
        return _failed(request, db, principal, show_id, exc)
    return RedirectResponse(f"/shows/{show_id}#roster", status_code=303)


@router.post("/shows/{show_id}/roster/{entry_id}/remove", response_class=HTMLResponse)
def roster_remove(
    request: Request,
    show_id: str,
    entry_id: DbId,
    db: Db,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
) -> Response:
    show = service.get_show(db, principal.workspace, show_id)
    try:
        service.remove_from_roster(db, principal.workspace, show, entry_id)
    except DomainError as exc:
        return _failed(request, db, principal, show_id, exc)
    return RedirectResponse(f"/shows/{show_id}#roster", status_code=303)


@router.post("/shows/{show_id}/checklist/{item_id}", response_class=HTMLResponse)
def checklist(
    request: Request,
    show_id: str,
    item_id: DbId,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.shows_checklist))],
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    show = service.get_show(db, principal.workspace, show_id)
    try:
        service.set_checklist_item(
            db,
            clock,
            show,
            item_id,
            status=status,
            reason=reason,
            actor=principal.user,
            may_edit_any=principal.can(Action.shows_edit),
        )
    except DomainError as exc:
        return _failed(request, db, principal, show_id, exc)
    return RedirectResponse(f"/shows/{show_id}#item-{item_id}", status_code=303)


def _back_to(show_id: str, anchor: str) -> Response:
    return RedirectResponse(f"/shows/{show_id}#{anchor}", status_code=303)


def _int(value: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValidationFailed(
            f'"{name}" must be a whole number', key="err.whole_number", params={"field": name}
        ) from None


def _money(value: str, what: str, currency: str) -> int:
    """An amount typed in the currency's ordinary unit (199 or 199.5) as minor units; ``what`` is the field's
    catalog key. Empty reads as 0 (the perk's own checks say what is required)."""
    return form_amount(value, what, currency=currency) or 0


@router.post("/shows/{show_id}/perks", response_class=HTMLResponse)
async def perk_add(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
) -> Response:
    form = await request.form()
    field = {k: str(v) for k, v in form.items()}
    show = service.get_show(db, principal.workspace, show_id)
    kind = field.get("kind", "")
    currency = principal.workspace.currency
    try:
        details: dict[str, Any]
        if kind == "coupon":
            details = {
                "threshold": _money(field.get("threshold", ""), "perks.threshold", currency),
                "discount": _money(field.get("discount", ""), "perks.discount", currency),
                "quantity": _int(field.get("quantity", ""), "quantity"),
                "valid_until": field.get("valid_until", ""),
            }
        elif kind == "lucky_bag":
            details = {
                "prize": field.get("prize", ""),
                "winners": _int(field.get("winners", ""), "winners"),
                "eligibility": field.get("eligibility", ""),
            }
            if field.get("window_minutes", "").strip():
                details["window_minutes"] = _int(field["window_minutes"], "window_minutes")
        else:
            details = {
                "product": field.get("product", ""),
                "price": _money(field.get("price", ""), "perks.price", currency),
                "duration_minutes": _int(field.get("duration_minutes", ""), "duration_minutes"),
                "quota": _int(field.get("quota", ""), "quota"),
            }
        at = field.get("at_minute", "").strip()
        perks.add_perk(
            db,
            clock,
            show,
            kind=kind,
            title=field.get("title", ""),
            at_minute=_int(at, "at_minute") if at else None,
            details=details,
        )
    except DomainError as exc:
        return _failed(request, db, principal, show_id, exc)
    return _back_to(show_id, "perks")


@router.post("/shows/{show_id}/perks/{perk_id}/draw", response_class=HTMLResponse)
def perk_draw(
    request: Request,
    show_id: str,
    perk_id: DbId,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.live_control))],
    eligible: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
) -> Response:
    show = service.get_show(db, principal.workspace, show_id)
    try:
        perk = perks.get_perk(db, show, perk_id)
        people = [line.strip() for line in eligible.replace(",", "\n").splitlines() if line.strip()]
        perks.draw_lucky_bag(db, clock, show, perk, eligible=people, seed=seed.strip() or None, actor=principal.user)
    except DomainError as exc:
        return _failed(request, db, principal, show_id, exc)
    return _back_to(show_id, f"perk-{perk_id}")


@router.post("/shows/{show_id}/rehearsals", response_class=HTMLResponse)
def rehearsal_add(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
    at: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    problems: Annotated[str, Form()] = "",
) -> Response:
    show = service.get_show(db, principal.workspace, show_id)
    try:
        perks.add_rehearsal(
            db,
            clock,
            show,
            at=service.parse_start(at, principal.workspace),
            participants=[e.user_id for e in show.roster],
            notes=notes,
            problems=problems.splitlines(),
            actor=principal.user,
        )
    except DomainError as exc:
        return _failed(request, db, principal, show_id, exc)
    return _back_to(show_id, "rehearsals")


@router.get("/schedule", response_class=HTMLResponse)
def schedule_page(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.shows_view))],
    start: str | None = None,
) -> Response:
    t = translator(request)
    ws = principal.workspace
    first = service.parse_start(start, ws) if start else clock.now()
    users = auth.list_users(db, ws)
    week = schedule.week(db, ws, first, users)
    names = {u.id: u.display_name for u in users}
    cells: dict[tuple[str, int], list[Show]] = {}
    for show in week.shows:
        local = show.starts_at.astimezone(ZoneInfo(ws.timezone))
        day = (local.date() - week.start.date()).days
        cells.setdefault((show.room or "", max(0, min(6, day))), []).append(show)
    conflict_text = {show_id: [_conflict(t, c) for c in found] for show_id, found in week.by_show.items()}
    return render(
        request,
        "shows/schedule.html",
        {
            "week": week,
            "cells": cells,
            "names": names,
            "role_names": role_names(t),
            "conflicts": [_conflict(t, c) for c in week.conflicts],
            "conflict_text": conflict_text,
            "prev": (week.start - timedelta(days=7)).strftime("%Y-%m-%d"),
            "next": (week.start + timedelta(days=7)).strftime("%Y-%m-%d"),
            "today": clock.now().astimezone(ZoneInfo(ws.timezone)).date(),
            "rest_hours": schedule.settings_for(db, ws).host_rest_hours,
            "can_edit": principal.can(Action.shows_edit),
            "ends_at": service.ends_at,
        },
        active_nav="shows",
    )


def _conflict(t: Translator, conflict: schedule.Conflict) -> str:
    text = t(conflict.key, **conflict.params)
    return conflict.message if text == conflict.key else text


@router.post("/schedule/settings", response_class=HTMLResponse)
def schedule_settings(
    db: Db,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
    host_rest_hours: Annotated[str, Form()] = "",
) -> Response:
    schedule.set_host_rest_hours(db, principal.workspace, _int(host_rest_hours, "host_rest_hours"))
    return RedirectResponse("/schedule?ok=saved", status_code=303)
