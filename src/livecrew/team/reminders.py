"""The matrix review reminder: when a template's matrix has gone 30 days without review, operations gets a task."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.board.public import Task, TaskSource, add_task, open_tasks_from, today
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.shows.public import ShowTemplate
from livecrew.team import matrix

TITLE = {
    "zh-Hant": "檢視責任矩陣：{name}（已 {days} 天未檢視）",
    "zh-Hans": "检视责任矩阵：{name}（已 {days} 天未检视）",
    "en": "Review the responsibility matrix: {name} ({days} days since the last review)",
}


def _reviewer(db: Session, workspace: Workspace) -> User | None:
    people = db.scalars(
        select(User).where(User.workspace_id == workspace.id, User.active.is_(True)).order_by(User.created_at)
    ).all()
    for role in ("operations", "owner"):
        for person in people:
            if role in person.role_keys:
                return person
    return None


def remind(db: Session, clock: Clock) -> list[Task]:
    """Raise one open task per template whose matrix review is due (never a second while one is open)."""
    made: list[Task] = []
    for template in db.scalars(select(ShowTemplate).order_by(ShowTemplate.id)).all():
        workspace = db.get(Workspace, template.workspace_id)
        if workspace is None:
            continue
        report = matrix.check(db, workspace, template, clock.now())
        if not report.review_due:
            continue
        if open_tasks_from(db, workspace, source_kind=TaskSource.matrix, source_id=template.id):
            continue
        reviewer = _reviewer(db, workspace)
        task_id = add_task(
            db,
            clock,
            workspace,
            title=TITLE.get(workspace.default_language, TITLE["en"]).format(
                name=template.name, days=report.days_since_review
            ),
            detail=f"/team/matrix?template={template.key}",
            due_on=today(clock, workspace),
            owner_id=reviewer.id if reviewer else None,
            source_kind=TaskSource.matrix,
            source_id=template.id,
        )
        task = db.get(Task, task_id)
        assert task is not None
        made.append(task)
    return made
