"""An allow-word of one term: it keeps that term quiet and no other, through the service, the API, the CLI and
the console page; and the migration that stores which term it belongs to."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew import cli
from livecrew.core.errors import Conflict, NotFound
from livecrew.text import lexicon
from support import Factory, bearer, csrf, login

runner = CliRunner()


def terms(db: Session, ws: Any, text: str) -> list[str]:
    return [h.term for h in lexicon.lexicon_for(db, ws.id).scan(text, "host")]


def test_an_allow_word_of_one_term_protects_that_term_only(db: Session, factory: Factory) -> None:
    ws = factory.workspace()
    lexicon.add_term(db, ws, term="神器", category="absolute")
    lexicon.add_term(db, ws, term="級神", category="absolute")
    db.commit()
    assert terms(db, ws, "神器級神") == ["神器", "級神"]
    change = lexicon.allow_word(db, ws, "神器級神", applies_to="神器")
    db.commit()
    assert change.applies_to == "神器" and change.version == 3
    assert terms(db, ws, "神器級神") == ["級神"]  # 神器 is quiet, 級神 is not
    assert terms(db, ws, "神器") == ["神器"]
    # a shipped term too: 最好 quiet inside 最好看, other absolute terms inside it are not affected
    lexicon.allow_word(db, ws, "最好看", applies_to="最好")
    db.commit()
    assert terms(db, ws, "這件最好看") == [] and terms(db, ws, "這件最好") == ["最好"]
    rows = [i for i in lexicon.items(lexicon.state_of(db, ws)) if i.applies_to]
    assert {(i.term, i.applies_to) for i in rows} == {("神器級神", "神器"), ("最好看", "最好")}
    with pytest.raises(Conflict):
        lexicon.allow_word(db, ws, "神器級神", applies_to="神器")
    with pytest.raises(NotFound):
        lexicon.allow_word(db, ws, "好東西", applies_to="沒有這個詞")
    with pytest.raises(NotFound):
        lexicon.unallow_word(db, ws, "神器級神", applies_to="級神")
    lexicon.unallow_word(db, ws, "神器級神", applies_to="神器")
    db.commit()
    assert terms(db, ws, "神器級神") == ["神器", "級神"]
    lexicon.revert(db, ws, 3)  # the state after v3: the allow-word of 神器 is back, 最好看 is not
    db.commit()
    assert terms(db, ws, "神器級神") == ["級神"] and terms(db, ws, "這件最好看") == ["最好"]


def test_api_allow_for_one_term(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    editor = bearer(factory.token(factory.user(ws, "controller")))
    done = client.post("/api/v1/text/lexicon/allow", json={"term": "最好看", "applies_to": "最好"}, headers=editor)
    assert done.status_code == 201, done.text
    assert done.json()["applies_to"] == "最好" and done.json()["term"] == "最好看"
    listed = client.get("/api/v1/text/lexicon", params={"kind": "allow", "source": "workspace"}, headers=editor)
    assert [(i["term"], i["applies_to"]) for i in listed.json()["items"]] == [("最好看", "最好")]
    missing = client.post("/api/v1/text/lexicon/allow", json={"term": "x好", "applies_to": "不存在"}, headers=editor)
    assert missing.status_code == 404 and "not in the lexicon" in missing.json()["message"]
    gone = client.post("/api/v1/text/lexicon/unallow", json={"term": "最好看", "applies_to": "最好"}, headers=editor)
    assert gone.status_code == 201 and gone.json()["applies_to"] == "最好"


def test_page_allow_for_one_term(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    login(client, factory.user(ws, "owner", email="lexfor@example.com").email)
    page = client.get("/compliance/lexicon")
    assert 'name="applies_to"' in page.text
    done = client.post(
        "/compliance/lexicon/allow", data={"csrf_token": csrf(client), "term": "最好看", "applies_to": "最好"}
    )
    assert done.status_code in (200, 303), done.text
    listed = client.get("/compliance/lexicon", params={"kind": "allow", "source": "workspace"})
    assert "最好看" in listed.text and 'name="applies_to" value="最好"' in listed.text


def test_cli_allow_for_one_term(factory: Factory, db_url: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("LIVECREW_DATABASE_URL", db_url)
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    ws = runner.invoke(cli.app, ["workspace", "create", "允許詞直播間"]).output.strip()
    done = runner.invoke(cli.app, ["lexicon", "allow", "最好看", "--workspace", ws, "--for", "最好"])
    assert done.exit_code == 0 and "(for 最好)" in done.output, done.output
    missing = runner.invoke(cli.app, ["lexicon", "allow", "好好看", "--workspace", ws, "--for", "不存在的詞"])
    assert missing.exit_code != 0
    gone = runner.invoke(cli.app, ["lexicon", "unallow", "最好看", "--workspace", ws, "--for", "最好"])
    assert gone.exit_code == 0, gone.output
