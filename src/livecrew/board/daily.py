"""The daily board: in the morning the day's GMV target, focus products and per-show targets; in the evening
the review, whose problems become tasks with an owner and a due day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.board import tasks
from livecrew.board.models import DailyBoard, Task, TaskSource
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import ValidationFailed
from livecrew.shows.public import Show, ShowStatus, list_shows

MAX_MINOR = 10**13
PLANNING = (ShowStatus.planned.value, ShowStatus.rehearsing.value, ShowStatus.ready.value)


def day_bounds(workspace: Workspace, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(workspace.timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def shows_on(db: Session, workspace: Workspace, day: date) -> list[Show]:
    start, end = day_bounds(workspace, day)
    return [
        s
        for s in list_shows(db, workspace, start=start, end=end)
        if start <= s.starts_at < end and s.status != ShowStatus.cancelled
    ]


def get_board(db: Session, workspace: Workspace, day: date) -> DailyBoard | None:
    return db.scalar(select(DailyBoard).where(DailyBoard.workspace_id == workspace.id, DailyBoard.day == day))


def _board(db: Session, clock: Clock, workspace: Workspace, day: date) -> DailyBoard:
    board = get_board(db, workspace, day)
    if board is None:
        board = DailyBoard(
            workspace_id=workspace.id,
            day=day,
            focus_skus=[],
            show_targets={},
            morning_note="",
            evening_note="",
            updated_at=clock.now(),
        )
        db.add(board)
        db.flush()
    return board


def _amount(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        amount = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"{what} is a whole amount in minor units (e.g. 1500000 for 15,000.00)",
            key="err.amount",
            params={"field": value},
        ) from None
    if not 0 <= amount <= MAX_MINOR:
        raise ValidationFailed(f"{what} must be between 0 and {MAX_MINOR}", key="err.amount", params={"field": value})
    return amount


def set_morning(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    day: date,
    *,
    gmv_target: int | str | None,
    focus_skus: list[str],
    show_targets: dict[str, Any],
    note: str,
    actor: User | None,
) -> DailyBoard:
    """The morning meeting's targets. Per-show targets name shows of that day; the GMV target of a show not yet
    live follows (a blank one clears it); a show that is live or over keeps the target it ran with."""
    target = _amount(gmv_target, "the day's GMV target")
    todays = {s.id: s for s in shows_on(db, workspace, day)}
    clean_targets: dict[str, int | None] = {}
    for show_id, value in show_targets.items():
        if show_id not in todays:
            raise ValidationFailed(
                f'show "{show_id}" is not on {day.isoformat()}', key="err.board_show", params={"id": show_id}
            )
        clean_targets[show_id] = _amount(value, "a show's GMV target")
    skus = []
    for sku in focus_skus:
        clean = sku.strip()
        if clean and clean not in skus:
            if len(clean) > 64:
                raise ValidationFailed(f'"{clean[:20]}…" is too long for a SKU', key="err.board_sku")
            skus.append(clean)
    board = _board(db, clock, workspace, day)
    board.gmv_target = target
    board.focus_skus = skus
    board.show_targets = {k: v for k, v in clean_targets.items() if v is not None}
    board.morning_note = note.strip()
    board.updated_at = clock.now()
    board.updated_by = actor.id if actor else None
    for show_id, amount in clean_targets.items():
        show = todays[show_id]
        if show.status not in PLANNING:
            continue
        targets = {k: v for k, v in show.targets.items() if k != "gmv"}
        show.targets = targets if amount is None else {**targets, "gmv": amount}
    db.flush()
    return board


@dataclass(frozen=True)
class ProblemIn:
    title: str
    owner_id: str | None
    due_on: date
    show_id: str | None = None


def evening_review(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    day: date,
    *,
    note: str,
    problems: list[ProblemIn],
    actor: User | None,
) -> tuple[DailyBoard, list[Task]]:
    """Record the evening review; every problem raised becomes a task (all or nothing)."""
    board = _board(db, clock, workspace, day)
    todays = {s.id for s in shows_on(db, workspace, day)}
    made: list[Task] = []
    for number, problem in enumerate(problems, start=1):
        if problem.due_on < day:
            raise ValidationFailed(
                f"problem {number}: the due day is before the review day",
                key="err.task_due_past",
                params={"n": number},
            )
        if not problem.owner_id:  # the page promises every problem an owner: a task nobody holds is lost
            raise ValidationFailed(f"problem {number} needs an owner", key="err.problem_owner", params={"n": number})
        if problem.show_id and problem.show_id not in todays:
            raise ValidationFailed(
                f'problem {number}: show "{problem.show_id}" is not on {day.isoformat()}',
                key="err.board_show",
                params={"id": problem.show_id},
            )
        made.append(
            tasks.create_task(
                db,
                clock,
                workspace,
                title=problem.title,
                due_on=problem.due_on,
                owner_id=problem.owner_id,
                source_kind=TaskSource.board.value,
                source_id=str(board.id),
                show_id=problem.show_id,
                actor=actor,
            )
        )
    board.evening_note = note.strip()
    board.reviewed_at = clock.now()
    board.reviewed_by = actor.id if actor else None
    board.updated_at = clock.now()
    db.flush()
    return board, made
