"""``livecrew runbook list`` and ``livecrew incident open|list|show|move``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

runbook_app = typer.Typer(help="Emergency runbooks (應急預案).", no_args_is_help=True)
incident_app = typer.Typer(help="Incident runs: open, list, show, move.", no_args_is_help=True)


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


@runbook_app.command("list")
def runbook_list(
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace id (or its exact name).")],
    lang: Annotated[str, typer.Option("--lang", help="zh-Hant, zh-Hans or en.")] = "zh-Hant",
) -> None:
    """The workspace's runbooks, their steps and when each was last drilled."""
    from livecrew.core import cli
    from livecrew.core.auth import service as auth
    from livecrew.incidents import runbooks, stats

    with cli.database() as db:
        ws = auth.find_workspace(db, workspace)
        rows = runbooks.list_runbooks(db, ws.id)
        drilled = stats.last_drilled(db, ws.id)
        table = Table(title=f"{ws.name}: {len(rows)} runbook(s)")
        for column in ("key", "severity", "title", "steps", "first target", "version", "last drilled"):
            table.add_column(column, no_wrap=column in ("key", "last drilled"))
        for rb in rows:
            last = drilled.get(rb.key)
            table.add_row(
                rb.key,
                rb.severity + (" critical" if rb.critical else ""),
                _pick(rb.title, lang),
                str(len(rb.steps)),
                f"{min((s['target_seconds'] for s in rb.steps), default=0)} s",
                str(rb.version),
                last.date().isoformat() if last else "never",
            )
    cli.out.print(table)


@incident_app.command("open")
def incident_open(
    show: Annotated[str, typer.Option("--show", help="The show's id.")],
    runbook: Annotated[str, typer.Option("--runbook", help="The runbook's key, e.g. network_outage.")],
    drill: Annotated[bool, typer.Option("--drill", help="A rehearsal drill (refused on a live show).")] = False,
) -> None:
    """Open an incident run on a show and print its id."""
    from livecrew.core import cli
    from livecrew.core.auth.models import Workspace
    from livecrew.core.errors import NotFound
    from livecrew.incidents import service
    from livecrew.shows.public import show_info_any

    with cli.database() as db:
        info = show_info_any(db, show)
        workspace = db.get(Workspace, info.workspace_id) if info else None
        if info is None or workspace is None:
            raise NotFound(f"no show {show}", key="err.no_show", params={"id": show})
        run = service.open_incident(db, cli.CLOCK, workspace, show, runbook, drill=drill)
        db.flush()
        run_id = run.id
    typer.echo(str(run_id))


@incident_app.command("list")
def incident_list(
    show: Annotated[str, typer.Option("--show", help="The show's id.")],
    lang: Annotated[str, typer.Option("--lang", help="zh-Hant, zh-Hans or en.")] = "zh-Hant",
) -> None:
    """The show's incident runs with their clock, and the show's MTTA / MTTR."""
    from livecrew.core import cli
    from livecrew.core.errors import NotFound
    from livecrew.incidents import service, stats
    from livecrew.shows.public import show_info_any

    with cli.database() as db:
        info = show_info_any(db, show)
        if info is None:
            raise NotFound(f"no show {show}", key="err.no_show", params={"id": show})
        runs = service.list_incidents(db, info.workspace_id, show_id=show)
        table = Table(title=f"{info.title}: {len(runs)} incident run(s)")
        for column in ("id", "runbook", "title", "sev", "status", "drill", "opened", "to ack (s)", "to resolve (s)"):
            table.add_column(column, no_wrap=column in ("runbook", "status"))
        for r in reversed(runs):
            table.add_row(
                str(r.id),
                r.runbook_key,
                _pick(r.title, lang),
                r.severity,
                r.status,
                "drill" if r.drill else "",
                r.opened_at.isoformat(timespec="seconds"),
                _num(service.seconds_to_acknowledge(r)),
                _num(service.seconds_to_resolve(r)),
            )
        figures = stats.of_show(db, info.workspace_id, show)
    cli.out.print(table)
    for name, f in figures.items():
        if f["count"]:
            cli.out.print(
                f"{name}: {f['count']} run(s), MTTA {_num(f['mtta'])} s, MTTR {_num(f['mttr'])} s, "
                f"p90 to acknowledge {_num(f['tta_p90'])} s, p90 to resolve {_num(f['ttr_p90'])} s",
                highlight=False,
            )


@incident_app.command("move")
def incident_move(
    incident: Annotated[int, typer.Argument(help="The run's id.")],
    to: Annotated[str, typer.Option("--to", help="acknowledged, mitigated, resolved, closed or cancelled.")],
) -> None:
    """Move a run on in its lifecycle."""
    from livecrew.core import cli
    from livecrew.core.auth.models import Workspace
    from livecrew.core.errors import NotFound
    from livecrew.incidents import service
    from livecrew.incidents.models import Incident

    with cli.database() as db:
        run = db.get(Incident, incident)
        workspace = db.get(Workspace, run.workspace_id) if run else None
        if run is None or workspace is None:
            raise NotFound(f"no incident {incident}", key="err.no_incident", params={"id": incident})
        service.transition(db, cli.CLOCK, run, to, actor=None)
        status = run.status
    typer.echo(status)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def register(app: typer.Typer) -> None:
    app.add_typer(runbook_app, name="runbook")
    app.add_typer(incident_app, name="incident")
