"""API routes: runbooks, incident runs, their steps, notes, retrospectives, numbers and the chart spans."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.incidents import runbooks, service, stats, triggers
from livecrew.incidents.public import incident_spans
from livecrew.web.i18n import Translator

router = APIRouter(prefix="/api/v1", tags=["incidents"], route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require(Action.live_view))]
Runner = Annotated[Principal, Depends(require(Action.incidents_run))]
Editor = Annotated[Principal, Depends(require(Action.incidents_edit))]


def _lang(principal: Principal) -> str:
    return principal.viewer.language or principal.viewer.default_language


class OpenIn(BaseModel):
    runbook: str = Field(description="the runbook's key, e.g. network_outage")
    drill: bool = Field(default=False, description="a rehearsal drill (refused on a live show)")
    severity: str | None = Field(default=None, description="sev1, sev2 or sev3 (default: the runbook's)")
    note: str = Field(default="", max_length=2000)


class TransitionIn(BaseModel):
    to: str = Field(description="acknowledged, mitigated, resolved, closed or cancelled")
    note: str = Field(default="", max_length=2000)


class StepIn(BaseModel):
    state: str | None = Field(default=None, description="done, skipped (needs a reason) or open")
    reason: str | None = Field(default=None, max_length=2000)
    assignee_id: str | None = Field(default=None, description="reassign the step to this person")


class NoteIn(BaseModel):
    text: str = Field(max_length=4000)


class CommanderIn(BaseModel):
    user_id: str


class RetroIn(BaseModel):
    problem: str = Field(default="", max_length=4000)
    cause: str = Field(default="", max_length=4000)


class RetroActionIn(BaseModel):
    text: str = Field(max_length=2000)
    owner_id: str | None = None
    due_on: date


class DrillIn(BaseModel):
    incident: str = Field(description="what to inject, KIND@MINUTE[+SECONDS]: silence, storm, compliance or stockout")
    minutes: int = Field(default=10, description="how long the simulated rehearsal runs")
    speed: float = Field(default=1.0, ge=0.1, le=100, description="1 = real time")


class SettingsIn(BaseModel):
    triggers: dict[str, str] | None = Field(default=None, description="signal -> runbook key ('' switches it off)")
    drill_stale_days: int | None = None
    gate_enabled: bool | None = None
    gate_days: int | None = None
    burst_count: int | None = None
    wave_count: int | None = None
    burst_seconds: int | None = None


def _runbook_out(rb: Any, lang: str, drilled: Any) -> dict[str, Any]:
    t = Translator(lang)
    out = runbooks.runbook_dict(rb, drilled)
    out["titles"] = out["title"]
    out["title"] = t.pick(rb.title)
    for step in out["steps"]:
        step["titles"] = step["title"]
        step["title"] = t.pick(step["titles"])
    return out


@router.get("/runbooks", summary="The workspace's emergency runbooks")
def list_runbooks(db: Db, principal: Viewer) -> list[dict[str, Any]]:
    drilled = stats.last_drilled(db, principal.workspace.id)
    lang = _lang(principal)
    return [_runbook_out(rb, lang, drilled.get(rb.key)) for rb in runbooks.list_runbooks(db, principal.workspace.id)]


@router.get("/runbooks/{key}", summary="One runbook, with its versions")
def get_runbook(key: str, db: Db, principal: Viewer) -> dict[str, Any]:
    rb = runbooks.get_runbook(db, principal.workspace.id, key)
    out = _runbook_out(rb, _lang(principal), stats.last_drilled(db, principal.workspace.id).get(rb.key))
    out["versions"] = [
        {"version": v.version, "at": v.at.isoformat(), "by": v.by_user_id, "summary": v.summary}
        for v in runbooks.versions(db, rb)
    ]
    return out


@router.post("/runbooks", status_code=201, summary="A new runbook")
def create_runbook(body: dict[str, Any], db: Db, clock: Clk, principal: Editor) -> dict[str, Any]:
    rb = runbooks.create_runbook(db, clock, principal.workspace, body, principal.user)
    db.flush()
    return runbooks.runbook_dict(rb)


@router.put("/runbooks/{key}", summary="Save a new version of a runbook (the whole runbook; 'version' guards edits)")
def update_runbook(key: str, body: dict[str, Any], db: Db, clock: Clk, principal: Editor) -> dict[str, Any]:
    rb = runbooks.update_runbook(db, clock, principal.workspace, key, body, principal.user)
    db.flush()
    return runbooks.runbook_dict(rb)


@router.get("/incident-settings", summary="Signals that open runbooks, drill freshness, the optional gate")
def get_settings(db: Db, principal: Viewer) -> dict[str, Any]:
    row = triggers.settings_of(db, principal.workspace.id)
    return _settings_out(db, principal.workspace.id, row)


@router.patch("/incident-settings", summary="Change the signal mapping and drill settings")
def patch_settings(body: SettingsIn, db: Db, principal: Editor) -> dict[str, Any]:
    row = triggers.update_settings(db, principal.workspace, body.model_dump(exclude_none=True))
    db.flush()
    return _settings_out(db, principal.workspace.id, row)


def _settings_out(db: Session, workspace_id: str, row: Any) -> dict[str, Any]:
    return {
        "triggers": triggers.triggers_of(db, workspace_id),
        "drill_stale_days": row.drill_stale_days,
        "gate_enabled": row.gate_enabled,
        "gate_days": row.gate_days,
        "burst_count": row.burst_count,
        "wave_count": row.wave_count,
        "burst_seconds": row.burst_seconds,
    }


@router.post("/shows/{show_id}/incidents", status_code=201, summary="Open an incident run from a runbook")
def open_incident(show_id: str, body: OpenIn, db: Db, clock: Clk, principal: Runner) -> dict[str, Any]:
    run = service.open_incident(
        db,
        clock,
        principal.workspace,
        show_id,
        body.runbook,
        drill=body.drill,
        actor=principal.user,
        severity=body.severity,
        note=body.note,
    )
    db.flush()
    return service.incident_dict(db, run, clock.now())


@router.post("/shows/{show_id}/drills", status_code=202, summary="Play the simulator into a rehearsal with an incident")
async def start_drill(request: Request, show_id: str, body: DrillIn, db: Db, principal: Runner) -> dict[str, Any]:
    from livecrew.incidents import drills

    plan = drills.plan_drill(db, principal.workspace, show_id, body.incident, body.minutes)
    drills.start_drill(request.app, plan, body.speed)
    return plan


@router.get("/shows/{show_id}/incidents", summary="The show's incident runs, newest first")
def show_incidents(show_id: str, db: Db, principal: Viewer) -> list[dict[str, Any]]:
    service.show_of(db, principal.workspace, show_id)
    return [service.summary_dict(r) for r in service.list_incidents(db, principal.workspace.id, show_id=show_id)]


@router.get("/shows/{show_id}/incident-spans", summary="The show's runs as time spans (epoch ms) for charts")
def show_spans(show_id: str, db: Db, principal: Viewer) -> list[dict[str, Any]]:
    service.show_of(db, principal.workspace, show_id)
    return incident_spans(db, show_id)


@router.get("/shows/{show_id}/incident-stats", summary="The show's counts, MTTA, MTTR, p50/p90; drills apart")
def show_stats(show_id: str, db: Db, principal: Viewer) -> dict[str, Any]:
    service.show_of(db, principal.workspace, show_id)
    return stats.of_show(db, principal.workspace.id, show_id)


@router.get("/incidents", summary="The workspace's incident runs, newest first")
def list_incidents(
    db: Db,
    principal: Viewer,
    show: str | None = None,
    runbook: str | None = None,
    drill: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    runs = service.list_incidents(db, principal.workspace.id, show_id=show, runbook=runbook, drill=drill, limit=limit)
    return [service.summary_dict(r) for r in runs]


@router.get("/incidents/stats", summary="Counts, MTTA, MTTR, p50/p90: total, per runbook, per week; drills apart")
def workspace_stats(
    db: Db, clock: Clk, principal: Viewer, days: Annotated[int, Query(ge=1, le=3660)] = 90
) -> dict[str, Any]:
    since = clock.now() - timedelta(days=days)
    return {"days": days, **stats.workspace_stats(db, principal.workspace.id, since=since)}


@router.get("/incidents/{incident_id}", summary="The run: status, steps, timeline and its clock")
def get_incident(incident_id: int, db: Db, clock: Clk, principal: Viewer) -> dict[str, Any]:
    run = service.get_incident(db, principal.workspace, incident_id)
    return service.incident_dict(db, run, clock.now())


@router.post("/incidents/{incident_id}/transitions", summary="Move the run on (409 when not allowed)")
def transition(incident_id: int, body: TransitionIn, db: Db, clock: Clk, principal: Runner) -> dict[str, Any]:
    run = service.get_incident(db, principal.workspace, incident_id)
    service.transition(db, clock, run, body.to, actor=principal.user, note=body.note)
    db.flush()
    return service.incident_dict(db, run, clock.now())


@router.patch("/incidents/{incident_id}/steps/{step_id}", summary="Tick a step (a skip needs a reason)")
def patch_step(incident_id: int, step_id: int, body: StepIn, db: Db, clock: Clk, principal: Runner) -> dict[str, Any]:
    run = service.get_incident(db, principal.workspace, incident_id)
    if body.assignee_id is not None:
        service.assign_step(db, clock, run, step_id, body.assignee_id or None, principal.user)
    if body.state is not None:
        service.set_step(db, clock, run, step_id, body.state, reason=body.reason, actor=principal.user)
    step = service.get_step(run, step_id)
    db.flush()
    return service.step_dict(run, step, clock.now())


@router.post("/incidents/{incident_id}/notes", status_code=201, summary="A free note on the run's timeline")
def add_note(incident_id: int, body: NoteIn, db: Db, clock: Clk, principal: Runner) -> dict[str, Any]:
    run = service.get_incident(db, principal.workspace, incident_id)
    entry = service.add_note(db, clock, run, body.text, principal.user)
    db.flush()
    return service.timeline_dict(entry)


@router.put("/incidents/{incident_id}/commander", summary="Hand the run to another commander")
def set_commander(incident_id: int, body: CommanderIn, db: Db, clock: Clk, principal: Runner) -> dict[str, Any]:
    run = service.get_incident(db, principal.workspace, incident_id)
    service.set_commander(db, clock, run, body.user_id, principal.user)
    db.flush()
    return service.summary_dict(run)


@router.put("/incidents/{incident_id}/retro", summary="The retrospective: problem and cause")
def put_retro(incident_id: int, body: RetroIn, db: Db, clock: Clk, principal: Runner) -> dict[str, Any]:
    run = service.get_incident(db, principal.workspace, incident_id)
    service.save_retro(
        db, clock, principal.workspace, run, problem=body.problem, cause=body.cause, actor=principal.user
    )
    db.flush()
    return service.incident_dict(db, run, clock.now())["retro"]  # type: ignore[no-any-return]


@router.post("/incidents/{incident_id}/retro/actions", status_code=201, summary="An action: a board task")
def add_retro_action(incident_id: int, body: RetroActionIn, db: Db, clock: Clk, principal: Runner) -> dict[str, Any]:
    run = service.get_incident(db, principal.workspace, incident_id)
    action = service.add_retro_action(
        db,
        clock,
        principal.workspace,
        run,
        text=body.text,
        owner_id=body.owner_id,
        due_on=body.due_on,
        actor=principal.user,
    )
    db.flush()
    return {
        "id": action.id,
        "text": action.text,
        "owner_id": action.owner_id,
        "due_on": action.due_on.isoformat(),
        "task_id": action.task_id,
    }
