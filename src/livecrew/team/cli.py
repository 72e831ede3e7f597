"""``livecrew team ...``: check the responsibility matrices, list duties."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

team_app = typer.Typer(help="The team (人): duties and the responsibility matrix.", no_args_is_help=True)


@team_app.command("matrix")
def check_matrix(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    template: Annotated[str | None, typer.Option("--template", help="One template (id or key); default: all.")] = None,
) -> None:
    """Check every duty has exactly one owner role; exit status 1 when a matrix has problems."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.shows import public as shows
    from livecrew.team import matrix

    failed = False
    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        templates = [shows.get_template(db, ws, template)] if template else shows.list_templates(db, ws)
        for tpl in templates:
            report = matrix.check(db, ws, tpl, cli.CLOCK.now())
            review = f"last review {report.days_since_review} day(s) ago" + (
                " — review due" if report.review_due else ""
            )
            if report.ok:
                cli.out.print(f"{tpl.key} (v{tpl.version}): every duty has exactly one owner; {review}")
                continue
            failed = True
            table = Table(title=f"{tpl.key} (v{tpl.version}): {len(report.findings)} problem(s); {review}")
            for column in ("problem", "duty", "title", "roles"):
                table.add_column(column)
            for f in report.findings:
                table.add_row(f.kind, f.duty, f.title, ", ".join(f.roles))
            cli.out.print(table)
    if failed:
        raise typer.Exit(1)


@team_app.command("duties")
def list_duties(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    role: Annotated[str | None, typer.Option("--role", help="Only this role's duties.")] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Built-in duties in zh-Hant, zh-Hans or en (default: the workspace's).")
    ] = None,
) -> None:
    """List the duty catalog."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.core.config import LANGUAGES
    from livecrew.core.shipped import set_reader_language
    from livecrew.team import duties

    if lang is not None and lang not in LANGUAGES:
        raise typer.BadParameter(f'"{lang}" is not a language; use {", ".join(LANGUAGES)}', param_hint="--lang")
    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        set_reader_language(db, lang or ws.default_language)
        table = Table(title=f"{ws.name}: duties")
        for column in ("key", "role", "phase", "v", "title"):
            table.add_column(column)
        for d in duties.list_duties(db, ws, role=role):
            table.add_row(d.key, d.role, d.phase, str(d.version), d.title)
    cli.out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(team_app, name="team")
