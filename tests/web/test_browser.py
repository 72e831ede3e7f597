"""The real console in headless Chromium: sign in, switch language, see the navigation."""

from __future__ import annotations

import pytest

from livecrew.demo import DEMO_PASSWORD, demo_email
from support import shot

pytestmark = pytest.mark.browser


def test_sign_in_switch_language_and_navigate(page: object, live_server: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    shot(page, "login")

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
    shot(page, "home-zh-Hant")

    page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for label in ["Team", "Goods", "Shows", "Live", "Review", "Service", "Settings"]:
        expect(nav).to_contain_text(label)

    page.click("nav.sidebar a[data-nav=team]")
    expect(page).to_have_url(live_server + "/team")
    expect(page.locator("table.matrix")).to_contain_text("陳思妤")

    page.select_option("#lang-select", "zh-Hans")
    expect(page.locator("nav.sidebar")).to_contain_text("团队")
    shot(page, "team-zh-Hans")


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
    shot(page, "settings-phone")
