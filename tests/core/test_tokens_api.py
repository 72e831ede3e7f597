"""API tokens: shown once, stored hashed, revocable, expiring, tied to a user's roles."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import ApiToken
from livecrew.core.clock import FakeClock
from support import Factory, bearer


def test_token_authenticates_and_is_stored_hashed(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "operations")
    secret = factory.token(user)
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["user"]["email"] == user.email
    assert "people.manage" in me.json()["permissions"]
    stored = db.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (stored.token_hash, stored.prefix)


def test_missing_and_malformed_credentials(client: TestClient) -> None:
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and "Bearer" in r.json()["message"]
    r = client.get("/api/v1/me", headers={"Authorization": "Token abc"})
    assert r.status_code == 401 and "Bearer lc_" in r.json()["message"]
    r = client.get("/api/v1/me", headers=bearer("lc_not-a-real-token"))
    assert r.status_code == 401 and "not valid" in r.json()["message"]
    r = client.get("/api/v1/me", headers=bearer("sk-something"))
    assert r.status_code == 401 and "lc_" in r.json()["message"]


def test_revoked_token_is_refused_with_a_clear_message(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    secret = factory.token(factory.user(ws, "tech"))
    created = client.post("/api/v1/tokens", json={"name": "feed"}, headers=bearer(secret))
    assert created.status_code == 201
    second = created.json()
    assert second["token"].startswith("lc_")
    revoked = client.delete(f"/api/v1/tokens/{second['id']}", headers=bearer(secret))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    r = client.get("/api/v1/me", headers=bearer(second["token"]))
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    listed = client.get("/api/v1/tokens", headers=bearer(secret)).json()
    assert all("token" not in t for t in listed)


def test_expired_token_is_refused(client: TestClient, factory: Factory, clock: FakeClock) -> None:
    ws = factory.workspace()
    secret = factory.token(factory.user(ws, "tech"), days=1)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    clock.advance(days=1, seconds=1)
    r = client.get("/api/v1/me", headers=bearer(secret))
    assert r.status_code == 401 and "expired" in r.json()["message"]


def test_deactivated_user_token_stops_working(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.token(factory.user(ws, "owner"))
    tech = factory.user(ws, "tech")
    secret = factory.token(tech)
    assert client.patch(f"/api/v1/people/{tech.id}", json={"active": False}, headers=bearer(owner)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_someone_elses_token_cannot_be_revoked_without_tokens_manage(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    a = factory.user(ws, "host")
    b_secret = factory.token(factory.user(ws, "tech"))
    a_secret = factory.token(a)
    a_token_id = client.get("/api/v1/tokens", headers=bearer(a_secret)).json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{a_token_id}", headers=bearer(b_secret)).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(a_secret)).status_code == 200


def test_a_token_request_reads_token_user_roles_and_workspace_in_one_query(
    client: TestClient, factory: Factory, engine: Engine
) -> None:
    # A feed posts a batch every few milliseconds: each of its requests authenticates. (The workspace came
    # in the same statement but was read again: the session holds loaded objects weakly.)
    secret = factory.token(factory.user(factory.workspace(), "operations"))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    selects: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        me = client.get("/api/v1/me", headers=bearer(secret))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert me.status_code == 200 and me.json()["workspace"]["name"]
    assert len(selects) == 1 and "workspaces" in selects[0] and "user_roles" in selects[0], selects
