"""Customer service in the browser: from a live show's comment, open a ticket; reply with a template; the
first-reply clock stops; the daily report counts it."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import select

from livecrew.core.auth.models import User, Workspace
from livecrew.core.auth.service import create_token
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.demo import DEMO_PASSWORD, demo_email
from livecrew.shows import service
from livecrew.shows.models import Show, ShowStatus
from support import shot

pytestmark = pytest.mark.browser


def test_ticket_from_a_live_comment_to_the_daily_report(page: object, live_server: str, db_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    engine = make_engine(db_url)
    clock = SystemClock()
    with session_scope(make_sessionmaker(engine)) as db:
        tech = db.scalar(select(User).where(User.email == demo_email("tech")))
        assert tech is not None
        ws = db.get(Workspace, tech.workspace_id)
        assert ws is not None
        show = db.scalars(select(Show).where(Show.workspace_id == ws.id, Show.status == ShowStatus.ready)).first()
        assert show is not None
        service.transition(db, clock, ws, show, ShowStatus.live.value, actor=None)
        _token, secret = create_token(db, clock, tech, name="browser-test")
        show_id = show.id
    engine.dispose()
    now = int(time.time() * 1000)
    events = [
        {"id": "bs-start", "type": "live_start", "ts": now - 60_000},
        {"id": "bs-x", "type": "explain", "ts": now - 50_000, "product": "SKU-BROWSER", "action": "start"},
        {"id": "bs-c1", "type": "comment", "ts": now - 40_000, "user": "viewer-77", "text": "這件外套有 M 號嗎？"},
    ]
    r = httpx.post(
        f"{live_server}/api/v1/shows/{show_id}/events",
        content="\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["rejected"] == [], r.text

    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("service"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/live/{show_id}")
    comment = page.locator("#comment-feed li", has_text="這件外套有 M 號嗎？").first
    expect(comment).to_be_visible()
    comment.locator(".service-ticket-btn").click()
    link = comment.locator("a.service-ticket-link")
    expect(link).to_be_visible()
    shot(page, "service-ticket-from-comment")
    link.click()

    expect(page.locator("h1")).to_contain_text("viewer-77")
    expect(page.locator("#ticket-product")).to_have_text("SKU-BROWSER")
    expect(page.locator("#clock-first_reply")).to_have_attribute("data-state", "running")
    page.select_option("#macro-picker select[name=macro]", "size_advice")
    page.click("#macro-picker button[type=submit]")
    expect(page.locator("#reply-text")).to_contain_text("SKU-BROWSER 的尺碼表")
    page.click("#send-reply")
    expect(page.locator("#clock-first_reply")).to_have_attribute("data-state", "stopped")
    expect(page.locator("#history .entry-reply")).to_contain_text("尺碼表")
    shot(page, "service-ticket-replied")

    page.goto(f"{live_server}/service/report")
    expect(page.locator('[data-stat="handled"] .stat-value')).to_have_text("1")
    expect(page.locator('[data-stat="consults"] .stat-value')).to_have_text("1")
    shot(page, "service-daily-report")
