"""Built-in content reads in the reader's language; a team's own edits stay as typed."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core import shipped
from livecrew.core.auth import service as auth
from livecrew.team.models import Duty, KpiDefinition
from support import Factory, bearer, login

SRC = Path(__file__).resolve().parents[2] / "src" / "livecrew"
DATA_FILES = [
    SRC / "team" / "data" / "roles.json",
    SRC / "team" / "data" / "kpis.json",
    SRC / "shows" / "data" / "templates.json",
]


def _roles() -> dict[str, dict[str, str]]:
    roles = json.loads((SRC / "team" / "data" / "roles.json").read_text(encoding="utf-8"))["roles"]
    return {d["key"]: d["title"] for r in roles for d in r["duties"]}


def test_translate_swaps_shipped_text_only_and_walks_json() -> None:
    index = shipped.index_of({"a": {"zh-Hant": "開場", "zh-Hans": "开场", "en": "Opening"}, "kind": "x"})
    assert shipped.translate("開場", index, "en") == "Opening"
    assert shipped.translate("开场", index, "zh-Hant") == "開場"
    assert shipped.translate("我們自己的開場", index, "en") == "我們自己的開場"
    seg = {"key": "開場", "title": "開場", "talking_points": ["開場", "自己寫的"]}
    out = shipped.translate(seg, index, "en")
    assert out == {"key": "開場", "title": "Opening", "talking_points": ["Opening", "自己寫的"]}  # codes untouched
    same = {"title": "自己寫的"}
    assert shipped.translate(same, index, "en") is same  # nothing to swap: the very object, not a copy


# Two short English segment titles stand for differently worded Chinese ones; an English workspace's copy of them
# reads as the first template's Chinese, which says the same thing.
KNOWN_EN_CLASHES = {"Profit item 1", "Profit item 2 with a threshold coupon"}


def _clashes(data: object) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    seen: dict[str, dict[str, str]] = {}
    clashes: list[tuple[str, dict[str, str], dict[str, str]]] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if shipped.is_texts(node):
            assert isinstance(node, dict)
            for text in node.values():
                if text in seen and seen[text] != node and text not in KNOWN_EN_CLASHES:
                    clashes.append((text, seen[text], node))
                seen.setdefault(text, node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return clashes


def test_no_shipped_text_is_ambiguous() -> None:
    """A Chinese variant never stands for two different texts: unedited text maps back one way."""
    for path in DATA_FILES:
        clashes = _clashes(json.loads(path.read_text(encoding="utf-8")))
        assert not clashes, (path.name, clashes[:3])


def test_duties_kpis_read_in_the_readers_language_until_edited(
    client: TestClient, factory: Factory, db: Session
) -> None:
    ws = factory.workspace()  # made in Traditional Chinese
    owner = factory.user(ws, "owner")
    token = factory.token(owner)
    titles = _roles()
    stored = db.scalars(select(Duty).where(Duty.workspace_id == ws.id)).all()
    key = stored[0].key
    assert stored[0].title == titles[key]["zh-Hant"]  # one copy, in the workspace's language

    for lang in ("zh-Hans", "en", "zh-Hant"):
        duties = client.get(f"/api/v1/team/duties?lang={lang}", headers=bearer(token)).json()
        assert {d["key"]: d["title"] for d in duties}[key] == titles[key][lang]
    by_header = client.get("/api/v1/team/duties", headers={**bearer(token), "Accept-Language": "en-GB,en;q=0.9"})
    assert {d["key"]: d["title"] for d in by_header.json()}[key] == titles[key]["en"]

    # Edited: the team's words, in every language.
    r = client.patch(f"/api/v1/team/duties/{key}", json={"title": "我們自己的說法"}, headers=bearer(token))
    assert r.status_code == 200
    for lang in ("zh-Hans", "en"):
        duties = client.get(f"/api/v1/team/duties?lang={lang}", headers=bearer(token)).json()
        assert {d["key"]: d["title"] for d in duties}[key] == "我們自己的說法"
    other = stored[1].key
    assert {d["key"]: d["title"] for d in duties}[other] == titles[other]["en"]  # the rest still follow

    # The console follows the person's own language, and a GET writes nothing back.
    auth.set_language(db, owner, "zh-Hans")
    db.commit()
    login(client, owner.email)
    page = client.get("/team/duties").text
    assert titles[other]["zh-Hans"] in page
    if titles[other]["zh-Hans"] != titles[other]["zh-Hant"]:
        assert titles[other]["zh-Hant"] not in page
    db.expire_all()
    assert (
        db.scalar(select(Duty.title).where(Duty.workspace_id == ws.id, Duty.key == other)) == titles[other]["zh-Hant"]
    )
    kpis = client.get("/team/kpis").text
    shipped_kpi = db.scalars(select(KpiDefinition).where(KpiDefinition.workspace_id == ws.id)).first()
    assert shipped_kpi is not None
    raw = json.loads((SRC / "team" / "data" / "kpis.json").read_text(encoding="utf-8"))
    names = {k["key"]: k["name"] for k in raw["kpis"]}
    if shipped_kpi.key in names:
        assert names[shipped_kpi.key]["zh-Hans"] in kpis


def test_templates_and_what_shows_copy_of_them_follow_the_reader(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    data = json.loads((SRC / "shows" / "data" / "templates.json").read_text(encoding="utf-8"))["templates"][0]
    tpl = client.get(f"/api/v1/show-templates/{data['key']}?lang=en", headers=bearer(token)).json()
    assert tpl["name"] == data["name"]["en"]
    assert tpl["segments"][0]["title"] == data["segments"][0]["title"]["en"]
    assert tpl["segments"][0]["talking_points"][0] == data["segments"][0]["talking_points"][0]["en"]
    assert tpl["checklist"][0]["title"] == data["checklist"][0]["title"]["en"]

    r = client.post(
        "/api/v1/shows?lang=zh-Hans",
        json={"template": data["key"], "starts_at": "2031-05-01T12:00:00Z", "title": "五一場"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    show_id = r.json()["id"]
    for lang in ("en", "zh-Hant", "zh-Hans"):
        show = client.get(f"/api/v1/shows/{show_id}?lang={lang}", headers=bearer(token)).json()
        assert show["segments"][0]["title"] == data["segments"][0]["title"][lang]
        assert show["checklist"][0]["title"] == data["checklist"][0]["title"][lang]
        assert show["segments"][0]["talking_points"][0] == data["segments"][0]["talking_points"][0][lang]
