"""A workspace's editable lexicon: changes folded in version order, validation, the cache, every scan path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from livecrew.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from livecrew.live.models import Alert
from livecrew.shows import service as shows
from livecrew.shows.models import ShowStatus
from livecrew.text import lexicon
from livecrew.text.compliance import default_lexicon
from livecrew.text.models import LexiconChange
from support import Factory, bearer

T0 = 1_781_245_800_000


def terms(db: Session, ws: Workspace, text: str, profile: str = "host") -> list[str]:
    return [h.term for h in lexicon.lexicon_for(db, ws.id).scan(text, profile)]


def test_changes_fold_in_order_and_revert_adds_a_version(db: Session, factory: Factory) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "owner")
    assert lexicon.lexicon_for(db, ws.id) is default_lexicon()  # no changes: the shipped lexicon, no compile
    assert terms(db, ws, "這款是爆款神器") == []

    added = lexicon.add_term(
        db, ws, term="神器", category="absolute", severity="block", reason="說具體好處", note="平台警告", actor=user
    )
    db.commit()
    assert added.version == 1 and added.profiles == ["host"] and added.languages == ["zh-Hant", "zh-Hans"]
    (hit,) = lexicon.lexicon_for(db, ws.id).scan("這款是爆款神器", "host")
    assert (hit.term, hit.category, hit.severity, hit.reason) == ("神器", "absolute", "block", "說具體好處")
    assert terms(db, ws, "神 器", "audience") == []  # host profile only

    lexicon.allow_word(db, ws, "最好看", actor=user)  # v2: a false positive of 最好
    lexicon.remove_term(db, ws, "國家級", actor=user)  # v3: a shipped term
    db.commit()
    assert terms(db, ws, "這件最好看") == [] and terms(db, ws, "國家級品質") == []
    assert terms(db, ws, "這件最好") == ["最好"]  # the allow-word covers 最好看 only

    lexicon.revert(db, ws, 1, note="太寬了", actor=user)  # v4: back to the lexicon of v1
    db.commit()
    assert terms(db, ws, "這件最好看") == ["最好"] and terms(db, ws, "國家級品質") == ["國家級"]
    assert terms(db, ws, "爆款神器") == ["神器"]
    lexicon.revert(db, ws, 3)  # v5: forward again, to v3
    lexicon.revert(db, ws, 0)  # v6: the shipped lexicon
    db.commit()
    assert terms(db, ws, "爆款神器") == []
    history = lexicon.history(db, ws)
    assert [(h.change.version, h.change.action) for h in history] == [
        (6, "revert"),
        (5, "revert"),
        (4, "revert"),
        (3, "remove"),
        (2, "allow"),
        (1, "add"),
    ]
    assert history[2].actor_name == user.display_name and history[2].change.note == "太寬了"
    assert history[1].actor_name is None
    upto_3 = [h.change for h in reversed(history) if h.change.version <= 3]
    assert lexicon.fold(upto_3).removed.keys() == {"国家级"} and lexicon.fold([]).version == 0


def test_workspaces_do_not_share_changes(db: Session, factory: Factory) -> None:
    mine, theirs = factory.workspace("甲"), factory.workspace("乙")
    lexicon.add_term(db, mine, term="神器", category="absolute")
    db.commit()
    assert terms(db, mine, "神器") == ["神器"] and terms(db, theirs, "神器") == []
    assert lexicon.list_items(db, theirs, source="workspace").total == 0


def test_unallow_and_remove_of_added_things(db: Session, factory: Factory) -> None:
    ws = factory.workspace()
    lexicon.unallow_word(db, ws, "最後")  # v1: a shipped allow-word
    lexicon.add_term(db, ws, term="團購群", category="diversion")  # v2: no reason given
    lexicon.allow_word(db, ws, "團購群組")  # v3
    db.commit()
    allows = {i.term for i in lexicon.list_items(db, ws, kind="allow", per_page=200).items}
    assert "最後" not in allows and "團購群組" in allows
    (hit,) = lexicon.lexicon_for(db, ws.id).scan("快加团购群", "audience")
    assert hit.term == "團購群" and hit.reason == lexicon.DEFAULT_REASONS["zh-Hant"]["diversion"]
    assert terms(db, ws, "團購群組", "audience") == []
    lexicon.unallow_word(db, ws, "团购群组")  # v4: the Simplified spelling names the same word
    db.commit()
    assert terms(db, ws, "團購群組", "audience") == ["團購群"]
    lexicon.remove_term(db, ws, "团购群")  # v5
    lexicon.allow_word(db, ws, "最後")  # v6: the shipped allow-word is back
    db.commit()
    assert terms(db, ws, "快加團購群", "audience") == []
    state = lexicon.state_of(db, ws)
    assert state.version == 6 and not state.added and not state.unallowed and not state.allowed


@pytest.mark.parametrize(
    ("call", "error", "key"),
    [
        (lambda db, ws: lexicon.add_term(db, ws, term="  ", category="absolute"), ValidationFailed, "empty"),
        (lambda db, ws: lexicon.add_term(db, ws, term="***", category="absolute"), ValidationFailed, "empty"),
        (lambda db, ws: lexicon.add_term(db, ws, term="長" * 41, category="absolute"), ValidationFailed, "too_long"),
        (lambda db, ws: lexicon.add_term(db, ws, term="神器", category="magic"), ValidationFailed, "choice"),
        (
            lambda db, ws: lexicon.add_term(db, ws, term="神器", category="absolute", severity="x"),
            ValidationFailed,
            "choice",
        ),
        (
            lambda db, ws: lexicon.add_term(db, ws, term="神器", category="absolute", profiles=["viewer"]),
            ValidationFailed,
            "choice",
        ),
        (
            lambda db, ws: lexicon.add_term(db, ws, term="神器", category="absolute", languages=["fr"]),
            ValidationFailed,
            "choice",
        ),
        (
            lambda db, ws: lexicon.add_term(db, ws, term="神器", category="absolute", reason="x" * 501),
            ValidationFailed,
            "too_long",
        ),
        (lambda db, ws: lexicon.add_term(db, ws, term="最 好", category="absolute"), Conflict, "duplicate"),
        (lambda db, ws: lexicon.add_term(db, ws, term="最后", category="price"), Conflict, "is_allowed"),
        (lambda db, ws: lexicon.remove_term(db, ws, "不存在的詞"), NotFound, "not_found"),
        (lambda db, ws: lexicon.allow_word(db, ws, "最近"), Conflict, "allow_duplicate"),
        (lambda db, ws: lexicon.unallow_word(db, ws, "神器"), NotFound, "allow_not_found"),
        (lambda db, ws: lexicon.revert(db, ws, 5), NotFound, "no_version"),
        (lambda db, ws: lexicon.revert(db, ws, 0), Conflict, "revert_current"),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_saved(
    db: Session, factory: Factory, call: Any, error: type[DomainError], key: str
) -> None:
    ws = factory.workspace()
    with pytest.raises(error) as raised:
        call(db, ws)
    assert raised.value.key == f"err.lexicon_{key}" and raised.value.message
    db.rollback()
    assert db.scalar(select(func.count()).select_from(LexiconChange)) == 0


def test_duplicate_of_an_added_term_and_remove_twice(db: Session, factory: Factory) -> None:
    ws = factory.workspace()
    lexicon.add_term(db, ws, term="神器", category="absolute")
    with pytest.raises(Conflict) as dup:
        lexicon.add_term(db, ws, term="神 器", category="price")
    assert dup.value.params == {"term": "神 器", "source": "workspace"}
    lexicon.remove_term(db, ws, "國家級")
    with pytest.raises(NotFound):
        lexicon.remove_term(db, ws, "国家级")  # Simplified spelling of the same, already removed term
    lexicon.add_term(db, ws, term="國家級", category="absolute", severity="warn")  # back, as the team's own
    db.commit()
    (hit,) = lexicon.lexicon_for(db, ws.id).scan("國家級品質")
    assert hit.severity == "warn"


def test_compiled_once_per_version(db: Session, factory: Factory) -> None:
    ws = factory.workspace()
    lexicon.add_term(db, ws, term="神器", category="absolute")
    db.commit()
    first = lexicon.lexicon_for(db, ws.id)
    assert lexicon.lexicon_for(db, ws.id) is first
    lexicon.allow_word(db, ws, "神器級")
    db.commit()
    second = lexicon.lexicon_for(db, ws.id)
    assert second is not first and lexicon.lexicon_for(db, ws.id) is second


def test_list_items_filters_and_pages(db: Session, factory: Factory) -> None:
    ws = factory.workspace()
    lexicon.add_term(db, ws, term="神器", category="absolute", severity="info")
    lexicon.add_term(db, ws, term="團購群", category="diversion")
    lexicon.remove_term(db, ws, "最好")
    db.commit()
    everything = lexicon.list_items(db, ws, per_page=1000)
    assert everything.version == 3 and everything.per_page == lexicon.MAX_PER_PAGE
    assert [i.term for i in lexicon.list_items(db, ws, per_page=2).items] == ["神器", "團購群"]  # the team's first
    assert "最好" not in {i.term for i in lexicon.list_items(db, ws, q="最好").items}
    mine = lexicon.list_items(db, ws, source="workspace")
    assert [(i.term, i.version) for i in mine.items] == [("神器", 1), ("團購群", 2)]
    assert [i.term for i in lexicon.list_items(db, ws, source="workspace", profile="audience").items] == ["團購群"]
    allows = lexicon.list_items(db, ws, kind="allow", q="最後")
    assert allows.total >= 2 and all("最後" in i.term for i in allows.items)
    assert {i.kind for i in lexicon.list_items(db, ws, kind="pattern").items} == {"pattern"}
    simplified = lexicon.list_items(db, ws, q="国家级")  # found through the scan key
    assert [i.term for i in simplified.items] == ["國家級"]
    paged = lexicon.list_items(db, ws, category="absolute", page=2, per_page=3)
    assert paged.total > 3 and len(paged.items) == 3 and paged.page == 2
    with pytest.raises(ValidationFailed) as bad:
        lexicon.list_items(db, ws, category="nope")
    assert bad.value.params["field"] == "category"


# ------------------------------------------------------------------ every scan path


@pytest.fixture
def live(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="lexowner@example.com")
    show = shows.create_show(db, clock, ws, title="詞庫測試", starts_at=clock.now() + timedelta(minutes=5), minutes=60)
    show.status = ShowStatus.live.value
    db.commit()
    return {"ws": ws, "owner": owner, "token": factory.token(owner), "show": show}


def _post(client: TestClient, live: dict[str, Any], events: list[dict[str, Any]]) -> Any:
    response = client.post(
        f"/api/v1/shows/{live['show'].id}/events",
        content=b"\n".join(orjson.dumps(e) for e in events),
        headers={**bearer(live["token"]), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    return response


def _alerts(db: Session, rule: str) -> list[Alert]:
    stmt = select(Alert).where(Alert.rule == rule).execution_options(populate_existing=True)
    return list(db.scalars(stmt).all())


def test_speech_and_comments_use_the_workspace_lexicon(client: TestClient, live: dict[str, Any], db: Session) -> None:
    auth = bearer(live["token"])
    _post(client, live, [{"id": "s1", "type": "speech", "ts": T0, "text": "這款是爆款神器"}])
    assert _alerts(db, "speech_compliance") == []

    added = client.post(
        "/api/v1/text/lexicon/add", json={"term": "神器", "category": "absolute", "severity": "block"}, headers=auth
    )
    assert added.status_code == 201, added.text
    _post(client, live, [{"id": "s2", "type": "speech", "ts": T0 + 1, "text": "這款是爆款神器"}])
    (alert,) = _alerts(db, "speech_compliance")
    assert alert.params["terms"] == "神器"

    # A diversion word of the team's: alert, and the comment shows as spam in the feed (hits passed along).
    assert client.post("/api/v1/text/lexicon/add", json={"term": "團購群", "category": "diversion"}, headers=auth)
    _post(client, live, [{"id": "c1", "type": "comment", "ts": T0 + 2, "user": "u1", "text": "要的來團購群"}])
    (comment_alert,) = _alerts(db, "comment_compliance")
    assert "團購群" in comment_alert.params["terms"]
    from livecrew.text.room import room_of

    assert room_of(live["show"].id).hits == {}  # labelled after the commit, from the listener's hits
    from livecrew.live.pages import _recent_comments

    (labelled,) = _recent_comments(db, live["show"].id)
    assert labelled["label"] == "spam" and labelled["hits"][0]["term"] == "團購群"

    # Allow a word: no longer flagged.
    client.post("/api/v1/text/lexicon/allow", json={"term": "神器級"}, headers=auth)
    for alert in _alerts(db, "speech_compliance"):
        alert.acknowledged_at = alert.raised_at
    db.commit()
    _post(client, live, [{"id": "s3", "type": "speech", "ts": T0 + 3, "text": "神器級的保溫"}])
    assert all(a.acknowledged_at is not None for a in _alerts(db, "speech_compliance"))

    # Remove a shipped term: no longer flagged; the API scan agrees.
    scan = client.post("/api/v1/text/scan", json={"text": "國家級品質"}, headers=auth)
    assert [h["term"] for h in scan.json()["hits"]] == ["國家級"]
    assert client.post("/api/v1/text/lexicon/remove", json={"term": "國家級"}, headers=auth).status_code == 201
    assert client.post("/api/v1/text/scan", json={"text": "國家級品質"}, headers=auth).json()["hits"] == []
    _post(client, live, [{"id": "s4", "type": "speech", "ts": T0 + 4, "text": "國家級品質"}])
    assert all(a.acknowledged_at is not None for a in _alerts(db, "speech_compliance"))


def test_gate_and_compliance_page_follow_the_lexicon(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    from support import login

    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="lexgate@example.com")
    show = shows.create_show(db, clock, ws, title="腳本", starts_at=clock.now() + timedelta(days=1), minutes=60)
    db.commit()
    factory.lineup(show.id, factory.product(ws, "G-1", title="爆款神器保溫杯", selling_points=["國家級品質"]))

    def problems() -> list[str]:
        found = [p for p in shows.gate_problems(db, show, ShowStatus.live.value) if p.check == "script_compliant"]
        return sorted(p.params["term"] for p in found)

    assert problems() == ["國家級"]
    lexicon.add_term(db, ws, term="神器", category="absolute", severity="block")
    db.commit()
    assert problems() == ["國家級", "神器"]
    lexicon.remove_term(db, ws, "國家級")
    lexicon.allow_word(db, ws, "爆款神器")
    db.commit()
    assert problems() == []
    lexicon.revert(db, ws, 1)
    db.commit()
    assert problems() == ["國家級", "神器"]
    login(client, owner.email)
    page = client.get(f"/shows/{show.id}/compliance")
    assert page.status_code == 200 and '<mark class="hit"' in page.text and "神器" in page.text
    assert "/compliance/lexicon?allow=" in page.text  # the fix for a false positive


# ------------------------------------------------------------------ API: errors and permissions


def test_api_lexicon_listing_history_errors_and_permissions(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    editor = bearer(factory.token(factory.user(ws, "controller", name="場控小美")))
    host = bearer(factory.token(factory.user(ws, "host")))
    assert client.get("/api/v1/text/lexicon").status_code == 401

    first = client.get("/api/v1/text/lexicon", params={"per_page": 5}, headers=host)
    assert first.status_code == 200 and first.json()["version"] == 0 and len(first.json()["items"]) == 5
    assert first.json()["total"] > 100

    refused = client.post("/api/v1/text/lexicon/add", json={"term": "神器", "category": "absolute"}, headers=host)
    assert refused.status_code == 403 and "compliance.edit" in refused.json()["message"]
    assert client.post("/api/v1/text/lexicon/revert", json={"version": 0}, headers=host).status_code == 403

    added = client.post(
        "/api/v1/text/lexicon/add",
        json={"term": "神器", "category": "absolute", "severity": "block", "reason": "說具體好處", "note": "新規"},
        headers=editor,
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["version"] == 1 and body["action"] == "add" and body["actor_name"] == "場控小美"
    assert body["profiles"] == ["host"] and body["note"] == "新規"

    for path, payload, status, fragment in [
        ("add", {"term": "神器", "category": "absolute"}, 409, "already in the lexicon"),
        ("add", {"term": "", "category": "absolute"}, 422, "empty"),
        ("add", {"term": "長" * 41, "category": "absolute"}, 422, "longer than 40"),
        ("add", {"term": "新詞", "category": "nope"}, 422, "category must be one of"),
        ("add", {"term": "新詞", "category": "price", "severity": "high"}, 422, "severity must be one of"),
        ("add", {"term": "新詞", "category": "price", "profiles": ["viewer"]}, 422, "profile must be one of"),
        ("add", {"term": "新詞", "category": "price", "extra": 1}, 422, "extra"),
        ("remove", {"term": "沒有這個詞"}, 404, "not in the lexicon"),
        ("allow", {"term": "最近"}, 409, "already an allow-word"),
        ("unallow", {"term": "神器"}, 404, "not an allow-word"),
        ("revert", {"version": 9}, 404, "no version 9"),
        ("revert", {"version": 1}, 409, "already at version 1"),
        ("revert", {"version": -1}, 422, ""),
    ]:
        response = client.post(f"/api/v1/text/lexicon/{path}", json=payload, headers=editor)
        assert response.status_code == status, (path, payload, response.text)
        assert fragment in response.text, (path, response.text)

    assert client.post("/api/v1/text/lexicon/allow", json={"term": "神器級"}, headers=editor).status_code == 201
    assert client.post("/api/v1/text/lexicon/remove", json={"term": "國家級"}, headers=editor).status_code == 201
    reverted = client.post("/api/v1/text/lexicon/revert", json={"version": 1, "note": "太寬"}, headers=editor)
    assert reverted.status_code == 201 and reverted.json()["target_version"] == 1

    history = client.get("/api/v1/text/lexicon/history", headers=host).json()
    assert history["version"] == 4
    assert [(h["version"], h["action"]) for h in history["items"]] == [
        (4, "revert"),
        (3, "remove"),
        (2, "allow"),
        (1, "add"),
    ]
    older = client.get("/api/v1/text/lexicon/history", params={"before": 3, "limit": 1}, headers=host).json()
    assert [h["version"] for h in older["items"]] == [2]

    mine = client.get("/api/v1/text/lexicon", params={"source": "workspace"}, headers=host).json()
    assert [(i["term"], i["kind"], i["version"]) for i in mine["items"]] == [("神器", "term", 1)]
    found = client.get(
        "/api/v1/text/lexicon", params={"q": "國家", "category": "absolute", "profile": "host"}, headers=host
    )
    assert "國家級" in [i["term"] for i in found.json()["items"]]  # back after the revert
    bad = client.get("/api/v1/text/lexicon", params={"category": "nope"}, headers=host)
    assert bad.status_code == 422 and "category" in bad.text
    assert client.get("/api/v1/text/lexicon", params={"kind": "nope"}, headers=host).status_code == 422

    # Another workspace sees none of it.
    other = bearer(factory.token(factory.user(factory.workspace("別家"), "owner")))
    assert client.get("/api/v1/text/lexicon/history", headers=other).json() == {"version": 0, "items": []}
    assert client.post("/api/v1/text/scan", json={"text": "爆款神器"}, headers=other).json()["hits"] == []
    assert client.post("/api/v1/text/scan", json={"text": "爆款神器"}, headers=host).json()["hits"]


def test_openapi_lists_the_lexicon_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("lexicon", "lexicon/history", "lexicon/add", "lexicon/remove", "lexicon/allow", "lexicon/revert"):
        assert f"/api/v1/text/{path}" in paths, path
