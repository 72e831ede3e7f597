"""People: adding, roles, deactivation and invitations; bad input gets a clear message and writes nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from support import Factory, bearer, csrf, login


def _count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(User)) or 0)


def test_api_bad_input(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    token = factory.token(owner)
    before = _count(db)
    cases = [
        ({"email": "x@example.com", "display_name": "甲", "roles": ["singer"]}, 422, "unknown role"),
        ({"email": "not-an-email", "display_name": "甲", "roles": ["host"]}, 422, "not a valid e-mail"),
        ({"email": owner.email, "display_name": "甲", "roles": ["host"], "password": "longenough"}, 409, "already"),
        ({"email": "y@example.com", "display_name": "甲", "roles": ["host"], "password": "short"}, 422, "8 characters"),
        ({"email": "z@example.com", "display_name": "   ", "roles": ["host"]}, 422, "name cannot be empty"),
        ({"email": "z@example.com", "display_name": "甲", "roles": []}, 422, "roles"),
        ({"email": "z@example.com", "display_name": "甲", "roles": ["host"], "age": 3}, 422, "age"),
    ]
    for body, status, words in cases:
        r = client.post("/api/v1/people", json=body, headers=bearer(token))
        assert r.status_code == status, (body, r.text)
        assert words in r.json()["message"], r.json()
    db.expire_all()
    assert _count(db) == before


def test_roles_can_be_combined_and_last_owner_is_protected(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    token = factory.token(owner)
    r = client.patch(f"/api/v1/people/{owner.id}", json={"roles": ["host"]}, headers=bearer(token))
    assert r.status_code == 409 and "last active owner" in r.json()["message"]
    r = client.patch(f"/api/v1/people/{owner.id}", json={"roles": ["owner", "host", "host"]}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["roles"] == ["owner", "host"]
    r = client.patch(f"/api/v1/people/{owner.id}", json={"active": False}, headers=bearer(token))
    assert r.status_code == 409


def test_console_add_person_with_invitation(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    login(client, owner.email)
    r = client.post(
        "/settings/people",
        data={
            "display_name": "新同事",
            "email": "new@example.com",
            "roles": ["service", "assistant"],
            "csrf_token": csrf(client),
        },
    )
    assert r.status_code == 200
    link = re.search(r'id="invite-url">([^<]+)<', r.text)
    assert link, r.text
    path = link.group(1).replace("http://testserver", "")
    fresh = TestClient(client.app)
    fresh.get(path)
    done = fresh.post(
        path, data={"password": "my own password", "csrf_token": fresh.cookies.get("lc_csrf")}, follow_redirects=False
    )
    assert done.status_code == 303
    again = fresh.post(path, data={"password": "another one!", "csrf_token": fresh.cookies.get("lc_csrf")})
    assert again.status_code == 404
    login(fresh, "new@example.com", "my own password")


def test_console_shows_errors_in_the_readers_language_and_keeps_input(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    login(client, owner.email)
    r = client.post(
        "/settings/people",
        data={"display_name": "小明", "email": "bad@", "roles": ["host"], "csrf_token": csrf(client)},
    )
    assert r.status_code == 422
    assert "不是有效的電子郵件地址" in r.text
    assert 'value="小明"' in r.text
    r = client.post(
        "/settings/people",
        data={"display_name": "小明", "email": "ok@example.com", "csrf_token": csrf(client)},
    )
    assert r.status_code == 422 and "請至少勾選一個崗位" in r.text


def test_console_deactivate_and_roles(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    host = factory.user(ws, "host")
    login(client, owner.email)
    r = client.post(
        f"/settings/people/{host.id}/roles", data={"roles": ["host", "assistant"], "csrf_token": csrf(client)}
    )
    assert r.status_code == 200 and "崗位已更新" in r.text
    r = client.post(f"/settings/people/{host.id}/deactivate", data={"csrf_token": csrf(client)})
    assert r.status_code == 200
    db.expire_all()
    refreshed = db.get(User, host.id)
    assert refreshed is not None and not refreshed.active and refreshed.role_keys == ["host", "assistant"]


def test_host_cannot_manage_people_in_console(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    factory.user(ws, "owner")
    host = factory.user(ws, "host")
    login(client, host.email)
    page = client.get("/settings/people")
    assert page.status_code == 200 and 'id="add-person"' not in page.text
    r = client.post(
        "/settings/people",
        data={"display_name": "x", "email": "x@example.com", "roles": ["host"], "csrf_token": csrf(client)},
    )
    assert r.status_code == 403
