"""Editing show templates: validated as a whole, versioned, and never reaching shows already created."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.shows import service
from support import Factory, bearer, csrf, login


def test_edit_a_template_through_the_api_without_touching_existing_shows(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    token = factory.token(owner)
    before = service.create_show(
        db, clock, ws, title="舊場", starts_at=service.parse_start("2026-06-15T20:00", ws), template="daily_2h"
    )
    db.commit()
    tpl = client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()
    assert tpl["version"] == 1 and tpl["warnings"] == []
    segments = [
        *tpl["segments"][:2],
        {"title": "尾盤清倉", "kind": "product", "planned_minutes": 20, "talking_points": ["最後 10 組", " "]},
    ]
    r = client.patch(
        "/api/v1/show-templates/daily_2h",
        json={"name": "日常場 v2", "segments": segments, "default_targets": {"gmv": 20_000_000, "uv": 35000}},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 2 and body["name"] == "日常場 v2" and len(body["segments"]) == 3
    assert body["segments"][2]["talking_points"] == ["最後 10 組"] and body["segments"][2]["key"]
    total = sum(s["planned_minutes"] for s in body["segments"])
    assert body["warnings"] == [{"key": "tpl.warn_minutes", "params": {"total": total, "duration": 120}}]
    # The show made before keeps its copy; a new show takes version 2.
    db.expire_all()
    old = service.get_show(db, ws, before.id)
    assert len(old.segments) == len(tpl["segments"]) and old.template_version == 1
    new = service.create_show(
        db, clock, ws, title="新場", starts_at=service.parse_start("2026-06-16T20:00", ws), template="daily_2h"
    )
    assert [s.title for s in new.segments][-1] == "尾盤清倉" and new.template_version == 2
    assert new.targets["gmv"] == 20_000_000
    # Bad input: a clear message, and nothing of it saved.
    for change, needle in (
        ({"segments": []}, "at least one segment"),
        ({"segments": [{"title": "x", "kind": "dance", "planned_minutes": 5}]}, 'unknown kind "dance"'),
        ({"segments": [{"title": "x", "planned_minutes": 0}]}, "minutes must be 1 to"),
        ({"checklist": [{"title": "燈光", "role": "dj"}]}, 'unknown role "dj"'),
        ({"required_roles": []}, "at least one required role"),
        ({"default_targets": {"conversion_rate": 3}}, "ratio between 0 and 1"),
        ({"duration_minutes": 5000}, "minutes must be 1 to 1440"),
    ):
        bad = client.patch("/api/v1/show-templates/daily_2h", json=change, headers=bearer(token))
        assert bad.status_code == 422 and needle in bad.json()["message"], (change, bad.text)
    assert client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()["version"] == 2
    host = factory.token(factory.user(ws, "host"))
    assert client.patch("/api/v1/show-templates/daily_2h", json={"name": "x"}, headers=bearer(host)).status_code == 403
    # A copy starts at version 1 with the same run of show and matrix.
    r = client.post(
        "/api/v1/show-templates",
        json={"copy_of": "daily_2h", "key": "weekend_3h", "name": "週末場"},
        headers=bearer(token),
    )
    assert r.status_code == 201 and r.json()["version"] == 1 and len(r.json()["segments"]) == 3
    dup = client.post(
        "/api/v1/show-templates", json={"copy_of": "daily_2h", "key": "weekend_3h", "name": "x"}, headers=bearer(token)
    )
    assert dup.status_code == 409
    assert client.get("/api/v1/show-templates/weekend_3h/matrix", headers=bearer(token)).json()["ok"] is True


def test_edit_a_template_in_the_console(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="owner@example.com")
    host = factory.user(ws, "host", email="host@example.com")
    login(client, owner.email)
    assert "daily_2h" in client.get("/shows/templates").text
    page = client.get("/shows/templates/daily_2h")
    assert page.status_code == 200 and 'id="template-form"' in page.text
    token = factory.token(owner)
    tpl = client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()
    form: dict[str, str] = {"csrf_token": csrf(client), "name": tpl["name"], "description": "",
                            "duration_minutes": "120"}  # fmt: skip
    form["required_roles"] = "host"
    for i, seg in enumerate(tpl["segments"]):
        form |= {f"seg-{i}-key": seg["key"], f"seg-{i}-position": str(i + 1), f"seg-{i}-title": seg["title"],
                 f"seg-{i}-kind": seg["kind"], f"seg-{i}-minutes": str(seg["planned_minutes"]),
                 f"seg-{i}-slot": "", f"seg-{i}-perk": "", f"seg-{i}-perk_note": "", f"seg-{i}-cue_role": "",
                 f"seg-{i}-points": "\n".join(seg["talking_points"])}  # fmt: skip
    # Move the last segment first, remove the second, add a new one at the end.
    last = len(tpl["segments"]) - 1
    form[f"seg-{last}-position"] = "0"
    form["seg-1-remove"] = "1"
    n = len(tpl["segments"])
    form |= {f"seg-{n}-position": str(n + 1), f"seg-{n}-title": "加開抽獎", f"seg-{n}-kind": "perk",
             f"seg-{n}-minutes": "5", f"seg-{n}-perk": "lucky_bag", f"seg-{n}-perk_note": "留言抽 3 位"}  # fmt: skip
    form |= {"chk-0-title": "麥克風電量", "chk-0-role": "tech", "chk-0-due": "15", "chk-0-position": "1"}
    r = client.post("/shows/templates/daily_2h", data=form, follow_redirects=True)
    assert r.status_code == 200, r.text[:500]
    after = client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()
    titles = [s["title"] for s in after["segments"]]
    assert titles[0] == tpl["segments"][last]["title"] and tpl["segments"][1]["title"] not in titles
    assert titles[-1] == "加開抽獎" and after["segments"][-1]["perk"] == {"kind": "lucky_bag", "note": "留言抽 3 位"}
    assert after["required_roles"] == ["host"] and [i["title"] for i in after["checklist"]] == ["麥克風電量"]
    assert after["version"] == 2
    # A bad number comes back with the message and the typed values kept.
    form["duration_minutes"] = "兩小時"
    r = client.post("/shows/templates/daily_2h", data=form)
    assert r.status_code == 422 and "加開抽獎" in r.text
    assert client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()["version"] == 2
    client.cookies.clear()
    login(client, host.email)
    page = client.get("/shows/templates/daily_2h")
    form_html = page.text[
        page.text.index('id="template-form"') : page.text.index("</form>", page.text.index('id="template-form"'))
    ]
    assert page.status_code == 200 and "disabled" in form_html and 'type="submit"' not in form_html
    assert client.post("/shows/templates/daily_2h", data={**form, "csrf_token": csrf(client)}).status_code == 403


def test_odd_template_input_is_refused_not_crashed(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="owner@example.com")
    token = factory.token(owner)
    tpl = client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()
    first = tpl["segments"][0]
    for segment, needle in (
        ({**first, "perk": "coupon"}, "the perk must be an object"),
        ({**first, "talking_points": 5}, "talking points must be a list"),
        ({**first, "talking_points": "abc"}, "talking points must be a list"),
        ({**first, "planned_minutes": 5.7}, "is not a whole number of minutes"),
        ({**first, "title": 42}, "must be text"),
    ):
        bad = client.patch("/api/v1/show-templates/daily_2h", json={"segments": [segment]}, headers=bearer(token))
        assert bad.status_code == 422 and needle in bad.json()["message"], (segment, bad.text)
    huge = client.patch(
        "/api/v1/show-templates/daily_2h", json={"default_targets": {"gmv": 1e30}}, headers=bearer(token)
    )
    assert huge.status_code == 422
    # Nothing changed: no new version. A new row never takes an existing row's key.
    assert client.patch("/api/v1/show-templates/daily_2h", json={}, headers=bearer(token)).json()["version"] == 1
    new = {"title": "新開場", "kind": "warmup", "planned_minutes": 5, "key": ""}
    body = client.patch(
        "/api/v1/show-templates/daily_2h", json={"segments": [new, *tpl["segments"]]}, headers=bearer(token)
    ).json()
    assert [s["key"] for s in body["segments"][1:]] == [s["key"] for s in tpl["segments"]]
    assert body["segments"][0]["key"] not in {s["key"] for s in tpl["segments"]}
    # The console answers in words (the field and row named in the reader's language), never a 500.
    login(client, owner.email)
    r = client.post(
        "/shows/templates", data={"copy_of": "daily_2h", "key": "daily_2h", "name": "x", "csrf_token": csrf(client)}
    )
    assert r.status_code == 409 and "daily_2h" in r.text
    r = client.post(
        "/shows/templates", data={"copy_of": "daily_2h", "key": "Bad Key", "name": "x", "csrf_token": csrf(client)}
    )
    assert r.status_code == 422 and "Bad Key" in r.text
    r = client.post(
        "/shows/templates/daily_2h",
        data={
            "csrf_token": csrf(client),
            "name": " ",
            "duration_minutes": "120",
            "required_roles": "host",
            "target-gmv": "abc",
        },
    )
    assert r.status_code == 422 and "名稱不能空白" in r.text
    r = client.post(
        "/shows/templates/daily_2h",
        data={
            "csrf_token": csrf(client),
            "name": "x",
            "duration_minutes": "120",
            "required_roles": "host",
            "target-gmv": "abc",
            "seg-0-title": "a",
            "seg-0-minutes": "5",
        },
    )
    assert r.status_code == 422 and "gmv" in r.text
    r = client.post(
        "/shows/templates/daily_2h",
        data={
            "csrf_token": csrf(client),
            "name": "x",
            "duration_minutes": "120",
            "required_roles": "host",
            "seg-0-title": "a",
            "seg-0-minutes": "999",
        },
    )
    assert r.status_code == 422 and "第 1 段：分鐘數須在 1 到 120 之間" in r.text
