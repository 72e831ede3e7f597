"""Tasks: an owner, a due day, a status, and a link to what raised them (a show, a rehearsal, a review...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.board.models import Task, TaskSource, TaskStatus
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import Forbidden, NotFound, ValidationFailed
from livecrew.core.pubsub import publish_after_commit, workspace_channel


def today(clock: Clock, workspace: Workspace) -> date:
    return clock.now().astimezone(ZoneInfo(workspace.timezone)).date()


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f'"{value}" is not a date; write it like 2026-06-12', key="err.bad_date", params={"value": value}
        ) from None


def _owner(db: Session, workspace: Workspace, owner_id: str | None) -> User | None:
    if not owner_id:
        return None
    user = db.get(User, owner_id)
    if user is None or user.workspace_id != workspace.id:
        raise NotFound(f'no person with id "{owner_id}" in this workspace', key="err.no_person")
    if not user.active:
        raise ValidationFailed(
            f"{user.display_name} is deactivated; give the task to someone active", key="err.task_owner_inactive"
        )
    return user


def create_task(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    *,
    title: str,
    due_on: date,
    owner_id: str | None,
    detail: str = "",
    source_kind: str = TaskSource.manual.value,
    source_id: str | None = None,
    show_id: str | None = None,
    actor: User | None,
) -> Task:
    clean = " ".join(title.split())
    if not clean:
        raise ValidationFailed("a task needs a title", key="err.task_title")
    if len(clean) > 200:
        raise ValidationFailed("a task's title must be at most 200 characters", key="err.task_title")
    if source_kind not in TaskSource.__members__:
        raise ValidationFailed(
            f'unknown task source "{source_kind}"', key="err.task_source", params={"source": source_kind}
        )
    owner = _owner(db, workspace, owner_id)
    task = Task(
        workspace_id=workspace.id,
        title=clean,
        detail=detail.strip(),
        owner_id=owner.id if owner else None,
        due_on=due_on,
        status=TaskStatus.open.value,
        source_kind=source_kind,
        source_id=source_id,
        show_id=show_id,
        created_at=clock.now(),
        created_by=actor.id if actor else None,
    )
    db.add(task)
    db.flush()
    publish_after_commit(db, workspace_channel(workspace.id), {"kind": "task.created", "id": task.id})
    return task


def get_task(db: Session, workspace: Workspace, task_id: int) -> Task:
    task = db.get(Task, task_id)
    if task is None or task.workspace_id != workspace.id:
        raise NotFound(f"no task {task_id} in this workspace", key="err.no_task", params={"id": task_id})
    return task


def list_tasks(
    db: Session,
    workspace: Workspace,
    *,
    owner_id: str | None = None,
    status: str | None = TaskStatus.open.value,
    show_id: str | None = None,
    source_kind: str | None = None,
    source_id: str | None = None,
    overdue_on: date | None = None,
    limit: int = 500,
) -> list[Task]:
    stmt = select(Task).where(Task.workspace_id == workspace.id)
    if owner_id is not None:
        stmt = stmt.where(Task.owner_id == owner_id)
    if status is not None:
        if status not in TaskStatus.__members__:
            raise ValidationFailed(
                f'unknown task status "{status}"; use open, done or cancelled',
                key="err.task_status",
                params={"value": status},
            )
        stmt = stmt.where(Task.status == status)
    if show_id is not None:
        stmt = stmt.where(Task.show_id == show_id)
    if source_kind is not None:
        stmt = stmt.where(Task.source_kind == source_kind)
    if source_id is not None:
        stmt = stmt.where(Task.source_id == source_id)
    if overdue_on is not None:
        stmt = stmt.where(Task.status == TaskStatus.open.value, Task.due_on < overdue_on)
    return list(db.scalars(stmt.order_by(Task.due_on, Task.id).limit(limit)).all())


def set_status(task: Task, clock: Clock, status: str, actor: User | None) -> None:
    """Open, done or cancelled; closing records when and by whom (None: livecrew or the command line)."""
    task.status = status
    closed = status != TaskStatus.open
    task.closed_at = clock.now() if closed else None
    task.closed_by = actor.id if closed and actor else None


def is_overdue(task: Task, on: date) -> bool:
    return task.status == TaskStatus.open.value and task.due_on < on


@dataclass(frozen=True)
class Counts:
    open: int
    overdue: int
    due_today: int


def counts(tasks: list[Task], on: date) -> Counts:
    open_ = [t for t in tasks if t.status == TaskStatus.open.value]
    return Counts(len(open_), sum(1 for t in open_ if t.due_on < on), sum(1 for t in open_ if t.due_on == on))


def update_task(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    task: Task,
    *,
    actor: User,
    may_edit_any: bool,
    status: str | None = None,
    owner_id: str | None = None,
    due_on: date | None = None,
    title: str | None = None,
) -> Task:
    """Owners close their own tasks; people who may edit any task also reassign and reschedule."""
    mine = task.owner_id == actor.id
    if not (mine or may_edit_any):
        raise Forbidden("only the task's owner, or operations, can change it", key="err.task_not_yours")
    if (owner_id is not None or due_on is not None or title is not None) and not may_edit_any:
        raise Forbidden("only operations can reassign or reschedule a task", key="err.task_not_yours")
    if status is not None:
        if status not in TaskStatus.__members__:
            raise ValidationFailed(
                f'unknown task status "{status}"; use open, done or cancelled',
                key="err.task_status",
                params={"value": status},
            )
        set_status(task, clock, status, actor)
    if owner_id is not None:
        owner = _owner(db, workspace, owner_id)
        task.owner_id = owner.id if owner else None
    if due_on is not None:
        task.due_on = due_on
    if title is not None:
        clean = " ".join(title.split())
        if not clean:
            raise ValidationFailed("a task needs a title", key="err.task_title")
        task.title = clean[:200]
    db.flush()
    publish_after_commit(db, workspace_channel(workspace.id), {"kind": "task.changed", "id": task.id})
    return task
