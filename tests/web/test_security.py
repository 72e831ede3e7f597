"""Sign-in that a stranger cannot turn against a real person; proxies believed only when listed; sessions
ended with a password change; the headers every page carries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from livecrew.app import CONTENT_SECURITY_POLICY, create_app
from livecrew.core.auth.models import LoginFailure, WebSession
from livecrew.core.auth.passwords import hash_password
from livecrew.core.clock import FakeClock
from livecrew.core.config import Settings
from livecrew.core.pubsub import LocalHub
from support import PASSWORD, Factory, csrf, login


def _client(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def _attempt(client: TestClient, email: str, password: str, **headers: str) -> int:
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf(client)},
        headers=headers,
        follow_redirects=False,
    )
    return r.status_code


@pytest.fixture
def proxied_app(tmp_path: Path, clock: FakeClock, engine: Engine, hub: LocalHub) -> Iterator[FastAPI]:
    settings = Settings(data_dir=tmp_path, trusted_proxies="10.0.0.0/8")
    yield create_app(settings, clock=clock, engine=engine, hub=hub)


def test_a_stranger_cannot_lock_out_a_person_on_a_device_they_used_before(
    app: FastAPI, factory: Factory, clock: FakeClock
) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    own = _client(app, "192.0.2.10")
    login(own, user.email)  # the person's laptop becomes a known device
    own.post("/logout", data={"csrf_token": csrf(own)})
    # Strangers from many addresses guess for a while, waiting out every delay.
    for i in range(40):
        stranger = _client(app, f"198.51.100.{i % 5}")
        status = _attempt(stranger, user.email, "guess-guess")
        assert status in (401, 429)
        clock.advance(seconds=31)
    assert _attempt(own, user.email, PASSWORD) == 303


def test_a_new_device_is_only_slowed_by_a_strangers_failures_never_locked(
    app: FastAPI, factory: Factory, clock: FakeClock
) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    for i in range(30):
        _attempt(_client(app, f"198.51.100.{i}"), user.email, "guess-guess")
    fresh = _client(app, "192.0.2.77")
    first = _attempt(fresh, user.email, PASSWORD)
    assert first in (303, 429)
    clock.advance(seconds=31)  # the account's delay is capped at 30 s
    assert _attempt(fresh, user.email, PASSWORD) == 303


def test_one_address_guessing_is_locked_for_that_account_and_across_accounts_past_its_limit(
    app: FastAPI, factory: Factory, clock: FakeClock
) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    attacker = _client(app, "203.0.113.9")
    for _ in range(8):
        _attempt(attacker, user.email, "guess-guess")
        clock.advance(seconds=61)
    assert _attempt(attacker, user.email, PASSWORD) == 429  # the pair (account, address) is locked
    assert _attempt(_client(app, "192.0.2.5"), user.email, PASSWORD) == 303  # not the account
    # Spraying two guesses at each of many accounts from one address: past 24 failures the address waits.
    sprayer = _client(app, "203.0.113.50")
    others = [factory.user(ws, "assistant") for _ in range(12)]
    for other in others:
        for _ in range(2):
            assert _attempt(sprayer, other.email, "guess-guess") == 401
    assert _attempt(sprayer, others[0].email, PASSWORD) == 429


def test_forwarded_for_is_ignored_unless_the_peer_is_a_listed_proxy(
    app: FastAPI, proxied_app: FastAPI, factory: Factory, db: Session
) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    attacker = _client(app, "203.0.113.9")
    for i in range(10):
        _attempt(attacker, user.email, "guess-guess", **{"x-forwarded-for": f"192.0.2.{i}"})
    keys = set(db.scalars(select(LoginFailure.key)).all())
    assert "ip:203.0.113.9" in keys and not any(k.startswith("ip:192.0.2.") for k in keys)
    behind_proxy = _client(proxied_app, "10.1.2.3")
    _attempt(behind_proxy, user.email, "guess-guess", **{"x-forwarded-for": "192.0.2.200"})
    assert "ip:192.0.2.200" in set(db.scalars(select(LoginFailure.key)).all())


def test_trusted_proxies_must_be_addresses() -> None:
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings(trusted_proxies="proxy.example.com")


def test_https_via_a_trusted_proxy_marks_cookies_secure_and_sign_in_rotates_the_csrf_token(
    proxied_app: FastAPI, factory: Factory
) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    client = _client(proxied_app, "10.1.2.3")
    page = client.get("/login", headers={"x-forwarded-proto": "https"})
    assert "Secure" in page.headers["set-cookie"]
    # Signing in over HTTPS (the browser then sends the Secure cookies back).
    client = TestClient(proxied_app, base_url="https://testserver", client=("10.1.2.3", 40000))
    client.get("/login")
    before = client.cookies.get("lc_csrf")
    assert before
    r = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before}, follow_redirects=False
    )
    assert r.status_code == 303
    cookies = r.headers.get_list("set-cookie")
    csrf_cookie = next(c for c in cookies if c.startswith("lc_csrf="))
    assert "Secure" in csrf_cookie and before not in csrf_cookie
    # The same header from an unlisted peer changes nothing.
    direct = _client(proxied_app, "198.51.100.1")
    assert "Secure" not in direct.get("/login", headers={"x-forwarded-proto": "https"}).headers["set-cookie"]


def test_a_password_change_ends_the_persons_other_sessions(
    app: FastAPI, factory: Factory, db: Session, make_client: object
) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "host")
    laptop, phone = _client(app, "192.0.2.1"), _client(app, "192.0.2.2")
    login(laptop, user.email)
    login(phone, user.email)
    r = laptop.post(
        "/settings/profile/password",
        data={"current": PASSWORD, "new": "a-new-long-passphrase-9", "csrf_token": csrf(laptop)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert laptop.get("/", follow_redirects=False).status_code == 200
    assert phone.get("/", follow_redirects=False).status_code == 303  # back to the sign-in page
    assert db.scalar(select(func.count()).select_from(WebSession).where(WebSession.user_id == user.id)) == 1


def test_every_page_carries_a_content_security_policy_without_inline_script(client: TestClient) -> None:
    r = client.get("/login")
    policy = r.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
    assert "<script>" not in r.text


def test_the_api_reference_loads_only_our_own_files(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text and "<script>" not in page.text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, f"{asset} is missing: run `make assets`"
    assert client.get("/openapi.json").status_code == 200


def test_the_same_address_in_two_workspaces_signs_in_to_the_one_whose_password_it_gives(
    app: FastAPI, factory: Factory, db: Session
) -> None:
    first, second = factory.workspace(), factory.workspace()
    factory.user(first, "owner", email="twin@example.com")
    other = factory.user(second, "owner", email="twin@example.com")
    other.password_hash = hash_password("the-other-passphrase")
    second.name = "第二個工作區"
    db.commit()
    client = _client(app, "192.0.2.30")
    login(client, "twin@example.com", "the-other-passphrase")
    assert "第二個工作區" in client.get("/settings/workspace").text
    elsewhere = _client(app, "192.0.2.31")
    login(elsewhere, "twin@example.com")
    assert "第二個工作區" not in elsewhere.get("/settings/workspace").text
