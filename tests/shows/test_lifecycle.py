"""Shows: copying templates, the lifecycle, the go-live gate, roster and role-addressed checklists."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from livecrew.shows import service
from livecrew.shows.models import ShowTemplate
from support import Factory, bearer

TEMPLATE: dict[str, Any] = {
    "key": "daily",
    "name": "日常兩小時",
    "description": "",
    "duration_minutes": 120,
    "required_roles": ["host", "controller", "tech"],
    "default_targets": {"gmv": 5_000_000},
    "segments": [
        {"key": "warm", "title": "暖場", "kind": "warmup", "planned_minutes": 10, "cue_role": "host"},
        {
            "key": "p1",
            "title": "主推款",
            "kind": "product",
            "planned_minutes": 100,
            "product_slot": 1,
            "cue_role": "controller",
        },
        {"key": "bye", "title": "預告", "kind": "closing", "planned_minutes": 10},
    ],
    "checklist": [
        {"key": "lights", "role": "tech", "title": "燈光與收音", "due_minutes_before": 30},
        {"key": "coupons", "role": "controller", "title": "優惠券已上架", "due_minutes_before": 15},
    ],
}


def make_template(db: Session, clock: FakeClock, ws: Workspace) -> ShowTemplate:
    template = service.create_template(db, clock, ws, TEMPLATE)
    db.commit()
    return template


@pytest.fixture
def crew(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    ws = factory.workspace()
    make_template(db, clock, ws)
    people = {role: factory.user(ws, role, name=f"{role}-人") for role in ["owner", "host", "controller", "tech"]}
    tokens = {role: factory.token(user) for role, user in people.items()}
    return {"ws": ws, "people": people, "tokens": tokens, "factory": factory}


def _create(client: TestClient, token: str, **extra: Any) -> dict[str, Any]:
    body = {"title": "週五保養專場", "starts_at": "2026-06-12T20:00", "template": "daily", **extra}
    r = client.post("/api/v1/shows", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def test_show_copies_its_template(client: TestClient, crew: dict[str, Any], db: Session) -> None:
    show = _create(client, crew["tokens"]["owner"])
    assert show["planned_minutes"] == 120 and show["status"] == "planned"
    assert show["starts_at"].startswith("2026-06-12T12:00")  # 20:00 in Asia/Taipei
    assert [s["title"] for s in show["segments"]] == ["暖場", "主推款", "預告"]
    assert [i["key"] for i in show["checklist"]] == ["lights", "coupons"]
    template = service.get_template(db, crew["ws"], "daily")
    template.segments = [{"key": "x", "title": "改過了", "kind": "product", "planned_minutes": 120}]
    template.checklist = []
    db.commit()
    again = client.get(f"/api/v1/shows/{show['id']}", headers=bearer(crew["tokens"]["host"])).json()
    assert [s["title"] for s in again["segments"]] == ["暖場", "主推款", "預告"]
    assert len(again["checklist"]) == 2


def test_gate_lists_every_unmet_condition_then_lets_the_show_go_live(
    client: TestClient, crew: dict[str, Any], clock: FakeClock
) -> None:
    owner, people = crew["tokens"]["owner"], crew["people"]
    show = _create(client, owner)
    url = f"/api/v1/shows/{show['id']}"

    wrong = client.post(f"{url}/transitions", json={"to": "live"}, headers=bearer(owner))
    assert wrong.status_code == 409 and "can go to" in wrong.json()["message"]

    assert client.post(f"{url}/transitions", json={"to": "rehearsing"}, headers=bearer(owner)).status_code == 200
    refused = client.post(f"{url}/transitions", json={"to": "ready"}, headers=bearer(owner))
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "gate"
    assert sorted(p["params"]["role"] for p in body["details"] if p["check"] == "roles_staffed") == [
        "controller",
        "host",
        "tech",
    ]
    assert [p["check"] for p in body["details"] if p["check"].startswith("lineup")] == ["lineup_not_empty"]
    crew["factory"].lineup(show["id"], crew["factory"].product(crew["ws"]))

    for role in ["host", "controller", "tech"]:
        r = client.post(f"{url}/roster", json={"role": role, "user_id": people[role].id}, headers=bearer(owner))
        assert r.status_code == 201, r.text
    assert client.post(f"{url}/transitions", json={"to": "ready"}, headers=bearer(owner)).status_code == 200

    refused = client.post(f"{url}/transitions", json={"to": "live"}, headers=bearer(owner))
    assert refused.status_code == 409
    assert {p["params"]["title"] for p in refused.json()["details"]} == {"燈光與收音", "優惠券已上架"}

    detail = client.get(url, headers=bearer(owner)).json()
    items = {i["key"]: i for i in detail["checklist"]}
    assert items["lights"]["assignee_id"] == people["tech"].id
    assert detail["segments"][1]["assignee_id"] == people["controller"].id

    tech, controller = crew["tokens"]["tech"], crew["tokens"]["controller"]
    not_mine = client.patch(f"{url}/checklist/{items['coupons']['id']}", json={"status": "done"}, headers=bearer(tech))
    assert not_mine.status_code == 403
    no_reason = client.patch(
        f"{url}/checklist/{items['coupons']['id']}", json={"status": "skipped"}, headers=bearer(controller)
    )
    assert no_reason.status_code == 422 and "why" in no_reason.json()["message"]
    assert (
        client.patch(
            f"{url}/checklist/{items['lights']['id']}", json={"status": "done"}, headers=bearer(tech)
        ).status_code
        == 200
    )
    skipped = client.patch(
        f"{url}/checklist/{items['coupons']['id']}",
        json={"status": "skipped", "reason": "本場不發券"},
        headers=bearer(controller),
    )
    assert skipped.status_code == 200

    clock.advance(minutes=5)
    live = client.post(f"{url}/transitions", json={"to": "live"}, headers=bearer(controller))
    assert live.status_code == 200 and live.json()["status"] == "live"
    assert live.json()["gate"] == []
    assert client.post(f"{url}/transitions", json={"to": "ended"}, headers=bearer(owner)).status_code == 200
    # A show is reviewed once its review has an action or a "nothing to change" sign-off (the review's gate).
    signed = {"sign_off": True, "nothing_to_change": True}
    assert client.put(f"{url}/review/notes", json=signed, headers=bearer(owner)).status_code == 200
    assert client.post(f"{url}/transitions", json={"to": "reviewed"}, headers=bearer(owner)).status_code == 200
    history = client.get(url, headers=bearer(owner)).json()["transitions"]
    assert [h["to_status"] for h in history] == ["rehearsing", "ready", "live", "ended", "reviewed"]
    assert history[2]["by_user_id"] == people["controller"].id
    assert history[2]["at"] > history[1]["at"]


def test_host_cannot_move_the_show(client: TestClient, crew: dict[str, Any]) -> None:
    show = _create(client, crew["tokens"]["owner"])
    r = client.post(
        f"/api/v1/shows/{show['id']}/transitions", json={"to": "rehearsing"}, headers=bearer(crew["tokens"]["host"])
    )
    assert r.status_code == 403


def test_bad_input(client: TestClient, crew: dict[str, Any], factory: Factory) -> None:
    owner = crew["tokens"]["owner"]
    cases = [
        ({"title": "x", "starts_at": "tomorrow"}, 422, "ISO 8601"),
        ({"title": "x", "starts_at": "2026-06-12T20:00", "template": "nope"}, 404, "no show template"),
        ({"title": "x", "starts_at": "2026-06-12T20:00", "minutes": 0}, 422, "minutes"),
        ({"title": "   ", "starts_at": "2026-06-12T20:00"}, 422, "title"),
    ]
    for body, status, words in cases:
        r = client.post("/api/v1/shows", json=body, headers=bearer(owner))
        assert r.status_code == status, (body, r.text)
        assert words in r.json()["message"]
    show = _create(client, owner)
    url = f"/api/v1/shows/{show['id']}"
    other_ws = factory.workspace("別家")
    stranger = factory.user(other_ws, "host")
    assert (
        client.post(f"{url}/roster", json={"role": "host", "user_id": stranger.id}, headers=bearer(owner)).status_code
        == 404
    )
    r = client.post(f"{url}/roster", json={"role": "dj", "user_id": crew["people"]["host"].id}, headers=bearer(owner))
    assert r.status_code == 422
    r = client.post(f"{url}/transitions", json={"to": "flying"}, headers=bearer(owner))
    assert r.status_code == 422 and "unknown status" in r.json()["message"]
    twice = {"role": "host", "user_id": crew["people"]["host"].id}
    assert client.post(f"{url}/roster", json=twice, headers=bearer(owner)).status_code == 201
    assert client.post(f"{url}/roster", json=twice, headers=bearer(owner)).status_code == 409


def test_other_workspace_sees_404(client: TestClient, crew: dict[str, Any], factory: Factory) -> None:
    show = _create(client, crew["tokens"]["owner"])
    other = factory.token(factory.user(factory.workspace("別家"), "owner"))
    assert client.get(f"/api/v1/shows/{show['id']}", headers=bearer(other)).status_code == 404
    r = client.post(f"/api/v1/shows/{show['id']}/transitions", json={"to": "cancelled"}, headers=bearer(other))
    assert r.status_code == 404
    assert client.get("/api/v1/shows", headers=bearer(other)).json() == []


def test_shipped_templates_are_installed_in_new_workspaces(db: Session, clock: FakeClock) -> None:
    from livecrew.core.auth import service as auth
    from livecrew.shows.templates import shipped_templates

    ws = auth.create_workspace(db, clock, "新品牌", default_language="zh-Hans")
    templates = service.list_templates(db, ws)
    keys = {t.key for t in templates}
    assert keys == {t["key"] for t in shipped_templates()} == {"daily_2h", "promo_day_4h"}
    daily = next(t for t in templates if t.key == "daily_2h")
    assert daily.duration_minutes == 120 and sum(s["planned_minutes"] for s in daily.segments) == 120
    import opencc

    t2s = opencc.OpenCC("t2s")
    titles = [s["title"] for s in daily.segments] + [i["title"] for i in daily.checklist]
    assert all(isinstance(t, str) and t and t2s.convert(t) == t for t in titles)  # one language: Simplified


def test_marking_ready_with_open_checklist_items_warns_with_the_count_and_asks_to_confirm(
    client: TestClient, crew: dict[str, Any]
) -> None:
    from support import csrf, login

    owner, people = crew["tokens"]["owner"], crew["people"]
    show = _create(client, owner)
    url = f"/api/v1/shows/{show['id']}"
    crew["factory"].lineup(show["id"], crew["factory"].product(crew["ws"]))
    for role in ["host", "controller", "tech"]:
        client.post(f"{url}/roster", json={"role": role, "user_id": people[role].id}, headers=bearer(owner))
    assert client.post(f"{url}/transitions", json={"to": "rehearsing"}, headers=bearer(owner)).status_code == 200

    login(client, people["owner"].email)
    page = client.post(f"/shows/{show['id']}/transition", data={"to": "ready", "csrf_token": csrf(client)})
    assert page.status_code == 200 and 'id="confirm-ready"' in page.text
    assert "檢查清單還有 2 項沒完成" in page.text
    assert client.get(url, headers=bearer(owner)).json()["status"] == "rehearsing"  # nothing changed yet

    done = client.post(
        f"/shows/{show['id']}/transition", data={"to": "ready", "confirm": "1", "csrf_token": csrf(client)}
    )
    assert done.status_code in (200, 303)
    assert client.get(url, headers=bearer(owner)).json()["status"] == "ready"


def test_a_past_start_or_a_busy_room_is_said_at_entry_and_kept_only_when_confirmed(
    client: TestClient, crew: dict[str, Any]
) -> None:
    from support import csrf, login

    owner = crew["tokens"]["owner"]
    login(client, crew["people"]["owner"].email)
    form = {"title": "補播", "start": "2026-06-01T20:00", "minutes": "60", "room": "抖音主帳號", "template": ""}
    page = client.post("/shows", data={**form, "csrf_token": csrf(client)})
    assert page.status_code == 200 and "這個開始時間已經過了" in page.text
    assert client.get("/api/v1/shows", headers=bearer(owner)).json() == []  # not saved yet
    token = page.text.split('name="confirm" value="')[1].split('"')[0]
    # Changing the date after the warning is checked again (the confirmation was for the old input).
    later = {**form, "start": "2026-06-20T20:00"}
    r = client.post("/shows", data={**later, "confirm": token, "csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    clash = client.post(
        "/shows", data={**later, "start": "2026-06-20T20:30", "title": "撞場", "csrf_token": csrf(client)}
    )
    assert "「抖音主帳號」在這段時間已經有「補播」" in clash.text
    assert len(client.get("/api/v1/shows", headers=bearer(owner)).json()) == 1
    token = clash.text.split('name="confirm" value="')[1].split('"')[0]
    kept = client.post(
        "/shows",
        data={**later, "start": "2026-06-20T20:30", "title": "撞場", "confirm": token, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert kept.status_code == 303 and len(client.get("/api/v1/shows", headers=bearer(owner)).json()) == 2
