"""The lexicon page (/compliance/lexicon) and `livecrew lexicon ...`."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew import cli
from livecrew.text import lexicon
from support import Factory, csrf, login

runner = CliRunner(env={"COLUMNS": "300"})


def test_page_lists_filters_and_edits(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="lexpage@example.com", name="老闆")
    login(client, owner.email)
    page = client.get("/compliance/lexicon")
    assert page.status_code == 200 and 'id="lexicon-terms"' in page.text and 'id="add-form"' in page.text
    assert 'href="/compliance/lexicon"' in page.text and "版本 0" in page.text
    assert "lexicon-read-only" not in page.text
    assert "第 1 / " in page.text and "?page=2" in page.text

    token = csrf(client)
    added = client.post(
        "/compliance/lexicon/add",
        data={
            "csrf_token": token,
            "term": "神器",
            "category": "absolute",
            "severity": "block",
            "profiles": ["host", "audience"],
            "languages": ["zh-Hant"],
            "reason": "說具體好處",
            "note": "平台警告",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"] == "/compliance/lexicon?ok=lexicon_added"
    change = lexicon.history(db, ws)[0].change
    assert (change.profiles, change.languages, change.actor_id) == (["host", "audience"], ["zh-Hant"], owner.id)

    shown = client.get("/compliance/lexicon?ok=lexicon_added&source=workspace")
    assert "已新增用語。" in shown.text and "神器" in shown.text and "說具體好處" in shown.text
    assert "新增「神器」" in shown.text and "老闆" in shown.text and "平台警告" in shown.text

    # A bad change: the error in the reader's language, the form kept, nothing saved.
    again = client.post(
        "/compliance/lexicon/add",
        data={"csrf_token": token, "term": "神 器", "category": "price", "reason": "留著"},
    )
    assert again.status_code == 409 and "「神 器」已在詞庫中。" in again.text and "留著" in again.text
    missing = client.post("/compliance/lexicon/remove", data={"csrf_token": token, "term": "沒有這個詞"})
    assert missing.status_code == 404 and "詞庫中沒有「沒有這個詞」。" in missing.text
    assert lexicon.current_version(db, ws) == 1

    for path, data, ok in [
        ("allow", {"term": "神器級"}, "lexicon_allowed"),
        ("remove", {"term": "國家級"}, "lexicon_removed"),
        ("unallow", {"term": "神器級"}, "lexicon_unallowed"),
        ("revert", {"version": "1"}, "lexicon_reverted"),
    ]:
        done = client.post(f"/compliance/lexicon/{path}", data={"csrf_token": token, **data}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith(ok), (path, done.text)
    history = client.get("/compliance/lexicon").text
    assert "還原到版本 1" in history and "取消允許「神器級」" in history and "版本 5" in history
    assert history.count("/compliance/lexicon/revert") >= 4

    filtered = client.get("/compliance/lexicon", params={"kind": "allow", "q": "最後"}).text
    terms = filtered.split('id="lexicon-terms"')[1].split("</table>")[0]
    assert "最後一輪" in terms and "國家級" not in terms and 'data-kind="term"' not in terms
    assert client.post("/compliance/lexicon/allow", data={"term": "x"}).status_code == 403  # no CSRF token

    english = client.get("/compliance/lexicon", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_page_is_read_only_without_compliance_edit(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    host = factory.user(ws, "host", email="lexhost@example.com")
    login(client, host.email)
    page = client.get("/compliance/lexicon?allow=最好看")
    assert page.status_code == 200 and "lexicon-read-only" in page.text
    assert 'id="add-form"' not in page.text and "/compliance/lexicon/revert" not in page.text
    refused = client.post("/compliance/lexicon/allow", data={"csrf_token": csrf(client), "term": "最好看"})
    assert refused.status_code == 403


def test_allow_prefill_from_the_compliance_page(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    login(client, factory.user(ws, "controller", email="lexctl@example.com").email)
    page = client.get("/compliance/lexicon", params={"allow": "最好看"})
    assert 'value="最好看"' in page.text


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_cli_lexicon(factory: Factory, db_url: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("LIVECREW_DATABASE_URL", db_url)
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    ws = runner.invoke(cli.app, ["workspace", "create", "詞庫直播間"]).output.strip()
    who = ["--email", "lexcli@example.com", "--name", "小明", "--role", "owner", "--password", "correct horse battery"]
    user = runner.invoke(cli.app, ["user", "create", "--workspace", ws, *who])
    assert user.exit_code == 0, user.output

    def run(*args: str) -> Any:
        return runner.invoke(cli.app, ["lexicon", *args, "--workspace", ws])

    added = runner.invoke(
        cli.app,
        [
            "lexicon",
            "add",
            "神器",
            "--workspace",
            ws,
            "--category",
            "absolute",
            "--severity",
            "block",
            "--reason",
            "說具體好處",
            "--by",
            "lexcli@example.com",
            "--note",
            "新規",
        ],
    )
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "version 1: add 神器"
    assert run("allow", "神器級").output.strip() == "version 2: allow 神器級"
    assert run("remove", "國家级").output.strip() == "version 3: remove 國家級"  # found by its scan key
    assert run("unallow", "神器級").exit_code == 0
    assert run("revert", "1").output.strip() == "version 5: revert 1"

    duplicate = run("add", "神器", "--category", "absolute")
    assert duplicate.exit_code == 1 and "already in the lexicon" in duplicate.output
    missing = run("remove", "沒有這個詞")
    assert missing.exit_code == 1 and "not in the lexicon" in missing.output
    bad = run("add", "新詞", "--category", "nope")
    assert bad.exit_code == 1 and "category must be one of" in bad.output

    history = run("history")
    assert history.exit_code == 0 and "→ v1" in history.output and "小明" in history.output
    listed = runner.invoke(cli.app, ["lexicon", "list", "--workspace", ws, "--source", "workspace", "--json"])
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.stdout)
    assert body["version"] == 5 and [i["term"] for i in body["items"]] == ["神器"]
    table = run("list", "--search", "神器")
    assert table.exit_code == 0 and "神器" in table.output and "workspace v1" in table.output

    scanned = runner.invoke(cli.app, ["scan", "--workspace", ws, "-"], input="爆款神器\n")
    assert scanned.exit_code == 0 and '"term":"神器"' in scanned.stdout
    shipped = runner.invoke(cli.app, ["scan", "-"], input="爆款神器\n")
    assert json.loads(_lines(shipped.stdout)[0])["hits"] == []
