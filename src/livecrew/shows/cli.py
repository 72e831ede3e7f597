"""``livecrew show ...``: create and list shows."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

show_app = typer.Typer(help="Shows (場次): create, list, move through the lifecycle.", no_args_is_help=True)


@show_app.command("create")
def create(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    title: Annotated[str, typer.Option("--title", help="The show's title.")],
    start: Annotated[str, typer.Option("--start", help="ISO 8601, e.g. 2026-06-12T20:00+08:00.")],
    minutes: Annotated[int | None, typer.Option("--minutes", help="Length (default: the template's).")] = None,
    template: Annotated[str | None, typer.Option("--template", help="Template id or key to copy.")] = None,
    room: Annotated[str, typer.Option("--room", help="The platform account / live room.")] = "",
) -> None:
    """Create a show and print its id."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.shows import service

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        show = service.create_show(
            db,
            cli.CLOCK,
            ws,
            title=title,
            starts_at=service.parse_start(start, ws),
            minutes=minutes,
            template=template,
            room=room,
        )
        show_id = show.id
    typer.echo(show_id)


@show_app.command("list")
def list_(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    status: Annotated[str | None, typer.Option("--status", help="Only shows in this status.")] = None,
) -> None:
    """List a workspace's shows."""
    from zoneinfo import ZoneInfo

    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.shows import service

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        shows = service.list_shows(db, ws, status=status)
        zone = ZoneInfo(ws.timezone)
        table = Table(title=f"{ws.name} ({ws.timezone})")
        table.add_column("id", no_wrap=True, min_width=17)
        for column in ("starts", "minutes", "status", "room", "title"):
            table.add_column(column)
        for s in shows:
            table.add_row(
                s.id,
                s.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                str(s.planned_minutes),
                s.status,
                s.room,
                s.title,
            )
    cli.out.print(table)


@show_app.command("transition")
def move(
    show_id: Annotated[str, typer.Argument(help="The show's id.")],
    to: Annotated[str, typer.Option("--to", help="rehearsing, ready, live, ended, reviewed or cancelled.")],
) -> None:
    """Move a show to another status (the go-live gate applies)."""
    from livecrew.core import cli
    from livecrew.core.auth.models import Workspace
    from livecrew.core.errors import NotFound
    from livecrew.shows import service
    from livecrew.shows.models import Show

    with cli.database() as db:
        found = db.get(Show, show_id)
        if found is None:
            raise NotFound(f'no show with id "{show_id}"', key="err.no_show", params={"id": show_id})
        ws = db.get(Workspace, found.workspace_id)
        assert ws is not None
        try:
            service.transition(db, cli.CLOCK, ws, found, to, actor=None, note="via the command line")
        except service.GateRefused as exc:
            problems = exc.details if isinstance(exc.details, list) else []
            for problem in problems:
                cli.err.print(f"  - {problem['message']}", highlight=False)
            raise
        status = found.status
    cli.out.print(f"{show_id} is now {status}")


def register(app: typer.Typer) -> None:
    app.add_typer(show_app, name="show")
