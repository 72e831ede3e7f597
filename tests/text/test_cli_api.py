"""`livecrew triage`, `livecrew scan`, `livecrew eval` and the text API (single, batch, validation, auth)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from livecrew import cli
from support import Factory, bearer

runner = CliRunner(env={"COLUMNS": "300"})


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_triage_prints_one_json_object_per_line(tmp_path: Path) -> None:
    file = tmp_path / "comments.txt"
    file.write_text("尺碼怎麼選\n\n+1\n主播好會講\n", "utf-8")
    result = runner.invoke(cli.app, ["triage", str(file)])
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        {"line": 1, "label": "question", "topic": "size"},
        {"line": 3, "label": "purchase", "topic": None},
        {"line": 4, "label": "praise", "topic": None},
    ]
    assert result.stdout.splitlines()[0] == '{"line":1,"label":"question","topic":"size"}'


def test_scan_reads_stdin_and_prints_hits() -> None:
    result = runner.invoke(cli.app, ["scan", "--profile", "host", "-"], input="今天這款最*好\n最後一輪福利\n")
    assert result.exit_code == 0, result.output
    first, second = lines(result.stdout)
    assert first["line"] == 1 and second == {"line": 2, "hits": []}
    (hit,) = first["hits"]  # type: ignore[misc]
    assert {k: hit[k] for k in ("start", "end", "term", "category", "severity")} == {
        "start": 4,
        "end": 7,
        "term": "最好",
        "category": "absolute",
        "severity": "block",
    }
    audience = runner.invoke(cli.app, ["scan", "--profile", "audience", "--lang", "en", "-"], input="最好\n加 V 信\n")
    assert [len(x["hits"]) for x in lines(audience.stdout)] == [0, 1]  # type: ignore[arg-type]


def test_cli_errors_exit_2() -> None:
    missing = runner.invoke(cli.app, ["triage", "/no/such/file.txt"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    bad = runner.invoke(cli.app, ["scan", "--profile", "viewer", "-"], input="x\n")
    assert bad.exit_code == 2 and "use host or audience" in bad.output


def test_eval_prints_the_figures() -> None:
    root = Path(__file__).resolve().parents[2]
    result = runner.invoke(
        cli.app,
        [
            "eval",
            "--triage-set",
            str(root / "tests/data/triage.jsonl"),
            "--compliance-set",
            str(root / "tests/data/compliance.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "false positives on benign text" in result.stdout
    assert "question" in result.stdout and "diversion" in result.stdout


def test_api_single_batch_validation_and_auth(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "host"))
    auth = bearer(token)
    assert client.post("/api/v1/text/scan", json={"text": "最好"}).status_code == 401

    one = client.post("/api/v1/text/scan", json={"text": "今天這款最*好", "profile": "host"}, headers=auth)
    assert one.status_code == 200, one.text
    assert one.json()["hits"][0]["start"] == 4 and one.json()["hits"][0]["term"] == "最好"

    batch = client.post(
        "/api/v1/text/scan", json={"texts": ["最好", "加 V 信"], "profile": "audience", "lang": "en"}, headers=auth
    )
    assert [len(r["hits"]) for r in batch.json()["results"]] == [0, 1]
    assert batch.json()["results"][1]["hits"][0]["reason"].startswith("Taking buyers")

    tri = client.post("/api/v1/text/triage", json={"text": "尺碼怎麼選"}, headers=auth)
    assert tri.json()["label"] == "question" and tri.json()["topic"] == "size" and tri.json()["why"]
    many = client.post("/api/v1/text/triage", json={"texts": ["+1", "666"]}, headers=auth)
    assert [r["label"] for r in many.json()["results"]] == ["purchase", "praise"]

    both = client.post("/api/v1/text/triage", json={"text": "a", "texts": ["b"]}, headers=auth)
    assert both.status_code == 422 and "either" in both.text
    neither = client.post("/api/v1/text/scan", json={"profile": "host"}, headers=auth)
    assert neither.status_code == 422
    profile = client.post("/api/v1/text/scan", json={"text": "x", "profile": "viewer"}, headers=auth)
    assert profile.status_code == 422 and "host" in profile.text
    too_many = client.post("/api/v1/text/triage", json={"texts": ["x"] * 1001}, headers=auth)
    assert too_many.status_code == 422


def test_batch_commands_match_one_by_one_and_the_text_only_entry(tmp_path: Path) -> None:
    import subprocess
    import sys

    from livecrew.text import scan, triage

    texts = ["加我vx", "傻/逼主播", "最♥好", "電話 138 1234 5678 找我", "看 abc.com", "最最最好", "我妈妈的衣服",
             "用了立刻白三個度", "王*八*蛋", "", "不太好", "很好。", "+1", "hello", "v❤ 同號"]  # fmt: skip
    file = tmp_path / "mixed.txt"
    file.write_text("\n".join(texts) + "\n", "utf-8")
    for profile in ("host", "audience"):
        batch = lines(runner.invoke(cli.app, ["scan", "--profile", profile, str(file)]).stdout)
        one = [{"line": n, "hits": [h.to_dict() for h in scan(t, profile)]} for n, t in enumerate(texts, 1) if t]
        assert batch == one
    labels = lines(runner.invoke(cli.app, ["triage", str(file)]).stdout)
    assert labels == [
        {"line": n, "label": triage(t).label, "topic": triage(t).topic} for n, t in enumerate(texts, 1) if t
    ]
    alone = subprocess.run(
        [sys.executable, "-m", "livecrew.text.cli", "triage", str(file)], capture_output=True, check=True
    )
    assert lines(alone.stdout.decode()) == labels
