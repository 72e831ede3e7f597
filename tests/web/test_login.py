"""Signing in and out: cookies, CSRF, throttling, deactivated accounts."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import WebSession
from livecrew.core.clock import FakeClock
from support import PASSWORD, Factory, csrf, login


def _attempt(client: TestClient, email: str, password: str) -> object:
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf(client)}, follow_redirects=False
    )


def test_sign_in_sets_a_secure_http_only_cookie_and_sign_out_ends_the_session(
    app: FastAPI, factory: Factory, db: Session
) -> None:
    client = TestClient(app, base_url="https://testserver")
    ws = factory.workspace()
    user = factory.user(ws, "host")
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": user.email.upper(), "password": PASSWORD, "csrf_token": csrf(client), "next": "/team"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/team"
    cookie = response.headers["set-cookie"]
    assert "lc_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    assert db.scalar(select(func.count()).select_from(WebSession)) == 1


def test_sign_out(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    login(client, user.email)
    assert client.get("/", follow_redirects=False).status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert out.status_code == 303
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0
    assert client.get("/", follow_redirects=False).status_code == 303


def test_external_next_is_not_followed(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    client.get("/login")
    r = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf(client), "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_wrong_password_gives_a_clear_message(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    r = _attempt(client, user.email, "wrong password")
    assert r.status_code == 401  # type: ignore[attr-defined]
    assert "電子郵件或密碼不正確" in r.text  # type: ignore[attr-defined]


def test_form_without_csrf_token_is_refused(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    client.get("/login")
    r = client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"}, follow_redirects=False
    )
    assert r.status_code == 403


def test_every_state_changing_console_route_checks_csrf(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "owner")
    login(client, user.email)
    for path in ["/logout", "/language", "/settings/workspace", "/settings/people", "/settings/tokens"]:
        r = client.post(path, data={"name": "x"}, follow_redirects=False)
        assert r.status_code == 403, path


def test_failures_slow_down_then_lock(client: TestClient, factory: Factory, clock: FakeClock) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    for _ in range(3):
        assert _attempt(client, user.email, "nope-nope").status_code == 401  # type: ignore[attr-defined]
    slowed = _attempt(client, user.email, PASSWORD)
    assert slowed.status_code == 429  # type: ignore[attr-defined]
    assert slowed.headers["retry-after"] == "1"  # type: ignore[attr-defined]
    assert "秒後再試" in slowed.text  # type: ignore[attr-defined]
    # Keep failing, waiting out each delay, until the account locks.
    for _ in range(5):
        clock.advance(seconds=61)
        assert _attempt(client, user.email, "nope-nope").status_code == 401  # type: ignore[attr-defined]
    clock.advance(seconds=61)
    locked = _attempt(client, user.email, PASSWORD)
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert "暫停" in locked.text  # type: ignore[attr-defined]
    clock.advance(minutes=16)
    assert _attempt(client, user.email, PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_deactivated_account_cannot_sign_in(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    factory.user(ws, "owner")
    user = factory.user(ws, "host")
    user.active = False
    db.commit()
    r = _attempt(client, user.email, PASSWORD)
    assert r.status_code == 401 and "停用" in r.text  # type: ignore[attr-defined]


def test_unknown_email_gives_the_same_message(client: TestClient) -> None:
    r = _attempt(client, "nobody@example.com", "whatever-123")
    assert r.status_code == 401 and "電子郵件或密碼不正確" in r.text  # type: ignore[attr-defined]
