"""Channels in the browser: the controller posts a message tagged 技術故障 from the channels page; it appears on the
host's screen and in a second person's live channel within two seconds; the host's ✓ reaches the controller."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livecrew.comms.models import Channel
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.demo import DEMO_PASSWORD, demo_email
from livecrew.shows import service
from livecrew.shows.models import Show, ShowStatus
from support import shot

pytestmark = pytest.mark.browser


def _sign_in(page: object, server: str, login: str) -> None:
    page.goto(server + "/login")  # type: ignore[attr-defined]
    page.fill("input[name=email]", demo_email(login))  # type: ignore[attr-defined]
    page.fill("input[name=password]", DEMO_PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(server + "/")  # type: ignore[attr-defined]


def test_a_tagged_message_reaches_the_host_screen_and_another_browser(
    page: object, live_server: str, db_url: str
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        owner = db.scalar(select(User).where(User.email == demo_email("owner")))
        assert owner is not None
        ws = db.get(Workspace, owner.workspace_id)
        assert ws is not None
        show = db.scalars(select(Show).where(Show.workspace_id == ws.id, Show.status == ShowStatus.ready)).first()
        assert show is not None, "the demo has a show ready to go live"
        service.transition(db, SystemClock(), ws, show, ShowStatus.live.value, actor=None)
        live = db.scalar(select(Channel).where(Channel.show_id == show.id, Channel.kind == "live"))
        assert live is not None
        show_id, live_id = show.id, live.id
    engine.dispose()

    browser = page.context.browser
    assert browser is not None
    contexts = [browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 800}) for _ in range(2)]
    host_context = browser.new_context(locale="zh-TW", viewport={"width": 1920, "height": 1080})
    controller, teammate = (c.new_page() for c in contexts)
    host = host_context.new_page()
    try:
        _sign_in(host, live_server, "host")
        host.goto(f"{live_server}/shows/{show_id}/host")
        expect(host.locator("#host-conn.on")).to_be_attached(timeout=10_000)  # its stream is open
        _sign_in(teammate, live_server, "ops")
        teammate.goto(f"{live_server}/channels?c={live_id}")
        expect(teammate.locator("#stream-state.on")).to_be_attached(timeout=10_000)
        _sign_in(controller, live_server, "control")
        controller.goto(f"{live_server}/channels?c={live_id}")
        expect(controller.locator("#stream-state.on")).to_be_attached(timeout=10_000)

        controller.fill("#composer-text", "@主播 麥克風沒聲音，先用備用麥")
        controller.locator(".tag-picker label", has_text="技術故障").click()
        controller.click("#send")

        # Within two seconds of sending, on both other screens (Playwright polls until then).
        host_line = host.locator("#host-messages .hm", has_text="麥克風沒聲音")
        expect(host_line).to_be_visible(timeout=2_000)
        expect(host_line.locator(".hm-tag")).to_have_text("技術故障")
        other_line = teammate.locator("#messages .msg", has_text="麥克風沒聲音")
        expect(other_line).to_be_visible(timeout=2_000)
        expect(other_line.locator(".comms-tag")).to_have_text("技術故障")
        shot(host, "host-screen")
        shot(teammate, "channels-live")

        # The host ticks ✓; the controller sees it on the message, live.
        host_line.locator("button.hm-ack").click()
        expect(host.locator("#host-messages .hm-acked")).to_be_visible(timeout=5_000)
        mine = controller.locator("#messages .msg", has_text="麥克風沒聲音")
        expect(mine.locator(".ack")).to_contain_text("陳思妤", timeout=5_000)
        # The whole screen fits: nothing to scroll on a 1080p display.
        assert host.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")

        # Unread counts in the navigation follow new messages live.
        host.goto(live_server + "/")
        badge = host.locator('nav.sidebar a[data-nav="channels"] .nav-unread')
        expect(badge).to_be_visible(timeout=5_000)
        expect(host.locator("#stream-state.on")).to_be_attached(timeout=10_000)
        before = int(badge.inner_text())
        controller.fill("#composer-text", "再一則")
        controller.click("#send")
        expect(badge).to_have_text(str(before + 1), timeout=5_000)
    finally:
        for c in (*contexts, host_context):
            c.close()
