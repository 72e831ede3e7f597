"""Console pages for show templates: the list (with a copy form) and one template's editor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, TEAM_ROLES
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError
from livecrew.core.money import form_amount, form_percent, format_major, format_percent
from livecrew.shows import service, template_edit
from livecrew.shows.models import PerkKind, ShowTemplate
from livecrew.web.i18n import Translator
from livecrew.web.render import form_failed, render, translator

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.shows_view))]
Editor = Annotated[Principal, Depends(require_web(Action.shows_edit))]
BLANK_ROWS = 2
SEGMENT_FIELDS = ("key", "position", "title", "kind", "minutes", "slot", "perk", "perk_note", "points", "cue_role")


def _role_named(t: Translator, params: dict[str, Any]) -> dict[str, Any]:
    role = params.get("role")
    names = {r.value: t.pick(ROLE_NAMES[r]) for r in TEAM_ROLES}
    return {**params, "role": names.get(role, role)} if isinstance(role, str) else params


def _templates_page(
    request: Request, db: Session, principal: Principal, *, error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "shows/templates.html",
        {
            "templates": service.list_templates(db, principal.workspace),
            "can_edit": principal.can(Action.shows_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="shows",
    )


@router.get("/shows/templates", response_class=HTMLResponse)
def templates_page(request: Request, db: Db, principal: Viewer) -> Response:
    return _templates_page(request, db, principal)


@router.post("/shows/templates", response_class=HTMLResponse)
def template_copy(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    copy_of: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    try:
        source = service.get_template(db, principal.workspace, copy_of)
        made = template_edit.copy_template(db, clock, principal.workspace, source, key=key, name=name)
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _templates_page(request, db, principal, error=error, status_code=status)

        return form_failed(request, db, exc, again)
    return RedirectResponse(f"/shows/templates/{made.key}?ok=saved", status_code=303)


# Targets as the form takes them: money in the currency's ordinary unit, the conversion rate in percent.
MONEY_TARGETS = ("gmv", "uv_value")
PERCENT_TARGETS = ("conversion_rate",)


def _typed_targets(stored: dict[str, Any]) -> dict[str, str]:
    """Stored targets (minor units, fractions) as the form shows them: gmv 1500000 -> "15000", 0.025 -> "2.5"."""
    typed: dict[str, str] = {}
    for key, value in stored.items():
        if key in MONEY_TARGETS:
            typed[key] = format_major(value)
        elif key in PERCENT_TARGETS:
            typed[key] = format_percent(value)
        else:
            typed[key] = str(value)
    return typed


def _stored_targets(typed: dict[str, str], currency: str) -> dict[str, Any]:
    """The form's targets as the template keeps them (the API's units); the other checks stay with
    ``template_edit.clean_targets``."""
    stored: dict[str, Any] = {}
    for key, value in typed.items():
        if key in MONEY_TARGETS:
            stored[key] = form_amount(value, f"tpl.target.{key}", currency=currency)
        elif key in PERCENT_TARGETS:
            stored[key] = form_percent(value, f"tpl.target.{key}")
        else:
            stored[key] = value
    return stored


def _editor(
    request: Request, db: Session, principal: Principal, template: ShowTemplate, *, error: str | None = None,
    status_code: int = 200, draft: dict[str, Any] | None = None,
) -> Response:  # fmt: skip
    t = translator(request)
    shown = draft or {
        "name": template.name,
        "description": template.description,
        "duration_minutes": template.duration_minutes,
        "required_roles": template.required_roles,
        "default_targets": _typed_targets(template.default_targets),
        "segments": template.segments,
        "checklist": template.checklist,
    }
    total = sum(int(seg["planned_minutes"]) for seg in shown["segments"] if str(seg["planned_minutes"]).isdigit())
    return render(
        request,
        "shows/template.html",
        {
            "template": template,
            "tpl": shown,
            "total_minutes": total,
            "blank": range(BLANK_ROWS),
            "roles": [{"key": r.value, "name": t.pick(ROLE_NAMES[r])} for r in TEAM_ROLES],
            "kinds": template_edit.SEGMENT_KINDS,
            "perk_kinds": [k.value for k in PerkKind],
            "target_keys": template_edit.TARGET_KEYS,
            "warnings": [t(w["key"], **_role_named(t, w["params"])) for w in template_edit.warnings(template)],
            "can_edit": principal.can(Action.shows_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="shows",
    )


@router.get("/shows/templates/{ref}", response_class=HTMLResponse)
def template_page(request: Request, ref: str, db: Db, principal: Viewer) -> Response:
    return _editor(request, db, principal, service.get_template(db, principal.workspace, ref))


def _rows(form: Any, prefix: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows of a table form: ``seg-3-title`` ... in the order of their position field; removed rows dropped."""
    numbers = sorted({int(k.split("-")[1]) for k in form if k.startswith(prefix + "-") and k.split("-")[1].isdigit()})
    rows = []
    for n in numbers:
        row = {f: str(form.get(f"{prefix}-{n}-{f}", "")) for f in fields}
        if form.get(f"{prefix}-{n}-remove") or not row.get("title", "").strip():
            continue
        try:
            order = float(row.get("position") or n)
        except ValueError:
            order = float(n)
        rows.append((order, n, row))
    return [row for _, _, row in sorted(rows, key=lambda r: (r[0], r[1]))]


@router.post("/shows/templates/{ref}", response_class=HTMLResponse)
async def template_save(request: Request, ref: str, db: Db, clock: Clk, principal: Editor) -> Response:
    form = await request.form()
    template = service.get_template(db, principal.workspace, ref)
    segments = [
        {
            "key": r["key"],
            "title": r["title"],
            "kind": r["kind"],
            "planned_minutes": r["minutes"],
            "product_slot": r["slot"] or None,
            "perk": {"kind": r["perk"], "note": r["perk_note"]} if r["perk"] else None,
            "talking_points": [line for line in r["points"].splitlines() if line.strip()],
            "cue_role": r["cue_role"] or None,
        }
        for r in _rows(form, "seg", SEGMENT_FIELDS)
    ]
    checklist = [
        {"key": r["key"], "role": r["role"], "title": r["title"], "detail": r["detail"], "due_minutes_before": r["due"]}
        for r in _rows(form, "chk", ("key", "position", "role", "title", "detail", "due"))
    ]
    typed_targets = {k: str(form.get(f"target-{k}", "")) for k in template_edit.TARGET_KEYS}
    changes = {
        "name": str(form.get("name", "")),
        "description": str(form.get("description", "")),
        "duration_minutes": str(form.get("duration_minutes", "")),
        "required_roles": [str(v) for v in form.getlist("required_roles")],
        "default_targets": typed_targets,
        "segments": segments,
        "checklist": checklist,
    }
    try:
        # A target that cannot be read is reported after the template's own checks (the name first ...),
        # which run with the targets as they were; the request is rolled back either way.
        target_error: DomainError | None = None
        try:
            stored = _stored_targets(typed_targets, principal.workspace.currency)
        except DomainError as exc:
            stored, target_error = dict(template.default_targets), exc
        template_edit.update_template(db, clock, template, {**changes, "default_targets": stored})
        if target_error is not None:
            raise target_error
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            template = service.get_template(db, principal.workspace, ref)
            return _editor(
                request, db, principal, template, error=error, status_code=status,
                draft=changes,
            )  # fmt: skip

        return form_failed(request, db, exc, again)
    return RedirectResponse(f"/shows/templates/{template.key}?ok=saved", status_code=303)
