"""``livecrew ticket list|import`` and ``livecrew service report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

ticket_app = typer.Typer(help="Customer-service tickets (工單): list, import the platform's after-sales export.",
                         no_args_is_help=True)  # fmt: skip
service_app = typer.Typer(help="Customer service (客服): the daily report.", no_args_is_help=True)

Workspace = Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")]


@ticket_app.command("list")
def list_(
    workspace: Workspace,
    status: Annotated[str | None, typer.Option("--status", help="new, open, pending, on_hold, solved, closed")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="consult, refund, return, exchange, ...")] = None,
) -> None:
    """List tickets, newest first, the overdue clocks marked."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.service import tickets

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        f = tickets.Filters(status=tuple(s for s in (status or "").split(",") if s), kind=kind)
        rows = tickets.list_tickets(db, cli.CLOCK, ws.id, f, limit=1000)
        now = cli.CLOCK.now()
        table = Table(title=f"{ws.name}: {len(rows)} ticket(s)")
        for column in ("id", "kind", "status", "customer", "product", "first reply due", "overdue", "text"):
            table.add_column(column)
        for t in rows:
            late = tickets.is_overdue(t, now)
            table.add_row(
                str(t.id),
                t.kind,
                t.status,
                t.nickname or t.customer,
                t.product or "",
                t.first_reply_due.isoformat(timespec="seconds") if t.first_reply_due and not t.first_replied_at else "",
                f"[red]{', '.join(late)}[/red]" if late else "",
                t.text[:60],
            )
    cli.out.print(table)


@ticket_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The after-sales export, .xlsx or .csv.", exists=True, dir_okay=False)],
    workspace: Workspace,
    valid_only: Annotated[
        bool, typer.Option("--valid-only", help="Import the valid rows even if others are bad.")
    ] = False,
) -> None:
    """Import after-sales cases; prints a summary and row-level errors (nothing is written while rows are bad)."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.service import imports

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        checked = imports.check(db, ws.id, imports.read_table(file.name, file.read_bytes()))
        for e in checked.errors:
            cli.err.print(f"row {e.row}, {e.column}: {e.reason}", highlight=False)
        if checked.errors and not valid_only:
            raise cli.fail(
                f"{len(checked.bad_rows)} of {checked.total} rows have errors; nothing was imported "
                "(fix them, or pass --valid-only)"
            )
        made = imports.apply(db, cli.CLOCK, ws.id, checked, actor_id=None, valid_only=True)
        count = len(made)
    cli.out.print(
        f"imported {count} ticket(s); {checked.already} already imported; {len(checked.bad_rows)} row(s) skipped"
    )


@service_app.command("report")
def report(
    workspace: Workspace,
    day: Annotated[str | None, typer.Option("--day", help="The day, YYYY-MM-DD (default: today).")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the report as a workbook.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh-Hant, zh-Hans or en (the workbook's labels).")] = "zh-Hant",
) -> None:
    """The daily report (客服日報) of a day, as JSON (and a workbook with --xlsx)."""
    import orjson

    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.service import reports

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        when = reports.parse_day(day) if day else reports.today(cli.CLOCK, ws.timezone)
        result = reports.daily(db, cli.CLOCK, ws.id, when)
        if xlsx is not None:
            xlsx.write_bytes(reports.to_xlsx(result, lang))
    typer.echo(orjson.dumps({**result.data, "summary": result.summary()}, option=orjson.OPT_INDENT_2).decode())


def register(app: typer.Typer) -> None:
    app.add_typer(ticket_app, name="ticket")
    app.add_typer(service_app, name="service")
