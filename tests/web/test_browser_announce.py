"""Two control rooms open on one show: an announcement (通知團隊) posted in one shows in the other at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.demo import DEMO_PASSWORD, demo_email
from livecrew.shows import service
from livecrew.shows.models import Show, ShowStatus

pytestmark = pytest.mark.browser


def _sign_in(page: object, live_server: str, login: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email(login))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_an_announcement_reaches_every_open_control_room_without_a_reload(
    page: object, live_server: str, db_url: str
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        control = db.scalar(select(User).where(User.email == demo_email("control")))
        assert control is not None
        ws = db.get(Workspace, control.workspace_id)
        assert ws is not None
        show = db.scalars(select(Show).where(Show.workspace_id == ws.id, Show.status == ShowStatus.ready)).first()
        assert show is not None, "the demo has a show ready to go live"
        service.transition(db, SystemClock(), ws, show, ShowStatus.live.value, actor=None)
        show_id = show.id
    engine.dispose()

    browser = page.context.browser
    assert browser is not None
    other_context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 800})
    other = other_context.new_page()
    try:
        _sign_in(page, live_server, "control")  # the controller posts
        _sign_in(other, live_server, "host")  # the host watches her own screen
        for screen in (page, other):
            screen.goto(f"{live_server}/live/{show_id}")
            expect(screen.locator("#stream-state.on")).to_be_visible(timeout=10_000)
        reloads: list[str] = []
        other.on("framenavigated", lambda frame: reloads.append(frame.url))
        page.fill("#action-text", "A3 只剩最後 20 件，主播加快節奏")
        page.click("button[data-action=announce]")
        expect(other.locator("#announcements")).to_contain_text("A3 只剩最後 20 件", timeout=2_000)
        expect(page.locator("#announcements")).to_contain_text("A3 只剩最後 20 件", timeout=2_000)
        assert reloads == []  # it came over the stream, not from a reload
    finally:
        other_context.close()
