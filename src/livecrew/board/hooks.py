"""Board hooks: the demo workspace gets today's morning targets and a few open tasks, one of them overdue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.board import daily, tasks
from livecrew.board.demo_texts import DEMO_TASKS
from livecrew.board.models import Task
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock, clock_of
from livecrew.core.hooks import demo_email
from livecrew.goods.public import demo_lineup_skus
from livecrew.shows.public import RehearsalProblemsFound, link_rehearsal_tasks
from livecrew.web.i18n import pick


def on_demo_seed(db: Session, clock: Clock, workspace: Workspace) -> None:
    if db.scalar(select(Task.id).where(Task.workspace_id == workspace.id).limit(1)) is not None:
        return
    people = {u.email: u for u in db.scalars(select(User).where(User.workspace_id == workspace.id)).all()}
    today = tasks.today(clock, workspace)
    ops = people.get(demo_email("ops"))
    for login, days, title in DEMO_TASKS:
        owner = people.get(demo_email(login))
        tasks.create_task(
            db, clock, workspace, title=pick(title, workspace.default_language), due_on=today + timedelta(days=days),
            owner_id=owner.id if owner else None, actor=ops,
        )  # fmt: skip
    todays = daily.shows_on(db, workspace, today)
    daily.set_morning(
        db,
        clock,
        workspace,
        today,
        gmv_target=sum(int(s.targets.get("gmv", 0) or 0) for s in todays) or 30_000_000,
        focus_skus=_focus_skus(),
        show_targets={},
        note="",
        actor=ops,
    )


def _focus_skus() -> list[str]:
    return demo_lineup_skus()[:3]


def on_rehearsal_problems(db: Session, event: RehearsalProblemsFound) -> None:
    """Each problem a rehearsal found becomes a task (due the show's day, or today if that is past)."""
    from livecrew.board.models import TaskSource

    clock = clock_of(db)
    workspace = db.get(Workspace, event.workspace_id)
    assert workspace is not None
    actor = db.get(User, event.actor_id) if event.actor_id else None
    due = max(event.due_on, tasks.today(clock, workspace))
    detail = f"{event.show_title}: {event.notes}".strip(": ")[:4000]
    made = [
        tasks.create_task(
            db, clock, workspace, title=problem[:200], due_on=due, owner_id=event.owner_id, detail=detail,
            source_kind=TaskSource.rehearsal.value, source_id=str(event.rehearsal_id), show_id=event.show_id,
            actor=actor,
        ).id
        for problem in event.problems
    ]  # fmt: skip
    link_rehearsal_tasks(db, event.rehearsal_id, made)
