"""API routes for tasks and the daily board."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from livecrew.board import daily, tasks
from livecrew.board.models import DailyBoard, Task
from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.params import DbId

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["board"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require(Action.team_view))]
Editor = Annotated[Principal, Depends(require(Action.review_edit))]


class TaskOut(BaseModel):
    id: int
    title: str
    detail: str
    owner_id: str | None
    due_on: date
    status: str
    overdue: bool
    source_kind: str = Field(description="manual, show, rehearsal, review, board or matrix")
    source_id: str | None
    show_id: str | None
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, t: Task, on: date) -> TaskOut:
        return cls(
            id=t.id,
            title=t.title,
            detail=t.detail,
            owner_id=t.owner_id,
            due_on=t.due_on,
            status=t.status,
            overdue=tasks.is_overdue(t, on),
            source_kind=t.source_kind,
            source_id=t.source_id,
            show_id=t.show_id,
            created_at=t.created_at,
            closed_at=t.closed_at,
        )


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    due_on: date
    owner_id: str | None = None
    detail: str = Field(default="", max_length=4000)
    show_id: str | None = Field(default=None, min_length=1, max_length=32)  # "" is no show: refused, not stored


class TaskPatch(BaseModel):
    status: str | None = Field(default=None, description="open, done or cancelled")
    owner_id: str | None = None
    due_on: date | None = None
    title: str | None = Field(default=None, max_length=200)


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(
    db: Db,
    clock: Clk,
    principal: Viewer,
    mine: bool = False,
    owner_id: str | None = None,
    status: Annotated[str | None, Query(description="open (default), done, cancelled or all")] = "open",
    overdue: bool = False,
    show_id: str | None = None,
) -> list[TaskOut]:
    on = tasks.today(clock, principal.workspace)
    rows = tasks.list_tasks(
        db,
        principal.workspace,
        owner_id=principal.user.id if mine else owner_id,
        status=None if status == "all" else status,
        show_id=show_id,
        overdue_on=on if overdue else None,
    )
    return [TaskOut.of(t, on) for t in rows]


@router.post("/tasks", response_model=TaskOut, status_code=201)
def add_task(body: TaskIn, db: Db, clock: Clk, principal: Editor) -> TaskOut:
    ws = principal.workspace
    if body.show_id:
        from livecrew.shows.public import get_show

        get_show(db, ws, body.show_id)
    task = tasks.create_task(
        db, clock, ws, title=body.title, due_on=body.due_on, owner_id=body.owner_id, detail=body.detail,
        source_kind="show" if body.show_id else "manual", source_id=body.show_id, show_id=body.show_id,
        actor=principal.user,
    )  # fmt: skip
    return TaskOut.of(task, tasks.today(clock, ws))


@router.patch("/tasks/{task_id}", response_model=TaskOut)
def change_task(task_id: DbId, body: TaskPatch, db: Db, clock: Clk, principal: Viewer) -> TaskOut:
    """Owners close their own tasks; operations, analysts and owners may change any."""
    ws = principal.workspace
    task = tasks.get_task(db, ws, task_id)
    tasks.update_task(
        db, clock, ws, task, actor=principal.user, may_edit_any=principal.can(Action.review_edit),
        status=body.status, owner_id=body.owner_id, due_on=body.due_on, title=body.title,
    )  # fmt: skip
    return TaskOut.of(task, tasks.today(clock, ws))


class BoardOut(BaseModel):
    day: date
    gmv_target: int | None
    focus_skus: list[str]
    show_targets: dict[str, Any]
    shows: list[dict[str, Any]]
    morning_note: str
    evening_note: str
    reviewed_at: datetime | None
    tasks: list[TaskOut]


class MorningIn(BaseModel):
    gmv_target: int | None = Field(default=None, ge=0, description="minor units")
    focus_skus: list[str] = Field(default_factory=list)
    show_targets: dict[str, int | None] = Field(
        default_factory=dict, description="show id -> GMV target in minor units (null clears it)"
    )
    note: str = Field(default="", max_length=4000)


class ProblemBody(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    owner_id: str | None = None
    due_on: date
    show_id: str | None = Field(default=None, min_length=1, max_length=32)


class EveningIn(BaseModel):
    note: str = Field(default="", max_length=4000)
    problems: list[ProblemBody] = Field(default_factory=list, description="each becomes a task")


def board_out(db: Session, clock: Clock, principal: Principal, day: date, board: DailyBoard | None) -> BoardOut:
    ws = principal.workspace
    on = tasks.today(clock, ws)
    raised = tasks.list_tasks(db, ws, status=None, source_kind="board", source_id=str(board.id)) if board else []
    return BoardOut(
        day=day,
        gmv_target=board.gmv_target if board else None,
        focus_skus=board.focus_skus if board else [],
        show_targets=board.show_targets if board else {},
        shows=[
            {
                "id": s.id,
                "title": s.title,
                "starts_at": s.starts_at.isoformat(),
                "status": s.status,
                "gmv_target": s.targets.get("gmv"),
            }
            for s in daily.shows_on(db, ws, day)
        ],
        morning_note=board.morning_note if board else "",
        evening_note=board.evening_note if board else "",
        reviewed_at=board.reviewed_at if board else None,
        tasks=[TaskOut.of(t, on) for t in raised],
    )


@router.get("/board/{day}", response_model=BoardOut)
def get_board(day: date, db: Db, clock: Clk, principal: Viewer) -> BoardOut:
    return board_out(db, clock, principal, day, daily.get_board(db, principal.workspace, day))


@router.put("/board/{day}/morning", response_model=BoardOut)
def put_morning(day: date, body: MorningIn, db: Db, clock: Clk, principal: Editor) -> BoardOut:
    board = daily.set_morning(
        db, clock, principal.workspace, day, gmv_target=body.gmv_target, focus_skus=body.focus_skus,
        show_targets=dict(body.show_targets), note=body.note, actor=principal.user,
    )  # fmt: skip
    return board_out(db, clock, principal, day, board)


@router.put("/board/{day}/evening", response_model=BoardOut)
def put_evening(day: date, body: EveningIn, db: Db, clock: Clk, principal: Editor) -> BoardOut:
    """The evening review; every problem raised becomes a task with its owner and due day."""
    problems = [daily.ProblemIn(p.title, p.owner_id, p.due_on, p.show_id) for p in body.problems]
    board, _ = daily.evening_review(
        db, clock, principal.workspace, day, note=body.note, problems=problems, actor=principal.user
    )
    return board_out(db, clock, principal, day, board)
