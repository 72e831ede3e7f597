"""Incident runs: opening one from a runbook, its lifecycle, steps, timeline, notes and retrospective.

A run copies its runbook's steps when it opens (later edits of the runbook don't reach it). Each state change
has its own timestamp, so time to acknowledge and to resolve are read from stored times. Every change writes
a timeline line and is announced: a domain event for the other features (the emergency channel posts it) and a
live message on the show's stream, both only when the transaction commits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.core.events import emit
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.incidents.facts import IncidentOpened, IncidentTransitioned
from livecrew.incidents.models import (
    Incident,
    IncidentStep,
    RetroAction,
    RunStatus,
    StepState,
    TimelineEntry,
)
from livecrew.incidents.runbooks import get_runbook
from livecrew.shows.public import ShowInfo, roster, show_info_any

# Where a run may go from each status. "closed" and "cancelled" are final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RunStatus.open: (RunStatus.acknowledged, RunStatus.mitigated, RunStatus.resolved, RunStatus.cancelled),
    RunStatus.acknowledged: (RunStatus.mitigated, RunStatus.resolved, RunStatus.cancelled),
    RunStatus.mitigated: (RunStatus.resolved, RunStatus.cancelled),
    RunStatus.resolved: (RunStatus.closed,),
    RunStatus.closed: (),
    RunStatus.cancelled: (),
}
ACTIVE = (RunStatus.open.value, RunStatus.acknowledged.value, RunStatus.mitigated.value)
# Show statuses a drill may run in: a rehearsal (or a show still being planned), never on air.
DRILL_STATUSES = ("planned", "rehearsing", "ready")


def show_of(db: Session, workspace: Workspace, show_id: str) -> ShowInfo:
    info = show_info_any(db, show_id)
    if info is None or info.workspace_id != workspace.id:
        raise NotFound(f"no show {show_id} in this workspace", key="err.no_show", params={"id": show_id})
    return info


def get_incident(db: Session, workspace: Workspace, incident_id: int) -> Incident:
    run = db.get(Incident, incident_id)
    if run is None or run.workspace_id != workspace.id:
        raise NotFound(
            f"no incident {incident_id} in this workspace", key="err.no_incident", params={"id": incident_id}
        )
    return run


def active_runs(db: Session, show_id: str) -> list[Incident]:
    return list(
        db.scalars(
            select(Incident).where(Incident.show_id == show_id, Incident.status.in_(ACTIVE)).order_by(Incident.id)
        ).all()
    )


def list_incidents(
    db: Session,
    workspace_id: str,
    *,
    show_id: str | None = None,
    runbook: str | None = None,
    drill: bool | None = None,
    limit: int = 200,
) -> list[Incident]:
    stmt = select(Incident).where(Incident.workspace_id == workspace_id)
    if show_id:
        stmt = stmt.where(Incident.show_id == show_id)
    if runbook:
        stmt = stmt.where(Incident.runbook_key == runbook)
    if drill is not None:
        stmt = stmt.where(Incident.drill.is_(drill))
    return list(db.scalars(stmt.order_by(Incident.id.desc()).limit(limit)).all())


def add_timeline(
    db: Session,
    clock: Clock,
    run: Incident,
    kind: str,
    text: str,
    *,
    actor_id: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        incident_id=run.id, at=at or clock.now(), kind=kind, actor_id=actor_id, text=text[:4000], data=data or {}
    )
    db.add(entry)
    db.flush()
    return entry


def timeline(db: Session, run: Incident) -> list[TimelineEntry]:
    return list(
        db.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == run.id)
            .order_by(TimelineEntry.at, TimelineEntry.id)
        ).all()
    )


def _fact_fields(run: Incident, actor_id: str | None) -> dict[str, Any]:
    return {
        "workspace_id": run.workspace_id,
        "show_id": run.show_id,
        "incident_id": run.id,
        "runbook": run.runbook_key,
        "title": run.title.get("zh-Hant") or next(iter(run.title.values()), run.runbook_key),
        "severity": run.severity,
        "status": run.status,
        "drill": run.drill,
        "commander_id": run.commander_id,
        "actor_id": actor_id,
    }


def announce(db: Session, run: Incident, kind: str) -> None:
    """The run changed: tell browsers watching the show once the transaction commits."""
    publish_after_commit(db, show_channel(run.show_id), {"kind": kind, "incident": summary_dict(run)})


def open_incident(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    show_id: str,
    runbook_key: str,
    *,
    drill: bool = False,
    actor: User | None = None,
    cause: str = "manual",
    alert_id: int | None = None,
    severity: str | None = None,
    note: str = "",
) -> Incident:
    """Open a run of ``runbook_key`` on the show. A drill is refused on a show that is live (or over)."""
    show = show_of(db, workspace, show_id)
    rb = get_runbook(db, workspace.id, runbook_key)
    if rb.archived:
        raise Conflict(f'the runbook "{runbook_key}" is archived', key="err.runbook_archived")
    if drill and show.status not in DRILL_STATUSES:
        raise Conflict(
            f'a drill runs in a rehearsal, not on a show that is "{show.status}": rehearse the show, or open a real '
            "incident (drill: false)",
            key="err.drill_on_live",
            params={"status": show.status},
        )
    if severity is not None and severity not in ("sev1", "sev2", "sev3"):
        raise ValidationFailed(
            "severity must be sev1, sev2 or sev3", key="err.runbook_severity", params={"value": severity}
        )
    by_role = {role: ids[0] for role, ids in roster(db, show_id).items()}
    now = clock.now()
    run = Incident(
        workspace_id=workspace.id,
        show_id=show_id,
        runbook_id=rb.id,
        runbook_key=rb.key,
        runbook_version=rb.version,
        title=dict(rb.title),
        announcement=dict(rb.announcement),
        severity=severity or rb.severity,
        status=RunStatus.open.value,
        drill=drill,
        cause=cause,
        alert_id=alert_id,
        commander_id=by_role.get("controller") or by_role.get("operations"),
        opened_by=actor.id if actor else None,
        opened_at=now,
    )
    for position, s in enumerate(rb.steps, start=1):
        run.steps.append(
            IncidentStep(
                position=position,
                role=s["role"],
                title=dict(s["title"]),
                detail=dict(s.get("detail") or {}),
                target_seconds=int(s["target_seconds"]),
                products=list(s.get("products") or []),
                reply_script=dict(s.get("reply_script") or {}),
                assignee_id=by_role.get(s["role"]),
                state=StepState.open.value,
            )
        )
    db.add(run)
    db.flush()
    who = "drill" if drill else "incident"
    add_timeline(
        db,
        clock,
        run,
        "opened",
        note or f"{who} opened from runbook {rb.key} (v{rb.version})",
        actor_id=actor.id if actor else None,
        data={"cause": cause, "alert_id": alert_id, "drill": drill},
    )
    emit(db, IncidentOpened(**_fact_fields(run, actor.id if actor else None)))
    announce(db, run, "incident.opened")
    return run


def transition(db: Session, clock: Clock, run: Incident, to: str, *, actor: User | None, note: str = "") -> Incident:
    if to not in RunStatus.__members__:
        raise ValidationFailed(
            f'unknown status "{to}"; use one of: {", ".join(RunStatus)}', key="err.incident_status", params={"to": to}
        )
    allowed = TRANSITIONS[RunStatus(run.status)]
    if to not in allowed:
        nexts = ", ".join(allowed) or "nothing (it is finished)"
        raise Conflict(
            f'an incident that is "{run.status}" cannot become "{to}"; from "{run.status}" it can go to: {nexts}',
            key="err.incident_transition",
            params={"current": run.status, "to": to},
        )
    now = clock.now()
    previous = run.status
    run.status = to
    # Skipping ahead fills the earlier stamps: a run resolved at once was acknowledged then too.
    if to in (RunStatus.acknowledged, RunStatus.mitigated, RunStatus.resolved) and run.acknowledged_at is None:
        run.acknowledged_at = now
        run.acknowledged_by = actor.id if actor else None
    if to in (RunStatus.mitigated, RunStatus.resolved) and run.mitigated_at is None:
        run.mitigated_at = now
    if to == RunStatus.resolved:
        run.resolved_at = now
    elif to == RunStatus.closed:
        run.closed_at = now
    elif to == RunStatus.cancelled:
        run.cancelled_at = now
    db.flush()
    add_timeline(
        db,
        clock,
        run,
        "transition",
        note or f"{previous} → {to}",
        actor_id=actor.id if actor else None,
        data={"from": previous, "to": to},
    )
    emit(db, IncidentTransitioned(**_fact_fields(run, actor.id if actor else None)))
    announce(db, run, "incident.updated")
    return run


def get_step(run: Incident, step_id: int) -> IncidentStep:
    for step in run.steps:
        if step.id == step_id:
            return step
    raise NotFound(
        f"incident {run.id} has no step {step_id}", key="err.no_incident_step", params={"id": run.id, "step": step_id}
    )


def set_step(
    db: Session, clock: Clock, run: Incident, step_id: int, state: str, *, reason: str | None, actor: User | None
) -> IncidentStep:
    step = get_step(run, step_id)
    if state not in (StepState.done, StepState.skipped, StepState.open):
        raise ValidationFailed(f'a step is "done", "skipped" or "open" (got "{state}")', key="err.step_state")
    if run.status not in ACTIVE and state != step.state:
        raise Conflict(f'the incident is "{run.status}": its steps can no longer change', key="err.incident_finished")
    clean = (reason or "").strip()
    if state == StepState.skipped and not clean:
        raise ValidationFailed("a skipped step needs a reason", key="err.step_reason")
    if state == step.state and clean == step.reason:
        return step
    now = clock.now()
    step.state = state
    step.reason = clean[:2000]
    step.done_at = now if state != StepState.open else None
    step.done_by = actor.id if actor and state != StepState.open else None
    db.flush()
    title = step.title.get("zh-Hant") or next(iter(step.title.values()), "")
    text = f"step {step.position} {state}: {title}" + (f" ({clean})" if clean else "")
    add_timeline(
        db,
        clock,
        run,
        "step",
        text,
        actor_id=actor.id if actor else None,
        data={
            "step_id": step.id,
            "position": step.position,
            "title": dict(step.title),
            "state": state,
            "reason": clean,
            "taken_seconds": step_seconds(run, step),
        },
    )
    announce(db, run, "incident.updated")
    return step


def assign_step(db: Session, clock: Clock, run: Incident, step_id: int, user_id: str | None, actor: User) -> None:
    step = get_step(run, step_id)
    if user_id is not None:
        member = db.get(User, user_id)
        if member is None or member.workspace_id != run.workspace_id:
            raise NotFound(f"no person {user_id} in this workspace", key="err.no_user")
    step.assignee_id = user_id
    step.overdue_at = None if step.state == StepState.open else step.overdue_at
    db.flush()
    add_timeline(db, clock, run, "assign", f"step {step.position} assigned", actor_id=actor.id, data={"user": user_id})
    announce(db, run, "incident.updated")


def set_commander(db: Session, clock: Clock, run: Incident, user_id: str, actor: User) -> None:
    member = db.get(User, user_id)
    if member is None or member.workspace_id != run.workspace_id:
        raise NotFound(f"no person {user_id} in this workspace", key="err.no_user")
    run.commander_id = user_id
    db.flush()
    add_timeline(db, clock, run, "assign", "commander changed", actor_id=actor.id, data={"commander": user_id})
    announce(db, run, "incident.updated")


def add_note(db: Session, clock: Clock, run: Incident, text: str, actor: User) -> TimelineEntry:
    clean = text.strip()
    if not clean:
        raise ValidationFailed("the note is empty", key="err.note_empty")
    if len(clean) > 4000:
        raise ValidationFailed("a note is at most 4000 characters", key="err.incident_note_long")
    entry = add_timeline(db, clock, run, "note", clean, actor_id=actor.id)
    announce(db, run, "incident.updated")
    return entry


def save_retro(
    db: Session, clock: Clock, workspace: Workspace, run: Incident, *, problem: str, cause: str, actor: User
) -> Incident:
    if run.status not in (RunStatus.resolved, RunStatus.closed):
        raise Conflict("a retrospective follows a resolved incident; resolve it first", key="err.retro_not_resolved")
    run.retro_problem = problem.strip()[:4000]
    run.retro_cause = cause.strip()[:4000]
    db.flush()
    add_timeline(db, clock, run, "retro", "retrospective updated", actor_id=actor.id)
    return run


def add_retro_action(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    run: Incident,
    *,
    text: str,
    owner_id: str | None,
    due_on: date,
    actor: User,
) -> RetroAction:
    """An action out of the retrospective: a task on the board with its owner and due date."""
    from livecrew.board.public import TaskSource, add_task

    if run.status not in (RunStatus.resolved, RunStatus.closed):
        raise Conflict("a retrospective follows a resolved incident; resolve it first", key="err.retro_not_resolved")
    clean = text.strip()
    if not clean:
        raise ValidationFailed("say what is to be done", key="err.retro_action_text")
    task_id = add_task(
        db,
        clock,
        workspace,
        title=clean[:200],
        due_on=due_on,
        owner_id=owner_id,
        source_kind=TaskSource.incident,
        source_id=str(run.id),
        show_id=run.show_id,
        detail=f"{run.retro_problem}\n{run.retro_cause}".strip(),
        actor=actor,
    )
    action = RetroAction(
        incident_id=run.id,
        text=clean[:2000],
        owner_id=owner_id,
        due_on=due_on,
        task_id=task_id,
        created_at=clock.now(),
        created_by=actor.id,
    )
    db.add(action)
    db.flush()
    add_timeline(db, clock, run, "retro", f"action: {clean[:200]}", actor_id=actor.id, data={"task_id": task_id})
    return action


def retro_actions(db: Session, run: Incident) -> list[RetroAction]:
    return list(db.scalars(select(RetroAction).where(RetroAction.incident_id == run.id).order_by(RetroAction.id)))


# ---------------------------------------------------------------------------------------------------------
# The clock
# ---------------------------------------------------------------------------------------------------------


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def seconds_to_acknowledge(run: Incident) -> float | None:
    return _seconds(run.opened_at, run.acknowledged_at)


def seconds_to_resolve(run: Incident) -> float | None:
    return _seconds(run.opened_at, run.resolved_at)


def step_seconds(run: Incident, step: IncidentStep) -> float | None:
    """Seconds from the run's opening to the step's tick (done or skipped)."""
    return _seconds(run.opened_at, step.done_at)


def step_due(run: Incident, step: IncidentStep) -> datetime:
    from datetime import timedelta

    return run.opened_at + timedelta(seconds=step.target_seconds)


def step_dict(run: Incident, step: IncidentStep, now: datetime | None = None) -> dict[str, Any]:
    taken = step_seconds(run, step)
    overdue = (
        (taken is not None and taken > step.target_seconds)
        if step.state != StepState.open
        else (now is not None and now > step_due(run, step))
    )
    return {
        "id": step.id,
        "position": step.position,
        "role": step.role,
        "title": step.title,
        "detail": step.detail,
        "target_seconds": step.target_seconds,
        "due_at": step_due(run, step).isoformat(),
        "products": step.products,
        "reply_script": step.reply_script,
        "assignee_id": step.assignee_id,
        "state": step.state,
        "reason": step.reason or None,
        "done_at": step.done_at.isoformat() if step.done_at else None,
        "done_by": step.done_by,
        "taken_seconds": taken,
        "on_time": None if taken is None else taken <= step.target_seconds,
        "overdue": bool(overdue),
    }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def summary_dict(run: Incident) -> dict[str, Any]:
    return {
        "id": run.id,
        "show_id": run.show_id,
        "runbook": run.runbook_key,
        "title": run.title,
        "severity": run.severity,
        "status": run.status,
        "drill": run.drill,
        "cause": run.cause,
        "commander_id": run.commander_id,
        "opened_at": _iso(run.opened_at),
        "acknowledged_at": _iso(run.acknowledged_at),
        "mitigated_at": _iso(run.mitigated_at),
        "resolved_at": _iso(run.resolved_at),
        "closed_at": _iso(run.closed_at),
        "cancelled_at": _iso(run.cancelled_at),
        "seconds_to_acknowledge": seconds_to_acknowledge(run),
        "seconds_to_resolve": seconds_to_resolve(run),
        "steps_done": sum(1 for s in run.steps if s.state != StepState.open),
        "steps_total": len(run.steps),
    }


def timeline_dict(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "kind": entry.kind,
        "actor_id": entry.actor_id,
        "text": entry.text,
        "data": entry.data,
    }


def score(run: Incident) -> dict[str, Any]:
    """How the run went, as a drill is scored: time to acknowledge, steps on time against their targets."""
    ticked = [s for s in run.steps if s.done_at is not None]
    on_time = [s for s in ticked if (step_seconds(run, s) or 0) <= s.target_seconds]
    first_target = min((s.target_seconds for s in run.steps), default=None)
    ack = seconds_to_acknowledge(run)
    return {
        "seconds_to_acknowledge": ack,
        "seconds_to_resolve": seconds_to_resolve(run),
        "acknowledged_within_first_target": None if ack is None or first_target is None else ack <= first_target,
        "steps_total": len(run.steps),
        "steps_done": sum(1 for s in run.steps if s.state == StepState.done),
        "steps_skipped": sum(1 for s in run.steps if s.state == StepState.skipped),
        "steps_on_time": len(on_time),
        "steps_late": len(ticked) - len(on_time),
        "steps_open": len(run.steps) - len(ticked),
    }


def incident_dict(db: Session, run: Incident, now: datetime | None = None) -> dict[str, Any]:
    out = summary_dict(run)
    out["announcement"] = run.announcement
    out["runbook_version"] = run.runbook_version
    out["alert_id"] = run.alert_id
    out["opened_by"] = run.opened_by
    out["acknowledged_by"] = run.acknowledged_by
    out["steps"] = [step_dict(run, s, now) for s in run.steps]
    out["timeline"] = [timeline_dict(e) for e in timeline(db, run)]
    out["score"] = score(run)
    out["retro"] = {
        "problem": run.retro_problem,
        "cause": run.retro_cause,
        "actions": [
            {"id": a.id, "text": a.text, "owner_id": a.owner_id, "due_on": a.due_on.isoformat(), "task_id": a.task_id}
            for a in retro_actions(db, run)
        ],
    }
    return out
