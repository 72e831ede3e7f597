"""Console pages for the daily board (morning targets, evening review) and tasks ("my tasks", overdue)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.board import daily, tasks
from livecrew.board.models import TaskStatus
from livecrew.core.auth import service as auth
from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.core.money import form_amount, format_major
from livecrew.core.params import DbId
from livecrew.live.public import LiveRegistry, live_registry
from livecrew.shows.public import ShowStatus
from livecrew.web.i18n import Translator
from livecrew.web.render import form_failed, render

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)


def my_tasks_tile(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    t = Translator(principal.viewer.language or principal.viewer.default_language)
    on = now.astimezone(ZoneInfo(principal.workspace.timezone)).date()
    mine = tasks.counts(tasks.list_tasks(db, principal.workspace, owner_id=principal.user.id), on)
    return [
        {
            "id": "my-tasks",
            "label": t("tasks.view.mine"),
            "value": mine.open,
            "sub": t("home.tasks_sub", overdue=mine.overdue, today=mine.due_today),
            "href": "/tasks",
            "alert": mine.overdue > 0,
        }
    ]


Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.team_view))]
Editor = Annotated[Principal, Depends(require_web(Action.review_edit))]
Registry = Annotated[LiveRegistry, Depends(live_registry)]
PROBLEM_ROWS = 4


def _minor(value: str, what: str, currency: str) -> int | None:
    """A money amount typed in the currency's ordinary unit ("15,000" or "15000.50") as minor units."""
    return form_amount(value, what, currency=currency, maximum=daily.MAX_MINOR)


def _major(amount: Any) -> str:
    """Minor units as the amount a person types: 1234567 -> "12345.67", 1500000 -> "15000"."""
    return format_major(amount)


# ------------------------------------------------------------------ the daily board


def _board_page(
    request: Request, db: Session, clock: Clock, principal: Principal, registry: LiveRegistry, day: date, *,
    error: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    ws = principal.workspace
    board = daily.get_board(db, ws, day)
    todays = daily.shows_on(db, ws, day)
    actual: dict[str, int] = {}
    for show in todays:
        if show.status in (ShowStatus.live, ShowStatus.ended, ShowStatus.reviewed):
            actual[show.id] = int(registry.get(show.id).snapshot().get("gmv") or 0)
    everyone = auth.list_users(db, ws)
    people = [u for u in everyone if u.active]
    raised = tasks.list_tasks(db, ws, status=None, source_kind="board", source_id=str(board.id)) if board else []
    target = board.gmv_target if board else None
    done = sum(actual.values())
    return render(
        request,
        "board/board.html",
        {
            "tab": "board",
            "day": day,
            "today": tasks.today(clock, ws),
            "prev": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "board": board,
            "shows": todays,
            "day_target": _major(board.gmv_target if board else None),
            "show_values": {
                s.id: _major(
                    board.show_targets.get(s.id) if board and s.id in board.show_targets else s.targets.get("gmv")
                )
                for s in todays
            },
            "actual": actual,
            "done": done,
            "attainment": (done / target) if target else None,
            "people": people,
            "names": {u.id: u.display_name for u in everyone},
            "raised": raised,
            "problem_rows": range(PROBLEM_ROWS),
            "can_edit": principal.can(Action.review_edit),
            "error": error,
        },
        status_code=status_code,
        active_nav="team",
    )


def _board_failed(
    request: Request, db: Session, clock: Clock, principal: Principal, registry: LiveRegistry, day: date,
    exc: DomainError,
) -> Response:  # fmt: skip
    """The board again with what went wrong; nothing of the failed change is kept."""

    def again(error: str, status: int) -> Response:
        return _board_page(request, db, clock, principal, registry, day, error=error, status_code=status)

    return form_failed(request, db, exc, again)


def _day(value: str | None, clock: Clock, principal: Principal) -> date:
    return tasks.parse_day(value) if value else tasks.today(clock, principal.workspace)


@router.get("/board", response_class=HTMLResponse)
def board_page(
    request: Request, db: Db, clock: Clk, principal: Viewer, registry: Registry, day: str | None = None
) -> Response:
    return _board_page(request, db, clock, principal, registry, _day(day, clock, principal))


@router.post("/board/{day}/morning", response_class=HTMLResponse)
async def board_morning(
    request: Request, day: str, db: Db, clock: Clk, principal: Editor, registry: Registry
) -> Response:
    form = await request.form()
    when = tasks.parse_day(day)
    try:
        show_targets = {
            str(k)[len("show_") :]: _minor(str(v), "board.target", principal.workspace.currency)
            for k, v in form.items()
            if str(k).startswith("show_")
        }
        daily.set_morning(
            db, clock, principal.workspace, when, gmv_target=_minor(
                str(form.get("gmv_target", "")), "board.gmv_target", principal.workspace.currency
            ),
            focus_skus=str(form.get("focus_skus", "")).replace("，", ",").replace("\n", ",").split(","),
            show_targets=show_targets, note=str(form.get("note", "")), actor=principal.user,
        )  # fmt: skip
    except DomainError as exc:
        return _board_failed(request, db, clock, principal, registry, when, exc)
    return RedirectResponse(f"/board?day={when.isoformat()}&ok=saved", status_code=303)


@router.post("/board/{day}/evening", response_class=HTMLResponse)
async def board_evening(
    request: Request, day: str, db: Db, clock: Clk, principal: Editor, registry: Registry
) -> Response:
    form = await request.form()
    when = tasks.parse_day(day)
    try:
        problems = []
        for i in range(PROBLEM_ROWS):
            title = str(form.get(f"problem_{i}", "")).strip()
            if not title:
                continue
            due = str(form.get(f"due_{i}", "")).strip()
            problems.append(
                daily.ProblemIn(
                    title=title,
                    owner_id=str(form.get(f"owner_{i}", "")) or None,
                    due_on=tasks.parse_day(due) if due else when + timedelta(days=1),
                    show_id=str(form.get(f"show_{i}", "")) or None,
                )
            )
        daily.evening_review(
            db, clock, principal.workspace, when, note=str(form.get("note", "")), problems=problems,
            actor=principal.user,
        )  # fmt: skip
    except DomainError as exc:
        return _board_failed(request, db, clock, principal, registry, when, exc)
    done = "evening_tasks" if problems else "evening_saved"  # say what happened: the review and its tasks
    return RedirectResponse(f"/board?day={when.isoformat()}&ok={done}#raised", status_code=303)


# ------------------------------------------------------------------ tasks


VIEWS = ("mine", "overdue", "open", "all")


def _tasks_page(
    request: Request, db: Session, clock: Clock, principal: Principal, view: str, *, error: str | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    ws = principal.workspace
    on = tasks.today(clock, ws)
    view = view if view in VIEWS else "mine"
    queries: dict[str, dict[str, Any]] = {
        "mine": {"owner_id": principal.user.id},
        "overdue": {"overdue_on": on},
        "open": {},
        "all": {"status": None},
    }
    query = queries[view]
    rows = tasks.list_tasks(db, ws, **query)
    mine = tasks.list_tasks(db, ws, owner_id=principal.user.id)
    everyone = auth.list_users(db, ws)
    return render(
        request,
        "board/tasks.html",
        {
            "tab": "tasks",
            "view": view,
            "views": VIEWS,
            "rows": rows,
            "today": on,
            "overdue": {t.id for t in rows if tasks.is_overdue(t, on)},
            "my_counts": tasks.counts(mine, on),
            "names": {u.id: u.display_name for u in everyone},
            "people": [u for u in everyone if u.active],
            "can_edit": principal.can(Action.review_edit),
            "my_id": principal.user.id,
            "error": error,
        },
        status_code=status_code,
        active_nav="team",
    )


def _tasks_failed(
    request: Request, db: Session, clock: Clock, principal: Principal, view: str, exc: DomainError
) -> Response:
    return form_failed(
        request, db, exc,
        lambda error, status: _tasks_page(request, db, clock, principal, view, error=error, status_code=status),
    )  # fmt: skip


@router.get("/tasks", response_class=HTMLResponse)
def tasks_page(request: Request, db: Db, clock: Clk, principal: Viewer, view: str = "mine") -> Response:
    return _tasks_page(request, db, clock, principal, view)


@router.post("/tasks", response_class=HTMLResponse)
def task_add(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Editor,
    title: Annotated[str, Form()] = "",
    owner_id: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "all",
) -> Response:
    try:
        if not due_on.strip():
            raise ValidationFailed("a task needs a due day", key="err.task_due")
        tasks.create_task(
            db, clock, principal.workspace, title=title, due_on=tasks.parse_day(due_on), owner_id=owner_id or None,
            actor=principal.user,
        )  # fmt: skip
    except DomainError as exc:
        return _tasks_failed(request, db, clock, principal, view, exc)
    return RedirectResponse(f"/tasks?view={view}&ok=saved", status_code=303)


@router.post("/tasks/{task_id}/status", response_class=HTMLResponse)
def task_status(
    request: Request,
    task_id: DbId,
    db: Db,
    clock: Clk,
    principal: Viewer,
    status: Annotated[str, Form()] = TaskStatus.done.value,
    view: Annotated[str, Form()] = "mine",
) -> Response:
    ws = principal.workspace
    try:
        task = tasks.get_task(db, ws, task_id)
        tasks.update_task(
            db, clock, ws, task, actor=principal.user, may_edit_any=principal.can(Action.review_edit), status=status
        )
    except DomainError as exc:
        return _tasks_failed(request, db, clock, principal, view, exc)
    return RedirectResponse(f"/tasks?view={view}&ok=saved#task-{task_id}", status_code=303)
