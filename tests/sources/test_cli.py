"""``livecrew connect``: a platform's stream into a show from the command line; bad input says what to fix."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fake_graph import FakeGraph, comment
from livecrew import cli
from livecrew.live.models import LiveEvent

runner = CliRunner(env={"COLUMNS": "300"})
TOKEN = "EAAB-cli-token"


def _show() -> str:
    ws = runner.invoke(cli.app, ["workspace", "create", "直播團"]).stdout.strip()
    made = runner.invoke(
        cli.app, ["show", "create", "--workspace", ws, "--title", "FB", "--start", "2026-06-12T10:00+08:00"]
    )
    assert made.exit_code == 0, made.output
    return made.stdout.strip().split()[-1]


def test_connect_refuses_what_it_cannot_run(cli_db: str) -> None:
    unknown = runner.invoke(cli.app, ["connect", "youtube", "--show", "s"])
    assert unknown.exit_code != 0 and "youtube" in unknown.output and "tiktok, facebook" in unknown.output
    missing = runner.invoke(cli.app, ["connect", "facebook", "--show", "s"])
    assert missing.exit_code != 0 and "--live-video" in missing.output
    nowhere = runner.invoke(cli.app, ["connect", "facebook", "--live-video", "1", "--token", TOKEN, "--show", "nope"])
    assert nowhere.exit_code == 1 and 'no show with id "nope"' in nowhere.output
    # A diamond's value is typed in the currency's ordinary unit (0.01 = one cent): a part of a cent is refused.
    cents = runner.invoke(cli.app, ["connect", "tiktok", "host", "--show", "s", "--diamond-value", "0.005"])
    assert cents.exit_code != 0 and "--diamond-value" in cents.output and "more than 2 decimals" in cents.output


def test_connect_feeds_a_show_until_the_platform_refuses_the_token(cli_db: str) -> None:
    show = _show()

    def comments(n: int) -> Iterator[bytes]:
        if n == 0:
            for i in range(20):
                yield comment(i, viewers=7)

    graph = FakeGraph(TOKEN, {"live_comments": comments, "live_reactions": lambda n: iter([])})
    original = graph.scripts["live_comments"]

    def then_revoke(n: int) -> Iterator[bytes]:
        if n >= 1:
            graph.revoked = True
        return original(n)

    graph.scripts["live_comments"] = then_revoke
    try:
        result = runner.invoke(
            cli.app,
            ["connect", "facebook", "--live-video", "9911", "--token", TOKEN, "--show", show, "--graph-url", graph.url],
        )
    finally:
        graph.close()
    assert result.exit_code == 1, result.output
    assert "Error validating access token" in result.output and TOKEN not in result.output
    with Session(create_engine(cli_db)) as db:
        stored = db.scalar(select(func.count()).select_from(LiveEvent).where(LiveEvent.show_id == show))
    assert stored == 20
