"""The week view flags conflicts; perks are validated; lucky-bag draws are reproducible; rehearsals are kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import FakeClock
from livecrew.shows import schedule, service
from livecrew.shows.models import Show
from support import Factory, bearer, login


def _show(db: Session, clock: FakeClock, ws: Workspace, title: str, start: str, minutes: int, room: str) -> Show:
    show = service.create_show(
        db, clock, ws, title=title, starts_at=service.parse_start(start, ws), minutes=minutes, room=room
    )
    db.flush()
    return show


def _setup(factory: Factory) -> tuple[Workspace, dict[str, User], str]:
    ws = factory.workspace()
    people = {
        "owner": factory.user(ws, "owner", name="老闆"),
        "host": factory.user(ws, "host", name="小美"),
        "host2": factory.user(ws, "host", name="阿芳"),
    }
    return ws, people, factory.token(people["owner"])


def test_week_flags_a_double_booked_host_a_double_booked_room_and_short_rest(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws, people, token = _setup(factory)
    a = _show(db, clock, ws, "早場", "2026-06-15T10:00", 120, "抖音主帳號")
    b = _show(db, clock, ws, "午場", "2026-06-15T11:00", 120, "視頻號")  # overlaps a, other room
    c = _show(db, clock, ws, "晚場", "2026-06-15T18:00", 120, "抖音主帳號")  # 5 h after b ends
    d = _show(db, clock, ws, "晚場二", "2026-06-15T19:00", 60, "抖音主帳號")  # same room as c, overlapping
    service.add_to_roster(db, ws, a, "host", people["host"].id)
    service.add_to_roster(db, ws, b, "host", people["host"].id)
    service.add_to_roster(db, ws, c, "host", people["host"].id)
    service.add_to_roster(db, ws, d, "host", people["host2"].id)
    db.commit()

    body = client.get("/api/v1/schedule", params={"start": "2026-06-15"}, headers=bearer(token)).json()
    kinds = sorted((c["kind"], tuple(c["shows"])) for c in body["conflicts"])
    assert ("person_overlap", (a.id, b.id)) in kinds
    assert ("room_overlap", (c.id, d.id)) in kinds
    assert ("host_rest", (b.id, c.id)) in kinds
    assert len(body["shows"]) == 4
    room = next(x for x in body["conflicts"] if x["kind"] == "room_overlap")
    assert set(room["shows"]) == {c.id, d.id}
    person = next(x for x in body["conflicts"] if x["kind"] == "person_overlap")
    assert "小美" in person["message"]

    # The console shows the same conflicts, in words.
    login(client, people["owner"].email)
    page = client.get("/schedule?start=2026-06-15")
    assert page.status_code == 200
    assert "小美 同時被排在兩場" in page.text and "只休息 5.0 小時" in page.text


def test_cancelled_shows_and_rest_rule_changes(factory: Factory, db: Session, clock: FakeClock) -> None:
    ws, people, _ = _setup(factory)
    a = _show(db, clock, ws, "A", "2026-06-15T10:00", 60, "")
    b = _show(db, clock, ws, "B", "2026-06-15T12:00", 60, "")
    for s in (a, b):
        service.add_to_roster(db, ws, s, "host", people["host"].id)
    names = {u.id: u.display_name for u in people.values()}
    assert [c.kind for c in schedule.find_conflicts([a, b], names, 10)] == ["host_rest"]
    assert schedule.find_conflicts([a, b], names, 1) == []
    service.transition(db, clock, ws, b, "cancelled", actor=None)
    assert schedule.find_conflicts([a, b], names, 10) == []


def test_rest_hours_setting_is_validated(client: TestClient, factory: Factory) -> None:
    _ws, people, _ = _setup(factory)
    login(client, people["owner"].email)
    from support import csrf

    bad = client.post("/schedule/settings", data={"host_rest_hours": "100", "csrf_token": csrf(client)})
    assert bad.status_code == 422
    ok = client.post("/schedule/settings", data={"host_rest_hours": "6", "csrf_token": csrf(client)})
    assert ok.status_code == 200 and 'value="6"' in ok.text


def test_perks_are_validated_and_placed_in_the_run_of_show(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws, people, token = _setup(factory)
    show = _show(db, clock, ws, "週末場", "2026-06-20T20:00", 120, "")
    db.commit()
    url = f"/api/v1/shows/{show.id}/perks"
    bad: list[tuple[dict[str, Any], str]] = [
        ({"kind": "voucher", "title": "x", "details": {}}, "unknown perk kind"),
        (
            {
                "kind": "coupon",
                "title": "滿額券",
                "details": {"threshold": 100, "discount": 200, "quantity": 5, "valid_until": "2026-06-30"},
            },
            "smaller",
        ),
        (
            {
                "kind": "coupon",
                "title": "滿額券",
                "details": {"threshold": 30000, "discount": 5000, "quantity": 0, "valid_until": "2026-06-30"},
            },
            "quantity",
        ),
        (
            {
                "kind": "lucky_bag",
                "title": "福袋",
                "details": {"prize": "面膜", "winners": 3, "eligibility": "everyone"},
            },
            "eligibility",
        ),
        (
            {
                "kind": "flash_sale",
                "title": "秒殺",
                "at_minute": 500,
                "details": {"product": "A1", "price": 9900, "duration_minutes": 5, "quota": 100},
            },
            "inside the show",
        ),
    ]
    for body, words in bad:
        r = client.post(url, json=body, headers=bearer(token))
        assert r.status_code == 422, (body, r.text)
        assert words in r.json()["message"]
    ok = client.post(
        url,
        json={
            "kind": "flash_sale",
            "title": "整點秒殺",
            "at_minute": 30,
            "details": {"product": "A1 保濕精華", "price": 19900, "duration_minutes": 5, "quota": 100},
        },
        headers=bearer(token),
    )
    assert ok.status_code == 201
    assert client.get(url, headers=bearer(token)).json()[0]["details"]["quota"] == 100
    host = factory.token(people["host"])
    assert (
        client.post(url, json={"kind": "lucky_bag", "title": "x", "details": {}}, headers=bearer(host)).status_code
        == 403
    )


def test_rehearsals_are_recorded(client: TestClient, factory: Factory, db: Session, clock: FakeClock) -> None:
    ws, people, token = _setup(factory)
    show = _show(db, clock, ws, "大促", "2026-06-18T19:00", 240, "")
    service.add_to_roster(db, ws, show, "host", people["host"].id)
    db.commit()
    r = client.post(
        f"/api/v1/shows/{show.id}/rehearsals",
        json={
            "at": "2026-06-17T15:00",
            "participants": [people["host"].id],
            "notes": "全流程走一次",
            "problems": ["備用網路切換太慢", "  "],
        },
        headers=bearer(token),
    )
    assert r.status_code == 201
    problems = r.json()["problems"]
    assert [p["text"] for p in problems] == ["備用網路切換太慢"]
    # The problem found became a task for the show, due by its day.
    task = client.get(f"/api/v1/tasks?show_id={show.id}", headers=bearer(token)).json()
    assert [(t["id"], t["title"], t["source_kind"], t["due_on"]) for t in task] == [
        (problems[0]["task_id"], "備用網路切換太慢", "rehearsal", "2026-06-18")
    ]
    stranger = factory.user(factory.workspace("別家"), "host")
    r = client.post(
        f"/api/v1/shows/{show.id}/rehearsals",
        json={"at": "2026-06-17T15:00", "participants": [stranger.id]},
        headers=bearer(token),
    )
    assert r.status_code == 404
    assert len(client.get(f"/api/v1/shows/{show.id}/rehearsals", headers=bearer(token)).json()) == 1
    _ = timedelta


def test_show_pages_render_cleanly(client: TestClient, factory: Factory, db: Session, clock: FakeClock) -> None:
    import re

    ws, people, _token = _setup(factory)
    show = _show(db, clock, ws, "頁面檢查", "2026-06-20T20:00", 120, "抖音")
    db.commit()
    login(client, people["owner"].email)
    for path in ["/shows", f"/shows/{show.id}", "/schedule", "/live", f"/live/{show.id}", "/"]:
        page = client.get(path)
        assert page.status_code == 200, path
        title = re.search(r"<title>(.*?)</title>", page.text, re.S)
        assert title and len(title.group(1)) < 120 and "<" not in title.group(1), path
        assert page.text.count("<html") == 1 and page.text.count("</body>") == 1, path
