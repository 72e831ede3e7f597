"""The CLI (runbook list, incident open / list / move) and the migration that gives existing workspaces the
shipped runbooks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner, Result

from livecrew import cli
from livecrew.core.db import make_engine
from livecrew.core.migrate import upgrade


def run(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "300"}).invoke(cli.app, list(args))


def test_runbook_and_incident_commands(cli_db: str) -> None:
    from livecrew.core.clock import SystemClock
    from livecrew.core.db import make_sessionmaker, session_scope
    from livecrew.shows import service as shows

    workspace_id = run("workspace", "create", "星河好物").stdout.strip()
    listed = run("runbook", "list", "--workspace", workspace_id)
    assert listed.exit_code == 0, listed.output
    assert "network_outage" in listed.stdout and "stock_oversold" in listed.stdout and "never" in listed.stdout
    engine = make_engine(cli_db)
    with session_scope(make_sessionmaker(engine)) as db:
        from livecrew.core.auth.models import Workspace

        ws = db.get(Workspace, workspace_id)
        assert ws is not None
        show = shows.create_show(
            db, SystemClock(), ws, title="晚場", starts_at=shows.parse_start("2026-06-12T20:00", ws)
        )
        show.status = "live"
        show_id = show.id
    engine.dispose()
    opened = run("incident", "open", "--show", show_id, "--runbook", "network_outage")
    assert opened.exit_code == 0, opened.output
    incident_id = opened.stdout.strip()
    assert incident_id.isdigit()
    drill = run("incident", "open", "--show", show_id, "--runbook", "network_outage", "--drill")
    assert drill.exit_code != 0 and "rehearsal" in drill.output
    unknown = run("incident", "open", "--show", show_id, "--runbook", "nope")
    assert unknown.exit_code != 0 and "nope" in unknown.output
    moved = run("incident", "move", incident_id, "--to", "resolved")
    assert moved.exit_code == 0 and moved.stdout.strip() == "resolved"
    bad = run("incident", "move", incident_id, "--to", "open")
    assert bad.exit_code != 0 and "cannot become" in bad.output
    shown = run("incident", "list", "--show", show_id)
    assert shown.exit_code == 0, shown.output
    assert "network_outage" in shown.stdout and "resolved" in shown.stdout and "MTTR" in shown.stdout


def test_the_migration_seeds_existing_workspaces(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0006")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspaces (id, name, currency, timezone, default_language, created_at) "
                "VALUES ('w1', '舊的', 'TWD', 'Asia/Taipei', 'zh-Hant', '2026-01-01 00:00:00')"
            )
        )
    upgrade(url)
    with engine.connect() as conn:
        keys = [r[0] for r in conn.execute(text("SELECT key FROM incident_runbooks WHERE workspace_id = 'w1'"))]
        versions = conn.execute(text("SELECT count(*) FROM incident_runbook_versions")).scalar()
    engine.dispose()
    assert "network_outage" in keys and "stock_oversold" in keys and versions == len(keys)
