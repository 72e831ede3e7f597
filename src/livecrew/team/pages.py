"""Console pages for the team (人): people and roles, duties, the responsibility matrix, AB backups, KPIs,
and the absence panel on a show's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, TEAM_ROLES, Role
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.core.money import form_amount, form_percent
from livecrew.core.params import DbId
from livecrew.shows import public as shows
from livecrew.shows.public import Show
from livecrew.team import backups, duties, kpis, matrix
from livecrew.team.models import Phase
from livecrew.web.i18n import Translator
from livecrew.web.render import form_failed, render, role_names, translator

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.team_view))]
Editor = Annotated[Principal, Depends(require_web(Action.team_edit))]


def _role_rows(t: Translator) -> list[dict[str, str]]:
    return [{"key": r.value, "name": t.pick(ROLE_NAMES[r])} for r in Role]


def _team_roles(t: Translator) -> list[dict[str, str]]:
    return [{"key": r.value, "name": t.pick(ROLE_NAMES[r])} for r in TEAM_ROLES]


def _role_names(t: Translator) -> dict[str, str]:
    return role_names(t) | {kpis.TEAM: t("kpis.team")}


def _failing(
    page: Callable[..., Response], request: Request, db: Session, principal: Principal, exc: DomainError, **kw: Any
) -> Response:
    """Show the page again with what went wrong; nothing of the failed change is kept."""
    return form_failed(
        request, db, exc, lambda error, status: page(request, db, principal, error=error, status_code=status, **kw)
    )


# ------------------------------------------------------------------ people


@router.get("/team", response_class=HTMLResponse)
def team(request: Request, db: Db, principal: Viewer) -> Response:
    t = translator(request)
    people = service.list_users(db, principal.workspace)
    roles = _role_rows(t)
    counts = {r["key"]: sum(1 for p in people if p.active and r["key"] in p.role_keys) for r in roles}
    return render(
        request,
        "team/index.html",
        {
            "tab": "people",
            "people": people,
            "roles": roles,
            "counts": counts,
            "can_manage": principal.can(Action.people_manage),
        },
        active_nav="team",
    )


# ------------------------------------------------------------------ duties


def _duties_page(
    request: Request, db: Session, principal: Principal, *, error: str | None = None, status_code: int = 200,
    edit: str | None = None, role: str | None = None,
) -> Response:  # fmt: skip
    t = translator(request)
    ws = principal.workspace
    role = role if role in duties.TEAM_ROLE_KEYS else None
    rows = duties.list_duties(db, ws, role=role, include_retired=True)
    by_role: dict[str, dict[str, list[Any]]] = {}
    for d in rows:
        by_role.setdefault(d.role, {}).setdefault(d.phase, []).append(d)
    people = {u.id: u.display_name for u in service.list_users(db, ws)}
    changes = duties.history(db, ws, limit=30)
    titles = {d.id: d.title for d in rows}
    return render(
        request,
        "team/duties.html",
        {
            "tab": "duties",
            "by_role": by_role,
            "roles": _team_roles(t),
            "role_names": _role_names(t),
            "phases": [p.value for p in Phase],
            "filter_role": role,
            "editing": duties.get_duty(db, ws, edit) if edit else None,
            "changes": changes,
            "titles": titles,
            "people": people,
            "can_edit": principal.can(Action.team_edit),
            "error": error,
            "active_count": sum(1 for d in rows if d.retired_at is None),
        },
        status_code=status_code,
        active_nav="team",
    )


@router.get("/team/duties", response_class=HTMLResponse)
def duties_page(
    request: Request, db: Db, principal: Viewer, role: str | None = None, edit: str | None = None
) -> Response:
    return _duties_page(request, db, principal, edit=edit, role=role)


@router.post("/team/duties", response_class=HTMLResponse)
def duty_save(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    key: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    phase: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    detail: Annotated[str, Form()] = "",
) -> Response:
    ws = principal.workspace
    try:
        if key:
            duty = duties.get_duty(db, ws, key)
            duties.edit_duty(db, clock, duty, title=title, detail=detail, phase=phase, role=role, actor=principal.user)
        else:
            duty = duties.create_duty(
                db, clock, ws, role=role, phase=phase, title=title, detail=detail, actor=principal.user
            )
    except DomainError as exc:
        return _failing(_duties_page, request, db, principal, exc, edit=key or None)
    return RedirectResponse(f"/team/duties?ok=saved#duty-{duty.key}", status_code=303)


@router.post("/team/duties/{key}/retire", response_class=HTMLResponse)
def duty_retire(
    request: Request, key: str, db: Db, clock: Clk, principal: Editor, restore: Annotated[str, Form()] = ""
) -> Response:
    try:
        duty = duties.get_duty(db, principal.workspace, key)
        if restore:
            duties.restore_duty(db, clock, duty, actor=principal.user)
        else:
            duties.retire_duty(db, clock, duty, actor=principal.user)
    except DomainError as exc:
        return _failing(_duties_page, request, db, principal, exc)
    return RedirectResponse(f"/team/duties?ok=saved#duty-{key}", status_code=303)


# ------------------------------------------------------------------ matrix


def _matrix_page(
    request: Request, db: Session, principal: Principal, *, error: str | None = None, status_code: int = 200,
    template: str | None = None, clock: Clock,
) -> Response:  # fmt: skip
    t = translator(request)
    ws = principal.workspace
    templates = shows.list_templates(db, ws)
    if not templates:
        raise ValidationFailed("this workspace has no show templates yet", key="err.no_template")
    current = shows.get_template(db, ws, template) if template else templates[0]
    report = matrix.check(db, ws, current, clock.now())
    flagged = {f.duty: f.kind for f in report.findings}
    names = _role_names(t)

    def owner_names(roles: Any) -> str:
        return " + ".join(names.get(r, r) if r and r != "-" else t("matrix.not_in_show") for r in roles)

    rows = []
    for d in duties.list_duties(db, ws):
        owners = report.owners.get(d.key, [])
        rows.append({"duty": d, "owners": owners, "owner_names": owner_names(owners), "finding": flagged.get(d.key)})
    findings = [
        {"kind": f.kind, "duty": f.duty, "title": f.title, "roles": owner_names(f.roles)} for f in report.findings
    ]
    people = {u.id: u.display_name for u in service.list_users(db, ws)}
    return render(
        request,
        "team/matrix.html",
        {
            "tab": "matrix",
            "templates": templates,
            "current": current,
            "report": report,
            "findings": findings,
            "rows": rows,
            "roles": _team_roles(t),
            "role_names": _role_names(t),
            "reviews": matrix.reviews(db, current),
            "people": people,
            "can_edit": principal.can(Action.team_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="team",
    )


@router.get("/team/matrix", response_class=HTMLResponse)
def matrix_page(request: Request, db: Db, clock: Clk, principal: Viewer, template: str | None = None) -> Response:
    return _matrix_page(request, db, principal, template=template, clock=clock)


@router.post("/team/matrix/{template}/owner", response_class=HTMLResponse)
def matrix_owner(
    request: Request,
    template: str,
    db: Db,
    clock: Clk,
    principal: Editor,
    duty: Annotated[str, Form()] = "",
    owner_role: Annotated[str, Form()] = "",
) -> Response:
    ws = principal.workspace
    try:
        tpl = shows.get_template(db, ws, template)
        if not owner_role:
            raise ValidationFailed("pick the role that owns this duty", key="err.matrix_pick")
        matrix.set_owner(db, clock, ws, tpl, duty, None if owner_role == "-" else owner_role)
    except DomainError as exc:
        return _failing(_matrix_page, request, db, principal, exc, template=template, clock=clock)
    return RedirectResponse(f"/team/matrix?template={tpl.key}&ok=saved#duty-{duty}", status_code=303)


@router.post("/team/matrix/{template}/review", response_class=HTMLResponse)
def matrix_review(
    request: Request, template: str, db: Db, clock: Clk, principal: Editor, note: Annotated[str, Form()] = ""
) -> Response:
    ws = principal.workspace
    try:
        tpl = shows.get_template(db, ws, template)
        matrix.mark_reviewed(db, clock, ws, tpl, actor=principal.user, note=note)
    except DomainError as exc:
        return _failing(_matrix_page, request, db, principal, exc, template=template, clock=clock)
    return RedirectResponse(f"/team/matrix?template={tpl.key}&ok=reviewed", status_code=303)


# ------------------------------------------------------------------ backups


def _backups_page(
    request: Request, db: Session, principal: Principal, *, error: str | None = None, status_code: int = 200
) -> Response:
    t = translator(request)
    ws = principal.workspace
    people = [u for u in service.list_users(db, ws) if u.active]
    named = {(b.role, b.person_id): b for b in backups.list_backups(db, ws)}
    gaps = {(g.role, g.person_id) for g in backups.coverage_gaps(db, ws)}
    sections = []
    for role in backups.CRITICAL_ROLES:
        holders = [u for u in people if role in u.role_keys]
        sections.append(
            {
                "role": role,
                "rows": [
                    {"person": u, "backup": named.get((role, u.id)), "gap": (role, u.id) in gaps} for u in holders
                ],
                "candidates": holders,
            }
        )
    return render(
        request,
        "team/backups.html",
        {
            "tab": "backups",
            "sections": sections,
            "names": {u.id: u.display_name for u in service.list_users(db, ws)},
            "role_names": _role_names(t),
            "gap_count": len(gaps),
            "can_edit": principal.can(Action.team_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="team",
    )


@router.get("/team/backups", response_class=HTMLResponse)
def backups_page(request: Request, db: Db, principal: Viewer) -> Response:
    return _backups_page(request, db, principal)


@router.post("/team/backups", response_class=HTMLResponse)
def backup_save(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    role: Annotated[str, Form()] = "",
    person_id: Annotated[str, Form()] = "",
    backup_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        backups.set_backup(
            db, clock, principal.workspace, role=role, person_id=person_id, backup_id=backup_id, actor=principal.user
        )
    except DomainError as exc:
        return _failing(_backups_page, request, db, principal, exc)
    return RedirectResponse("/team/backups?ok=saved", status_code=303)


# ------------------------------------------------------------------ KPIs


def _kpis_page(
    request: Request, db: Session, principal: Principal, *, error: str | None = None, status_code: int = 200,
    edit: str | None = None,
) -> Response:  # fmt: skip
    t = translator(request)
    ws = principal.workspace
    rows = kpis.list_kpis(db, ws, include_retired=True)
    by_role: dict[str, list[Any]] = {}
    for k in rows:
        by_role.setdefault(k.role, []).append(k)
    return render(
        request,
        "team/kpis.html",
        {
            "tab": "kpis",
            "by_role": by_role,
            "goal": kpis.team_goal(db, ws),
            "sums": kpis.weight_sums(rows),
            "roles": _team_roles(t),
            "role_names": _role_names(t),
            "editing": kpis.get_kpi(db, ws, edit) if edit else None,
            "metric_keys": kpis.METRIC_KEYS,
            "units": kpis.UNITS,
            "can_edit": principal.can(Action.team_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="team",
    )


@router.get("/team/kpis", response_class=HTMLResponse)
def kpis_page(request: Request, db: Db, principal: Viewer, edit: str | None = None) -> Response:
    return _kpis_page(request, db, principal, edit=edit)


def _number(value: str, what: str) -> float | None:
    clean = value.strip().replace(",", "").rstrip("%")
    if not clean:
        return None
    try:
        number = float(clean)
    except ValueError:
        raise ValidationFailed(
            f'{what} "{value}" is not a number', key="err.not_number", params={"value": value}
        ) from None
    return number / 100 if value.strip().endswith("%") else number


def _target(value: str, unit: str, currency: str) -> float | None:
    """A KPI target as the form takes it: money in the currency's ordinary unit, a ratio in percent (2.5 for
    2.5%), counts and seconds as numbers; stored as minor units, a fraction, the number."""
    if unit == "minor_units":
        amount = form_amount(value, "kpis.target", currency=currency)
        return None if amount is None else float(amount)
    if unit == "ratio":
        return form_percent(value, "kpis.target")
    return _number(value, "target")


@router.post("/team/kpis", response_class=HTMLResponse)
def kpi_save(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    key: Annotated[str, Form()] = "",
    existing: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "metrics",
    metric: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    direction: Annotated[str, Form()] = "higher",
    target: Annotated[str, Form()] = "",
    weight: Annotated[str, Form()] = "0",
    active: Annotated[str, Form()] = "",
) -> Response:
    ws = principal.workspace
    try:
        fields: dict[str, Any] = {
            "name": name, "description": description, "source": source, "metric": metric, "unit": unit,
            "direction": direction, "target": _target(target, unit, ws.currency),
            "weight": form_percent(weight, "kpis.weight") or 0.0,
        }  # fmt: skip
        if existing:
            row = kpis.get_kpi(db, ws, existing)
            kpis.update_kpi(db, clock, ws, row, actor=principal.user, active=bool(active), **fields)
        else:
            row = kpis.create_kpi(db, clock, ws, actor=principal.user, key=key, role=role, **fields)
    except DomainError as exc:
        return _failing(_kpis_page, request, db, principal, exc, edit=existing or None)
    return RedirectResponse(f"/team/kpis?ok=saved#kpi-{row.key}", status_code=303)


# ------------------------------------------------------------------ absences on a show's page


def absence_panel(request: Request, db: Session, principal: Principal, show: Show) -> tuple[str, dict[str, Any]]:
    ws = principal.workspace
    return (
        "team/_absences.html",
        {
            "absences": backups.absences(db, show),
            "proposals": backups.proposals(db, ws, show),
        },
    )


def _show_failed(request: Request, db: Session, principal: Principal, show_id: str, exc: DomainError) -> Response:
    return shows.show_page_with_error(request, db, principal, show_id, exc)


@router.post("/shows/{show_id}/absences", response_class=HTMLResponse)
def absence_add(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
    user_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    show = shows.get_show(db, principal.workspace, show_id)
    try:
        backups.mark_absent(db, clock, principal.workspace, show, user_id=user_id, reason=reason, actor=principal.user)
    except DomainError as exc:
        return _show_failed(request, db, principal, show_id, exc)
    return RedirectResponse(f"/shows/{show_id}#absences", status_code=303)


@router.post("/shows/{show_id}/absences/cover", response_class=HTMLResponse)
def absence_cover(
    request: Request,
    show_id: str,
    db: Db,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
    absent_id: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    user_id: Annotated[str, Form()] = "",
) -> Response:
    show = shows.get_show(db, principal.workspace, show_id)
    try:
        backups.cover(db, principal.workspace, show, absent_id=absent_id, role=role, user_id=user_id)
    except DomainError as exc:
        return _show_failed(request, db, principal, show_id, exc)
    return RedirectResponse(f"/shows/{show_id}?ok=covered#absences", status_code=303)


@router.post("/shows/{show_id}/absences/{absence_id}/withdraw", response_class=HTMLResponse)
def absence_withdraw(
    request: Request,
    show_id: str,
    absence_id: DbId,
    db: Db,
    principal: Annotated[Principal, Depends(require_web(Action.shows_edit))],
) -> Response:
    show = shows.get_show(db, principal.workspace, show_id)
    try:
        backups.withdraw_absence(db, show, absence_id)
    except DomainError as exc:
        return _show_failed(request, db, principal, show_id, exc)
    return RedirectResponse(f"/shows/{show_id}#absences", status_code=303)
