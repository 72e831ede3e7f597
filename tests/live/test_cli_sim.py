"""`livecrew simulate`, `livecrew metrics` and `livecrew replay`; the simulator is seeded and valid."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from livecrew import cli
from livecrew.core.config import get_settings
from livecrew.live.engine import compute
from livecrew.live.events import parse_body
from livecrew.simulate import generate, parse_incident
from support import bearer

runner = CliRunner(env={"COLUMNS": "300"})


def test_simulator_is_seeded_valid_and_believable() -> None:
    a = list(generate(minutes=20, seed=5))
    assert a == list(generate(minutes=20, seed=5))
    assert a != list(generate(minutes=20, seed=6))
    assert [e["ts"] for e in a if e["type"] != "refund"] == sorted(e["ts"] for e in a if e["type"] != "refund")
    parsed = parse_body(b"\n".join(orjson.dumps(e) for e in a))
    assert parsed.rejected == []
    m = compute(parsed.events)["sim"]
    assert 0.005 <= m["conversion_rate"] <= 0.15
    assert 0.05 <= m["interaction_rate"] <= 0.6
    assert m["peak_online"] > 50 and m["comments"] > 100
    texts = " ".join(e["text"] for e in a if e["type"] == "comment")
    assert "尺碼" in texts or "多少" in texts  # questions
    assert "+1" in texts or "扣1" in texts  # purchases


def test_incidents() -> None:
    quiet = list(generate(minutes=10, seed=2, incidents=(parse_incident("silence@4+60"),)))
    start = quiet[0]["ts"]
    assert not [e for e in quiet if start + 240_000 <= e["ts"] < start + 300_000 and e["type"] != "refund"]
    storm = list(generate(minutes=10, seed=2, incidents=(parse_incident("storm@2+30"),)))
    assert sum(1 for e in storm if e["type"] == "comment" and e["text"] in ("假貨別買", "退錢！", "騙人的吧")) > 10
    with pytest.raises(ValueError, match="KIND@MINUTE"):
        parse_incident("meteor@3")


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    monkeypatch.setenv("LIVECREW_DATABASE_URL", db_url)
    monkeypatch.setenv("LIVECREW_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    yield db_url
    get_settings.cache_clear()


def test_simulate_metrics_replay_round_trip(cli_env: str, tmp_path: Path) -> None:
    out = tmp_path / "show.jsonl"
    made = runner.invoke(cli.app, ["simulate", "--minutes", "5", "--seed", "9", "--out", str(out)])
    assert made.exit_code == 0, made.output
    shown = runner.invoke(cli.app, ["metrics", str(out)])
    assert shown.exit_code == 0, shown.output
    from_cli = json.loads(shown.stdout)["sessions"]["sim"]

    ws = runner.invoke(cli.app, ["workspace", "create", "回放測試"]).stdout.strip()
    runner.invoke(
        cli.app,
        [
            "user",
            "create",
            "--workspace",
            ws,
            "--email",
            "a@example.com",
            "--password",
            "longenough1",
            "--role",
            "analyst",
        ],
    )
    show = runner.invoke(
        cli.app, ["show", "create", "--workspace", ws, "--title", "回放", "--start", "2026-06-12T20:00"]
    ).stdout.strip()
    replayed = runner.invoke(cli.app, ["replay", str(out), "--show", show])
    assert replayed.exit_code == 0, replayed.output
    assert "duplicates 0" in replayed.output
    again = runner.invoke(cli.app, ["replay", str(out), "--show", show])
    assert "accepted 0" in again.output
    token = runner.invoke(cli.app, ["token", "create", "--email", "a@example.com"]).stdout.strip()

    from livecrew.app import create_app
    from livecrew.core.config import Settings
    from livecrew.core.db import make_engine

    engine = make_engine(cli_env)
    try:
        with TestClient(create_app(Settings(database_url=cli_env, data_dir=tmp_path), engine=engine)) as client:
            live = client.get(f"/api/v1/shows/{show}/metrics", headers=bearer(token)).json()
    finally:
        engine.dispose()
    for key in ("pv", "uv", "gmv", "paid_orders", "watch_seconds", "minutes", "products"):
        assert live[key] == from_cli[key], key


def test_cli_errors(cli_env: str, tmp_path: Path) -> None:
    missing = runner.invoke(cli.app, ["metrics", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "type": "enter", "ts": 1, "session": "s", "user": "u"}\n{"id": "2", "type": "nope"}\n')
    shown = runner.invoke(cli.app, ["metrics", str(bad)])
    assert shown.exit_code == 0 and "line 2" in shown.output and "unknown type" in shown.output
    assert runner.invoke(cli.app, ["replay", str(bad), "--show", "nosuchshow"]).exit_code == 1
    assert runner.invoke(cli.app, ["simulate", "--incident", "meteor@3"]).exit_code != 0


def test_the_same_seed_gives_the_same_show_in_any_process() -> None:
    """Reproducible across processes: nothing in the simulator may depend on string hashing (PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, orjson; from livecrew.simulate import generate; "
        "sys.stdout.buffer.write(orjson.dumps(list(generate(minutes=4, seed=11, session='s'))))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, check=True
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
