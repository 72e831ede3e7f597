"""``livecrew task ...``: list, add and close tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from livecrew.core.auth.models import User, Workspace

task_app = typer.Typer(help="Tasks (待辦): list, add, close.", no_args_is_help=True)


@task_app.command("list")
def list_(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    owner: Annotated[str | None, typer.Option("--owner", help="Only this person's tasks (e-mail or id).")] = None,
    status: Annotated[str, typer.Option("--status", help="open, done, cancelled or all.")] = "open",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open tasks past their due day.")] = False,
) -> None:
    """List tasks, the overdue ones marked."""
    from livecrew.board import tasks
    from livecrew.core import cli
    from livecrew.core.auth import service as auth

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        owner_id = _person(db, ws, owner).id if owner else None
        on = tasks.today(cli.CLOCK, ws)
        rows = tasks.list_tasks(
            db, ws, owner_id=owner_id, status=None if status == "all" else status, overdue_on=on if overdue else None
        )
        names = {u.id: u.display_name for u in auth.list_users(db, ws)}
        table = Table(title=f"{ws.name}: {len(rows)} task(s), today {on.isoformat()}")
        for column in ("id", "due", "status", "owner", "from", "title"):
            table.add_column(column)
        for t in rows:
            late = tasks.is_overdue(t, on)
            table.add_row(
                str(t.id),
                f"[red]{t.due_on.isoformat()} overdue[/red]" if late else t.due_on.isoformat(),
                t.status,
                names.get(t.owner_id or "", "-"),
                t.source_kind,
                t.title,
            )
    cli.out.print(table)


@task_app.command("add")
def add(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    title: Annotated[str, typer.Option("--title", help="What has to be done.")],
    due: Annotated[str, typer.Option("--due", help="Due day, e.g. 2026-06-12.")],
    owner: Annotated[str | None, typer.Option("--owner", help="E-mail or id of the person who owns it.")] = None,
    show: Annotated[str | None, typer.Option("--show", help="The show it belongs to (id).")] = None,
) -> None:
    """Add a task and print its id."""
    from livecrew.board import tasks
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.shows.public import get_show

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        if show:
            get_show(db, ws, show)
        task = tasks.create_task(
            db, cli.CLOCK, ws, title=title, due_on=tasks.parse_day(due),
            owner_id=_person(db, ws, owner).id if owner else None,
            source_kind="show" if show else "manual", source_id=show, show_id=show, actor=None,
        )  # fmt: skip
        task_id = task.id
    typer.echo(str(task_id))


@task_app.command("done")
def done(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    task_id: Annotated[int, typer.Argument(help="The task's id.")],
) -> None:
    """Mark a task done."""
    from livecrew.board import tasks
    from livecrew.board.models import TaskStatus
    from livecrew.core import cli
    from livecrew.core.auth import service as auth

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        task = tasks.get_task(db, ws, task_id)
        tasks.set_status(task, cli.CLOCK, TaskStatus.done.value, None)
        db.flush()
    cli.out.print(f"task {task_id} is done")


def _person(db: Session, ws: Workspace, ref: str) -> User:
    from sqlalchemy import select

    from livecrew.core.auth.models import User
    from livecrew.core.errors import NotFound

    user = db.get(User, ref)
    if user is None or user.workspace_id != ws.id:
        user = db.scalar(select(User).where(User.workspace_id == ws.id, User.email == ref.strip().lower()))
    if user is None:
        raise NotFound(f'no person "{ref}" in this workspace (use their e-mail or id)', key="err.no_person")
    return user


def register(app: typer.Typer) -> None:
    app.add_typer(task_app, name="task")
