"""The real console in headless Chromium: sign in, switch language, see the navigation."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from livecrew.core.clock import SystemClock
from livecrew.core.config import Settings
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.core.migrate import upgrade
from livecrew.demo import DEMO_PASSWORD, demo_email, seed_demo

pytestmark = pytest.mark.browser
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(os.environ.get("LIVECREW_SCREENSHOTS", "")) if os.environ.get("LIVECREW_SCREENSHOTS") else None


def _need_chromium() -> str:
    if CHROMIUM is None:
        message = "browser tests need Debian's chromium (make test installs it when run as root)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[str]:
    import uvicorn

    from livecrew.app import create_app

    upgrade(db_url)
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        seed_demo(db, SystemClock())
    settings = Settings(database_url=db_url, data_dir=tmp_path, log_level="WARNING")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def page(live_server: str) -> Iterator[object]:
    executable = _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 800})
        pg = context.new_page()
        pg.set_default_timeout(15000)
        yield pg
        context.close()
        browser.close()


def _shot(page: object, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_sign_in_switch_language_and_navigate(page: object, live_server: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    _shot(page, "login")

    page.fill("input[name=email]", demo_email("owner"))
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    expect(page.locator(".notice-error")).to_contain_text("電子郵件或密碼不正確")

    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("林雅婷")
    nav = page.locator("nav.sidebar")
    for label in ["團隊", "商品", "場次", "直播間", "復盤", "客服", "設定"]:
        expect(nav).to_contain_text(label)
    expect(page.locator("#stream-state")).to_have_class("live-dot on")  # SSE connected
    _shot(page, "home-zh-Hant")

    page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for label in ["Team", "Goods", "Shows", "Live", "Review", "Service", "Settings"]:
        expect(nav).to_contain_text(label)

    page.click("nav.sidebar a[data-nav=team]")
    expect(page).to_have_url(live_server + "/team")
    expect(page.locator("table.matrix")).to_contain_text("陳思妤")

    page.select_option("#lang-select", "zh-Hans")
    expect(page.locator("nav.sidebar")).to_contain_text("团队")
    _shot(page, "team-zh-Hans")


def test_phone_layout_has_a_drawer(page: object, live_server: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("control"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    sidebar = page.locator("nav.sidebar")
    expect(sidebar).not_to_be_in_viewport()
    page.click("label.hamburger")
    expect(sidebar).to_be_in_viewport()
    page.click("nav.sidebar a[data-nav=settings]")
    expect(page.locator("h1")).to_contain_text("設定")
    _shot(page, "settings-phone")
