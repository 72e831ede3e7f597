"""The incidents' background jobs: flag overdue steps (every few seconds) and ask for drills (hourly)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.background import in_thread
from livecrew.core.clock import Clock
from livecrew.core.db import session_scope
from livecrew.core.events import emit
from livecrew.core.logging import get_logger
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.incidents import service, stats
from livecrew.incidents.facts import StepOverdue
from livecrew.incidents.models import Incident, IncidentStep, Runbook, StepState
from livecrew.incidents.triggers import settings_of

log = get_logger(__name__)
OVERDUE_EVERY_SECONDS = 2.0
DRILL_EVERY_SECONDS = 3600.0
DRILL_FIRST_AFTER_SECONDS = 90.0


def flag_overdue(db: Session, clock: Clock) -> list[IncidentStep]:
    """Open steps of active runs past their target, not flagged yet: flag each once (timeline, event, live)."""
    now = clock.now()
    flagged = []
    runs = db.scalars(select(Incident).where(Incident.status.in_(service.ACTIVE))).all()
    for run in runs:
        for step in run.steps:
            if step.state != StepState.open or step.overdue_at is not None:
                continue
            if now <= service.step_due(run, step):
                continue
            step.overdue_at = now
            db.flush()
            title = step.title.get("zh-Hant") or next(iter(step.title.values()), "")
            service.add_timeline(
                db,
                clock,
                run,
                "overdue",
                f"step {step.position} overdue (target {step.target_seconds} s): {title}",
                data={"step_id": step.id, "assignee_id": step.assignee_id},
            )
            emit(
                db,
                StepOverdue(
                    workspace_id=run.workspace_id,
                    show_id=run.show_id,
                    incident_id=run.id,
                    step_id=step.id,
                    title=title,
                    role=step.role,
                    assignee_id=step.assignee_id,
                    commander_id=run.commander_id,
                ),
            )
            publish_after_commit(
                db,
                show_channel(run.show_id),
                {
                    "kind": "incident.step_overdue",
                    "incident_id": run.id,
                    "step": service.step_dict(run, step, now),
                    "assignee_id": step.assignee_id,
                    "commander_id": run.commander_id,
                },
            )
            flagged.append(step)
    return flagged


def ask_for_drills(db: Session, clock: Clock) -> list[int]:
    """A runbook not drilled for the workspace's ``drill_stale_days`` gets one board task for operations
    (one at a time: a new one only once the last is no longer open)."""
    from livecrew.board.public import TaskSource, add_task, task_status

    made: list[int] = []
    now = clock.now()
    for workspace in db.scalars(select(Workspace)).all():
        settings = settings_of(db, workspace.id)
        drilled = stats.last_drilled(db, workspace.id)
        stale_before = now - timedelta(days=settings.drill_stale_days)
        owner = _operations_lead(db, workspace.id)
        for rb in db.scalars(
            select(Runbook).where(Runbook.workspace_id == workspace.id, Runbook.archived.is_(False))
        ).all():
            last = drilled.get(rb.key)
            if last is not None and last >= stale_before:
                continue
            if rb.drill_task_id is not None and task_status(db, workspace, rb.drill_task_id) == "open":
                continue
            title = rb.title.get(workspace_language(workspace)) or rb.key
            when = last.date().isoformat() if last else "never"
            rb.drill_task_id = add_task(
                db,
                clock,
                workspace,
                title=f"演練 / Drill: {title}"[:200],
                due_on=(now + timedelta(days=7)).date(),
                owner_id=owner,
                source_kind=TaskSource.incident,
                source_id=f"runbook:{rb.key}",
                detail=f"last drilled: {when}; drill every {settings.drill_stale_days} days",
            )
            made.append(rb.drill_task_id)
    db.flush()
    return made


def workspace_language(workspace: Workspace) -> str:
    return workspace.default_language or "zh-Hant"


def _operations_lead(db: Session, workspace_id: str) -> str | None:
    """An active person with the operations role (the first one), else None (the task goes unowned)."""
    from livecrew.core.auth.models import UserRole

    row = db.scalar(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.workspace_id == workspace_id, UserRole.role == "operations", User.active.is_(True))
        .order_by(User.created_at)
    )
    return str(row) if row else None


def _overdue_once(app: FastAPI) -> int:
    ctx = app.state.ctx
    with session_scope(ctx.sessions) as db:
        return len(flag_overdue(db, ctx.clock))


def _drills_once(app: FastAPI) -> int:
    ctx = app.state.ctx
    with session_scope(ctx.sessions) as db:
        return len(ask_for_drills(db, ctx.clock))


async def _overdue_loop(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(OVERDUE_EVERY_SECONDS)
        try:
            await in_thread(_overdue_once, app)
        except Exception:
            log.exception("incidents.overdue_failed")


async def _drill_loop(app: FastAPI) -> None:
    await asyncio.sleep(DRILL_FIRST_AFTER_SECONDS)
    while True:
        try:
            made = await in_thread(_drills_once, app)
            if made:
                log.info("incidents.drill_tasks", tasks=made)
        except Exception:
            log.exception("incidents.drill_tasks_failed")
        await asyncio.sleep(DRILL_EVERY_SECONDS)


async def start(app: FastAPI) -> list[asyncio.Task[None]]:
    return [
        asyncio.create_task(_overdue_loop(app), name="livecrew-incident-overdue"),
        asyncio.create_task(_drill_loop(app), name="livecrew-incident-drills"),
    ]
