"""The CLI contract: workspace create, user create, token create (prints only the token), errors, --help."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from typer.main import get_command
from typer.testing import CliRunner

from livecrew import cli
from livecrew.core.config import get_settings

runner = CliRunner(env={"COLUMNS": "300"})


def run(*args: str) -> typer.testing.Result:  # type: ignore[name-defined]
    return runner.invoke(cli.app, list(args))


def test_workspace_user_token_round_trip(cli_db: str, client: TestClient) -> None:
    made = run("workspace", "create", "星河好物")
    assert made.exit_code == 0, made.output
    workspace_id = made.stdout.strip()
    assert workspace_id.startswith("w") and len(workspace_id.splitlines()) == 1
    added = run(
        "user",
        "create",
        "--workspace",
        workspace_id,
        "--email",
        "ops@example.com",
        "--password",
        "s3cret-pass",
        "--role",
        "operations",
        "--role",
        "controller",
    )
    assert added.exit_code == 0, added.output
    token = run("token", "create", "--email", "ops@example.com")
    assert token.exit_code == 0, token.output
    secret = token.stdout
    assert secret.startswith("lc_") and secret.endswith("\n") and secret.count("\n") == 1
    from livecrew.app import create_app
    from livecrew.core.config import Settings
    from livecrew.core.db import make_engine

    engine = make_engine(cli_db)
    try:
        with TestClient(create_app(Settings(database_url=cli_db), engine=engine)) as c:
            me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {secret.strip()}"})
            assert me.status_code == 200
            assert sorted(me.json()["user"]["roles"]) == ["controller", "operations"]
            assert me.json()["workspace"]["id"] == workspace_id
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            [
                "user",
                "create",
                "--workspace",
                "WS",
                "--email",
                "a@example.com",
                "--password",
                "longenough",
                "--role",
                "dj",
            ],
            "unknown role",
        ),
        (
            ["user", "create", "--workspace", "WS", "--email", "nope", "--password", "longenough", "--role", "host"],
            "not a valid e-mail",
        ),
        (
            [
                "user",
                "create",
                "--workspace",
                "WS",
                "--email",
                "b@example.com",
                "--password",
                "short",
                "--role",
                "host",
            ],
            "8 characters",
        ),
        (
            [
                "user",
                "create",
                "--workspace",
                "missing",
                "--email",
                "c@example.com",
                "--password",
                "longenough",
                "--role",
                "host",
            ],
            "no workspace",
        ),
        (["token", "create", "--email", "ghost@example.com"], "no person"),
        (["workspace", "create", "  "], "cannot be empty"),
        (["workspace", "create", "X", "--currency", "dollars"], "currency code"),
        (["workspace", "create", "X", "--timezone", "Mars/Base"], "time zone"),
    ],
)
def test_bad_input_is_a_clear_error_with_nonzero_exit(cli_db: str, args: list[str], words: str) -> None:
    workspace_id = run("workspace", "create", "有效的").stdout.strip()
    args = [workspace_id if a == "WS" else a for a in args]
    result = run(*args)
    assert result.exit_code != 0
    assert words in result.output, result.output


def test_duplicate_email_writes_nothing(cli_db: str) -> None:
    ws = run("workspace", "create", "A").stdout.strip()
    ok = run(
        "user", "create", "--workspace", ws, "--email", "d@example.com", "--password", "longenough", "--role", "host"
    )
    assert ok.exit_code == 0
    again = run(
        "user", "create", "--workspace", ws, "--email", "D@example.com", "--password", "longenough", "--role", "tech"
    )
    assert again.exit_code == 1 and "already a person of this workspace" in again.output


def test_an_address_of_another_workspace_is_not_revealed_and_signs_in_where_the_password_fits(cli_db: str) -> None:
    first = run("workspace", "create", "A").stdout.strip()
    second = run("workspace", "create", "B").stdout.strip()
    for ws, password in ((first, "first-passphrase"), (second, "second-passphrase")):
        made = run(
            "user", "create", "--workspace", ws, "--email", "same@example.com", "--password", password, "--role", "host"
        )
        assert made.exit_code == 0, made.output  # no word about the other workspace
    ambiguous = run("token", "create", "--email", "same@example.com")
    assert ambiguous.exit_code == 1 and "name the workspace" in ambiguous.output
    assert run("token", "create", "--email", "same@example.com", "--workspace", second).stdout.startswith("lc_")


def test_commands_need_a_migrated_database(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECREW_DATABASE_URL", f"sqlite:///{tmp_path}/fresh.db")
    get_settings.cache_clear()
    try:
        result = run("workspace", "create", "X")
        assert result.exit_code == 1 and "livecrew db upgrade" in result.output
    finally:
        get_settings.cache_clear()


def test_demo_is_idempotent(cli_db: str) -> None:
    first = run("demo")
    assert first.exit_code == 0, first.output
    second = run("demo")
    assert second.exit_code == 0 and "already there" in second.output
    assert "owner@demo.livecrew.dev" in second.output and "livecrew-demo" in second.output


def _all_commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _all_commands(sub, (*path, name))


def test_help_everywhere() -> None:
    paths = list(_all_commands(get_command(cli.app)))
    assert ("token", "create") in paths and ("serve",) in paths
    for path in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage" in result.output


def test_the_demos_ready_show_has_a_coupon_a_lucky_bag_and_a_flash_sale(cli_db: str) -> None:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from livecrew.shows.models import Perk, Show, ShowStatus

    assert run("demo").exit_code == 0
    assert run("demo").exit_code == 0  # twice: still one of each
    with Session(create_engine(cli_db)) as db:
        ready = db.scalars(select(Show).where(Show.status == ShowStatus.ready.value)).one()
        kinds = sorted(db.scalars(select(Perk.kind).where(Perk.show_id == ready.id)))
    assert kinds == ["coupon", "flash_sale", "lucky_bag"]
