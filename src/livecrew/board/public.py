"""What the daily board offers other features: adding a task that something of theirs raised.

The board owns its tables; another feature (a review's action, an incident's retrospective, a runbook that
needs a drill) asks for a task here and keeps the task's id. Runs in the caller's transaction; flushes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from livecrew.board import tasks
from livecrew.board.models import Task, TaskSource, TaskStatus
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock

__all__ = [
    "Task",
    "TaskSource",
    "TaskStatus",
    "add_task",
    "close_tasks_from",
    "open_tasks_from",
    "task_status",
    "today",
]

today = tasks.today


def add_task(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    *,
    title: str,
    due_on: date,
    owner_id: str | None,
    source_kind: TaskSource,
    source_id: str | None = None,
    show_id: str | None = None,
    detail: str = "",
    actor: User | None = None,
) -> int:
    """A new open task on the board; returns its id. The owner must be an active person of the workspace."""
    task = tasks.create_task(
        db,
        clock,
        workspace,
        title=title,
        due_on=due_on,
        owner_id=owner_id,
        detail=detail,
        source_kind=source_kind.value,
        source_id=source_id,
        show_id=show_id,
        actor=actor,
    )
    return task.id


def task_status(db: Session, workspace: Workspace, task_id: int) -> str:
    """A task's status (``open``, ``done``...), for showing it beside what raised it."""
    return tasks.get_task(db, workspace, task_id).status


def open_tasks_from(db: Session, workspace: Workspace, *, source_kind: TaskSource, source_id: str) -> list[Task]:
    """The open tasks something of the caller's raised (by its kind and id)."""
    return tasks.list_tasks(
        db, workspace, status=TaskStatus.open.value, source_kind=source_kind.value, source_id=source_id
    )


def close_tasks_from(
    db: Session, clock: Clock, workspace: Workspace, *, source_kind: TaskSource, source_id: str, actor: User | None
) -> None:
    """Mark done every open task that something of the caller's raised (the thing was dealt with)."""
    for task in open_tasks_from(db, workspace, source_kind=source_kind, source_id=source_id):
        tasks.set_status(task, clock, TaskStatus.done.value, actor)
    db.flush()
