"""The console shell: pages render in three languages; settings work; errors and health are clear."""

from __future__ import annotations

import json
from pathlib import Path

import opencc
import pytest
from fastapi.testclient import TestClient

from livecrew.web.i18n import CATALOG_DIR, match_accept_language
from support import Factory, bearer, csrf, login

LANGS = ["zh-Hant", "zh-Hans", "en"]


def _catalog(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads(Path(CATALOG_DIR, f"{lang}.json").read_text(encoding="utf-8"))
    return data


def test_catalogs_have_the_same_keys_and_no_empty_messages() -> None:
    keys = {lang: set(_catalog(lang)) for lang in LANGS}
    assert keys["zh-Hant"] == keys["zh-Hans"] == keys["en"]
    for lang in LANGS:
        assert all(v.strip() for v in _catalog(lang).values()), lang


def test_simplified_catalog_is_simplified_and_traditional_is_traditional() -> None:
    t2s = opencc.OpenCC("t2s")
    for key, text in _catalog("zh-Hans").items():
        assert t2s.convert(text) == text, key
    hant = _catalog("zh-Hant")
    assert sum(1 for text in hant.values() if t2s.convert(text) != text) > len(hant) / 3


def test_every_template_key_exists() -> None:
    import re

    templates = Path(CATALOG_DIR).parent / "templates"
    used = set()
    for path in templates.rglob("*.html"):
        used |= set(re.findall(r"(?<![A-Za-z_.])t\('([a-z_.0-9]+)'", path.read_text(encoding="utf-8")))
    prefixes = {key for key in used if key.endswith(".")}  # dynamic keys such as t('status.' ~ s.status)
    known = set(_catalog("en"))
    assert used - prefixes - known == set()
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in known), prefix


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("zh-HK", "zh-Hant"),
        ("en-US,en", "en"),
        ("fr", None),
        ("fr;q=1,zh-Hans;q=0.5", "zh-Hans"),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert match_accept_language(header) == expected


def test_login_page_follows_browser_language_then_choice(client: TestClient) -> None:
    assert '<html lang="zh-Hans"' in client.get("/login", headers={"accept-language": "zh-CN"}).text
    assert "Sign in" in client.get("/login", headers={"accept-language": "en"}).text
    r = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": csrf(client)})
    assert '<html lang="en"' in r.text


def test_pages_render_for_a_signed_in_user_in_each_language(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", name="林雅婷")
    login(client, owner.email)
    words = {"zh-Hant": "團隊", "zh-Hans": "团队", "en": "Team"}
    for lang in LANGS:
        r = client.post("/language", data={"lang": lang, "next": "/", "csrf_token": csrf(client)})
        assert r.status_code == 200
        assert f'<html lang="{lang}"' in r.text and words[lang] in r.text
        for path in ["/team", "/settings/workspace", "/settings/people", "/settings/tokens", "/settings/profile"]:
            page = client.get(path)
            assert page.status_code == 200, (lang, path)
            assert "林雅婷" in page.text


def test_user_choice_beats_workspace_default(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    host = factory.user(ws, "host")
    login(client, owner.email)
    r = client.post(
        "/settings/workspace",
        data={
            "name": "新名字",
            "currency": "HKD",
            "timezone": "Asia/Hong_Kong",
            "default_language": "en",
            "csrf_token": csrf(client),
        },
    )
    assert r.status_code == 200 and '<html lang="en"' in r.text and "新名字" in r.text
    other = TestClient(client.app)
    login(other, host.email)
    assert '<html lang="en"' in other.get("/").text
    other.post("/language", data={"lang": "zh-Hans", "next": "/", "csrf_token": other.cookies.get("lc_csrf")})
    assert '<html lang="zh-Hans"' in other.get("/").text
    assert '<html lang="en"' in client.get("/").text


def test_workspace_settings_reject_bad_values(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    login(client, owner.email)
    r = client.post(
        "/settings/workspace",
        data={
            "name": "A",
            "currency": "TWD",
            "timezone": "Nowhere/City",
            "default_language": "zh-Hant",
            "csrf_token": csrf(client),
        },
    )
    assert r.status_code == 422 and "Nowhere/City" in r.text


def test_tokens_page_shows_secret_once(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "tech")
    login(client, user.email)
    r = client.post("/settings/tokens", data={"name": "抖音對接", "days": "30", "csrf_token": csrf(client)})
    assert r.status_code == 200
    secret = r.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert secret.startswith("lc_")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/settings/tokens").text
    r = client.post("/settings/tokens", data={"name": "x", "days": "soon", "csrf_token": csrf(client)})
    assert r.status_code == 422 and "整數" in r.text


def test_anonymous_console_redirects_to_sign_in(client: TestClient) -> None:
    r = client.get("/settings/people", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/settings/people"


def test_health_docs_and_error_bodies(client: TestClient, factory: Factory) -> None:
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    assert "/api/v1/health" in client.get("/openapi.json").json()["paths"]
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and "/docs" in missing.json()["message"]
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    r = client.post(
        "/api/v1/people", content=b"{not json", headers={**bearer(token), "content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["message"].startswith("The request is not valid")
    big = client.post("/api/v1/people", content=b"x" * (9 * 1024 * 1024), headers=bearer(token))
    assert big.status_code == 413 and "MiB" in big.json()["message"]


def test_static_assets_are_served(client: TestClient) -> None:
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200
