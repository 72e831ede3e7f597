"""Console pages: the runbook library and editor, incident runs, the list with the numbers, drill reports,
and the emergency panel the control room (and the host's screen) include."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth import service as auth
from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, TEAM_ROLES, Role
from livecrew.core.clock import Clock
from livecrew.core.config import LANGUAGES
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.incidents import runbooks, service, stats, triggers
from livecrew.incidents.models import Incident
from livecrew.web.i18n import Translator
from livecrew.web.render import language_for, render, translate_error

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False, route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.live_view))]
Runner = Annotated[Principal, Depends(require_web(Action.incidents_run))]
Editor = Annotated[Principal, Depends(require_web(Action.incidents_edit))]
NEW_STEP_ROWS = 2


def _t(request: Request) -> Translator:
    return Translator(language_for(request, getattr(request.state, "principal", None)))


def _names(db: Session, principal: Principal) -> dict[str, str]:
    return {u.id: u.display_name for u in auth.list_users(db, principal.workspace)}


def _role_names(t: Translator) -> dict[str, str]:
    return {r.value: t.pick(ROLE_NAMES[r]) for r in TEAM_ROLES}


def _common(request: Request, db: Session, principal: Principal) -> dict[str, Any]:
    t = _t(request)
    tz = ZoneInfo(principal.viewer.timezone or "UTC")

    def hms(when: datetime | None) -> str:
        return when.astimezone(tz).strftime("%H:%M:%S") if when else ""

    return {"names": _names(db, principal), "role_names": _role_names(t), "pick": t.pick, "hms": hms}


# ------------------------------------------------------------------ list and numbers


@router.get("/incidents", response_class=HTMLResponse)
def incidents_index(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Viewer,
    show: str | None = None,
    runbook: str | None = None,
    kind: str = "all",
    days: int = 90,
) -> Response:
    days = min(max(days, 1), 3660)
    drill = {"real": False, "drills": True}.get(kind)
    runs = service.list_incidents(
        db, principal.workspace.id, show_id=show or None, runbook=runbook or None, drill=drill
    )
    since = clock.now() - timedelta(days=days)
    from livecrew.shows.public import show_info_any

    shows = {r.show_id: show_info_any(db, r.show_id) for r in runs}
    return render(
        request,
        "incidents/index.html",
        {
            **_common(request, db, principal),
            "runs": runs,
            "shows": shows,
            "stats": stats.workspace_stats(db, principal.workspace.id, since=since),
            "books": {rb.key: rb for rb in runbooks.list_runbooks(db, principal.workspace.id, archived=True)},
            "filters": {"show": show or "", "runbook": runbook or "", "kind": kind, "days": days},
            "tta": service.seconds_to_acknowledge,
            "ttr": service.seconds_to_resolve,
        },
        active_nav="incidents",
    )


# ------------------------------------------------------------------ the runbook library


def _library(
    request: Request,
    db: Session,
    clock: Clock,
    principal: Principal,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    ws = principal.workspace
    settings = triggers.settings_of(db, ws.id)
    drilled = stats.last_drilled(db, ws.id)
    stale_before = clock.now() - timedelta(days=settings.drill_stale_days)
    return render(
        request,
        "incidents/library.html",
        {
            **_common(request, db, principal),
            "books": runbooks.list_runbooks(db, ws.id),
            "drilled": drilled,
            "stale_before": stale_before,
            "settings": settings,
            "triggers": triggers.triggers_of(db, ws.id),
            "signals": triggers.SIGNALS,
            "can_edit": principal.can(Action.incidents_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="incidents",
    )


@router.get("/incidents/runbooks", response_class=HTMLResponse)
def library(request: Request, db: Db, clock: Clk, principal: Viewer) -> Response:
    return _library(request, db, clock, principal)


@router.post("/incidents/settings")
async def save_settings(request: Request, db: Db, clock: Clk, principal: Editor) -> Response:
    form = await request.form()
    data: dict[str, Any] = {"triggers": {s: str(form.get(f"trigger_{s}", "")) for s in triggers.SIGNALS}}
    try:
        for name in ("drill_stale_days", "gate_days", "burst_count", "wave_count", "burst_seconds"):
            raw = str(form.get(name, "")).strip()
            if raw:
                if not raw.isdigit():
                    raise ValidationFailed(
                        f"{name} must be a whole number", key="err.not_number", params={"value": raw}
                    )
                data[name] = int(raw)
        data["gate_enabled"] = form.get("gate_enabled") == "on"
        triggers.update_settings(db, principal.workspace, data)
    except DomainError as exc:
        db.rollback()
        return _library(
            request, db, clock, principal, error=translate_error(_t(request), exc), status_code=exc.status_code
        )
    db.flush()
    return RedirectResponse("/incidents/runbooks?ok=saved", status_code=303)


def _editor(
    request: Request,
    db: Session,
    principal: Principal,
    key: str,
    *,
    draft: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rb = runbooks.get_runbook(db, principal.workspace.id, key)
    lang = request.query_params.get("edit_lang") or language_for(request, principal)
    if lang not in LANGUAGES:
        lang = "zh-Hant"
    data = draft or runbooks.runbook_dict(rb)
    steps = list(data["steps"]) + [
        {"role": "", "title": {}, "detail": {}, "target_seconds": "", "products": [], "reply_script": {}}
        for _ in range(NEW_STEP_ROWS)
    ]
    from livecrew.goods.public import product_evidence

    skus = sorted({p for s in data["steps"] for p in s.get("products", [])})
    evidence = {e.sku: e for e in product_evidence(db, principal.workspace.id, skus)}
    return render(
        request,
        "incidents/editor.html",
        {
            **_common(request, db, principal),
            "rb": rb,
            "data": data,
            "steps": steps,
            "edit_lang": lang,
            "languages": LANGUAGES,
            "roles": [r.value for r in TEAM_ROLES],
            "versions": runbooks.versions(db, rb),
            "evidence": evidence,
            "can_edit": principal.can(Action.incidents_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="incidents",
    )


@router.get("/incidents/runbooks/{key}", response_class=HTMLResponse)
def editor(request: Request, key: str, db: Db, principal: Viewer) -> Response:
    return _editor(request, db, principal, key)


@router.post("/incidents/runbooks/{key}")
async def save_runbook(request: Request, key: str, db: Db, clock: Clk, principal: Editor) -> Response:
    """The form edits one language's texts and the shared fields; the other languages are kept."""
    form = await request.form()
    rb = runbooks.get_runbook(db, principal.workspace.id, key)
    lang = str(form.get("edit_lang") or "zh-Hant")
    if lang not in LANGUAGES:
        lang = "zh-Hant"
    current = runbooks.runbook_dict(rb)

    def texts(old: dict[str, str], name: str) -> dict[str, str]:
        out = dict(old)
        value = str(form.get(name, "")).strip()
        if value:
            out[lang] = value
        else:
            out.pop(lang, None)
        return out

    rows = []
    count = int(str(form.get("step_count") or "0") or 0)
    for i in range(count):
        title = str(form.get(f"step_{i}_title", "")).strip()
        role = str(form.get(f"step_{i}_role", "")).strip()
        old = current["steps"][i] if i < len(current["steps"]) else {"title": {}, "detail": {}, "reply_script": {}}
        if form.get(f"step_{i}_remove") == "on" or (not title and not role and i >= len(current["steps"])):
            continue
        raw_target = str(form.get(f"step_{i}_target", "")).strip()
        raw_position = str(form.get(f"step_{i}_position", "")).strip()
        rows.append(
            (
                int(raw_position) if raw_position.isdigit() else 1000 + i,
                i,
                {
                    "role": role,
                    "title": texts(old["title"], f"step_{i}_title"),
                    "detail": texts(old.get("detail", {}), f"step_{i}_detail"),
                    "reply_script": texts(old.get("reply_script", {}), f"step_{i}_script"),
                    "target_seconds": int(raw_target) if raw_target.isdigit() else raw_target,
                    "products": [p.strip() for p in str(form.get(f"step_{i}_products", "")).split(",") if p.strip()],
                },
            )
        )
    # A row moved to a place goes before the row that was there (ties: the one that moved first).
    rows.sort(key=lambda r: (r[0], 0 if r[0] != r[1] + 1 else 1, r[1]))
    data = {
        "version": int(str(form.get("version") or rb.version)),
        "title": texts(current["title"], "title"),
        "trigger": texts(current["trigger"], "trigger"),
        "announcement": texts(current["announcement"], "announcement"),
        "severity": str(form.get("severity", "")),
        "critical": form.get("critical") == "on",
        "steps": [r[2] for r in rows],
    }
    try:
        runbooks.update_runbook(db, clock, principal.workspace, key, data, principal.user)
    except DomainError as exc:
        db.rollback()
        draft = {**current, **data}
        return _editor(
            request,
            db,
            principal,
            key,
            draft=draft,
            error=translate_error(_t(request), exc),
            status_code=exc.status_code,
        )
    db.flush()
    return RedirectResponse(f"/incidents/runbooks/{key}?ok=saved&edit_lang={lang}", status_code=303)


# ------------------------------------------------------------------ one run


def _run_page(
    request: Request,
    db: Session,
    clock: Clock,
    principal: Principal,
    run: Incident,
    *,
    error: str | None = None,
    status_code: int = 200,
    template: str = "incidents/run.html",
) -> Response:
    from livecrew.goods.public import product_evidence
    from livecrew.shows.public import show_info_any

    now = clock.now()
    skus = sorted({p for s in run.steps for p in s.products})
    data = service.incident_dict(db, run, now)
    people = [u for u in auth.list_users(db, principal.workspace) if u.active]
    return render(
        request,
        template,
        {
            **_common(request, db, principal),
            "run": run,
            "data": data,
            "timeline": service.timeline(db, run),
            "show": show_info_any(db, run.show_id),
            "evidence": {e.sku: e for e in product_evidence(db, principal.workspace.id, skus)},
            "nexts": service.TRANSITIONS[run.status],
            "active": run.status in service.ACTIVE,
            "people": people,
            "can_run": principal.can(Action.incidents_run),
            "today": now.date(),
            "error": error,
        },
        status_code=status_code,
        active_nav="incidents",
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def run_page(request: Request, incident_id: int, db: Db, clock: Clk, principal: Viewer) -> Response:
    run = service.get_incident(db, principal.workspace, incident_id)
    return _run_page(request, db, clock, principal, run)


@router.get("/incidents/{incident_id}/report", response_class=HTMLResponse)
def drill_report(request: Request, incident_id: int, db: Db, clock: Clk, principal: Viewer) -> Response:
    run = service.get_incident(db, principal.workspace, incident_id)
    return _run_page(request, db, clock, principal, run, template="incidents/report.html")


def _back(request: Request, run: Incident, form_next: str | None) -> str:
    if form_next and form_next.startswith("/") and not form_next.startswith("//"):
        return form_next
    return f"/incidents/{run.id}"


async def _act(
    request: Request, db: Session, clock: Clock, principal: Principal, incident_id: int, fn: Any
) -> Response:
    form = await request.form()
    run = service.get_incident(db, principal.workspace, incident_id)
    try:
        fn(run, form)
    except DomainError as exc:
        db.rollback()
        run = service.get_incident(db, principal.workspace, incident_id)
        if request.headers.get("hx-request"):
            return _panel_response(request, db, clock, principal, run.show_id, error=translate_error(_t(request), exc))
        return _run_page(
            request, db, clock, principal, run, error=translate_error(_t(request), exc), status_code=exc.status_code
        )
    db.flush()
    if request.headers.get("hx-request"):
        return _panel_response(request, db, clock, principal, run.show_id)
    return RedirectResponse(_back(request, run, str(form.get("next") or "")), status_code=303)


@router.post("/incidents/{incident_id}/transition")
async def do_transition(request: Request, incident_id: int, db: Db, clock: Clk, principal: Runner) -> Response:
    return await _act(
        request,
        db,
        clock,
        principal,
        incident_id,
        lambda run, form: service.transition(
            db, clock, run, str(form.get("to", "")), actor=principal.user, note=str(form.get("note", ""))
        ),
    )


@router.post("/incidents/{incident_id}/steps/{step_id}")
async def do_step(request: Request, incident_id: int, step_id: int, db: Db, clock: Clk, principal: Runner) -> Response:
    def apply(run: Incident, form: Any) -> None:
        if "assignee_id" in form:
            service.assign_step(db, clock, run, step_id, str(form.get("assignee_id")) or None, principal.user)
        if form.get("state"):
            service.set_step(
                db,
                clock,
                run,
                step_id,
                str(form.get("state")),
                reason=str(form.get("reason", "")),
                actor=principal.user,
            )

    return await _act(request, db, clock, principal, incident_id, apply)


@router.post("/incidents/{incident_id}/notes")
async def do_note(request: Request, incident_id: int, db: Db, clock: Clk, principal: Runner) -> Response:
    return await _act(
        request,
        db,
        clock,
        principal,
        incident_id,
        lambda run, form: service.add_note(db, clock, run, str(form.get("text", "")), principal.user),
    )


@router.post("/incidents/{incident_id}/commander")
async def do_commander(request: Request, incident_id: int, db: Db, clock: Clk, principal: Runner) -> Response:
    return await _act(
        request,
        db,
        clock,
        principal,
        incident_id,
        lambda run, form: service.set_commander(db, clock, run, str(form.get("user_id", "")), principal.user),
    )


@router.post("/incidents/{incident_id}/retro")
async def do_retro(request: Request, incident_id: int, db: Db, clock: Clk, principal: Runner) -> Response:
    return await _act(
        request,
        db,
        clock,
        principal,
        incident_id,
        lambda run, form: service.save_retro(
            db,
            clock,
            principal.workspace,
            run,
            problem=str(form.get("problem", "")),
            cause=str(form.get("cause", "")),
            actor=principal.user,
        ),
    )


@router.post("/incidents/{incident_id}/retro/actions")
async def do_retro_action(request: Request, incident_id: int, db: Db, clock: Clk, principal: Runner) -> Response:
    def apply(run: Incident, form: Any) -> None:
        try:
            due = date.fromisoformat(str(form.get("due_on", "")))
        except ValueError:
            raise ValidationFailed("pick a due day", key="err.retro_due") from None
        service.add_retro_action(
            db,
            clock,
            principal.workspace,
            run,
            text=str(form.get("text", "")),
            owner_id=str(form.get("owner_id") or "") or None,
            due_on=due,
            actor=principal.user,
        )

    return await _act(request, db, clock, principal, incident_id, apply)


# ------------------------------------------------------------------ the emergency panel (control room, host screen)


def _panel_response(
    request: Request,
    db: Session,
    clock: Clock,
    principal: Principal,
    show_id: str,
    *,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    show = service.show_of(db, principal.workspace, show_id)
    runs = service.active_runs(db, show_id)
    return render(
        request,
        "incidents/_panel.html",
        {
            **_common(request, db, principal),
            "show": show,
            "runs": runs,
            "now": clock.now(),
            "dicts": {r.id: service.incident_dict(db, r, clock.now()) for r in runs},
            "books": runbooks.list_runbooks(db, principal.workspace.id),
            "can_run": principal.can(Action.incidents_run),
            "drill_ok": show.status in service.DRILL_STATUSES,
            "transitions": service.TRANSITIONS,
            "panel_error": error,
            "panel_notice": notice,
            "drill_kinds": ("silence", "storm", "compliance", "stockout"),
            "compact": request.query_params.get("compact") == "1",
        },
    )


@router.get("/incidents/panel/{show_id}", response_class=HTMLResponse)
def panel(request: Request, show_id: str, db: Db, clock: Clk, principal: Viewer) -> Response:
    """The emergency panel of a show: the 緊急 button with the runbooks, and the active runs with their next
    moves. The control room includes it; the host's screen may too (``?compact=1``)."""
    return _panel_response(request, db, clock, principal, show_id)


@router.post("/incidents/open")
async def open_from_console(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Runner,
    show_id: Annotated[str, Form()],
    runbook: Annotated[str, Form()],
    drill: Annotated[str, Form()] = "",
) -> Response:
    try:
        run = service.open_incident(
            db, clock, principal.workspace, show_id, runbook, drill=drill == "on", actor=principal.user
        )
    except DomainError as exc:
        db.rollback()
        if request.headers.get("hx-request"):
            return _panel_response(request, db, clock, principal, show_id, error=translate_error(_t(request), exc))
        raise
    db.flush()
    if request.headers.get("hx-request"):
        return _panel_response(request, db, clock, principal, show_id)
    return RedirectResponse(f"/incidents/{run.id}", status_code=303)


@router.post("/incidents/drill")
async def drill_from_console(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Runner,
    show_id: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    at_minute: Annotated[int, Form()] = 1,
    seconds: Annotated[int, Form()] = 45,
    minutes: Annotated[int, Form()] = 5,
) -> Response:
    """Start a drill from the panel of a rehearsing show: the simulator plays with the chosen incident."""
    from livecrew.incidents import drills

    spec = f"{kind}@{max(at_minute, 0)}+{max(seconds, 1)}"
    try:
        plan = drills.plan_drill(db, principal.workspace, show_id, spec, minutes)
        drills.start_drill(request.app, plan, 1.0)
    except DomainError as exc:
        return _panel_response(request, db, clock, principal, show_id, error=translate_error(_t(request), exc))
    return _panel_response(request, db, clock, principal, show_id, notice=_t(request)("inc.drill_started", spec=spec))


def role_name(t: Translator, role: str) -> str:
    try:
        return t.pick(ROLE_NAMES[Role(role)])
    except ValueError:
        return role
