"""The control room of a simulated show: numbers move, and an alert appears when the feed goes silent."""

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
from livecrew.live import alerts
from livecrew.shows import service
from livecrew.shows.models import Show, ShowStatus
from livecrew.simulate import generate
from support import shot

pytestmark = pytest.mark.browser


def test_numbers_move_and_a_silent_feed_raises_an_alert(page: object, live_server: str, db_url: str) -> None:
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
        assert show is not None, "the demo has a show ready to go live"
        service.transition(db, clock, ws, show, ShowStatus.live.value, actor=None)
        alerts.update_rule(db, ws, "feed_silent", enabled=True, params={"seconds": 3}, roles=None)
        _token, secret = create_token(db, clock, tech, name="browser-test")
        show_id = show.id
    engine.dispose()

    events = list(generate(minutes=3, seed=11, session="bt", start_ms=int(time.time() * 1000) - 180_000))
    first, second = events[: len(events) // 2], events[len(events) // 2 :]
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}

    def feed(batch: list[dict[str, object]]) -> None:
        body = "\n".join(json.dumps(e, ensure_ascii=False) for e in batch)
        r = httpx.post(
            f"{live_server}/api/v1/shows/{show_id}/events", content=body.encode(), headers=headers, timeout=30
        )
        assert r.status_code == 200 and r.json()["rejected"] == [], r.text

    feed(first)
    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("control"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/live/{show_id}")
    uv = page.locator('.kpi[data-metric="uv"] .kpi-value')
    expect(uv).not_to_have_text("—", timeout=10_000)
    before = uv.inner_text()
    feed(second)
    expect(uv).not_to_have_text(before, timeout=10_000)  # the numbers move
    expect(page.locator("#product-rows tr").first).not_to_contain_text("…")
    # Nothing more arrives: after 3 s of silence the ticker raises the alert, addressed to tech and the controller.
    alert = page.locator("#alert-list .alert.sev-high")
    expect(alert).to_be_visible(timeout=15_000)
    expect(alert).to_contain_text("沒收到任何事件")  # in the reader's language
    shot(page, "control-room-alert")
    alert.locator("button").click()
    expect(page.locator("#alert-list .badge-ok")).to_be_visible()
