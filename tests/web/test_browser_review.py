"""The review in the browser: end the demo's simulated show, open its review, add an action, mark it reviewed;
the action is a task on the board."""

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
from livecrew.simulate import generate
from support import shot

pytestmark = pytest.mark.browser


def test_end_the_show_review_it_and_the_action_is_on_the_board(page: object, live_server: str, db_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    engine = make_engine(db_url)
    clock = SystemClock()
    with session_scope(make_sessionmaker(engine)) as db:
        ops = db.scalar(select(User).where(User.email == demo_email("ops")))
        assert ops is not None
        ws = db.get(Workspace, ops.workspace_id)
        assert ws is not None
        show = db.scalars(select(Show).where(Show.workspace_id == ws.id, Show.status == ShowStatus.ready)).first()
        assert show is not None, "the demo has a show ready to go live"
        service.transition(db, clock, ws, show, ShowStatus.live.value, actor=ops)
        _token, secret = create_token(db, clock, ops, name="browser-review")
        show_id, title = show.id, show.title
    engine.dispose()

    # The simulated show plays into it (its refunds, which come days later, are left out).
    now = int(time.time() * 1000)
    events = [e for e in generate(minutes=4, seed=21, session="bt", start_ms=now - 240_000) if e["ts"] <= now]
    body = "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()
    r = httpx.post(
        f"{live_server}/api/v1/shows/{show_id}/events",
        content=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"},
        timeout=60,
    )
    assert r.status_code == 200 and r.json()["rejected"] == [], r.text

    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("ops"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/shows/{show_id}")
    page.click("button[data-to=ended]")
    expect(page.locator("button[data-to=reviewed]")).to_be_visible()

    page.click("nav.sidebar a[data-nav=review]")
    page.click(f"a[href='/review/{show_id}']")
    expect(page.locator("h1")).to_contain_text(title)
    # The review job builds the final review after the show ended; until then the page says so and reloads.
    expect(page.locator("#review-state")).to_contain_text("定稿", timeout=30_000)
    expect(page.locator("#chart-minutes canvas")).to_have_count(1, timeout=10_000)  # ECharts drew the curve
    shot(page, "review-show")
    form = page.locator("#action-form")
    form.locator("input[name=problem]").fill("開場 5 分鐘在線掉最多")
    form.locator("input[name=cause]").fill("暖場太長，福袋太晚")
    form.locator("input[name=action]").fill("下一場開場 3 分鐘內上福袋")
    form.locator("select[name=owner_id]").select_option(label="張家瑋")
    form.locator("button[type=submit]").click()
    expect(page.locator("#action-list")).to_contain_text("下一場開場 3 分鐘內上福袋")
    page.click("#mark-reviewed")
    expect(page.locator("#show-status")).to_contain_text("已復盤")

    page.goto(f"{live_server}/tasks?view=all")
    expect(page.locator("#task-table")).to_contain_text("下一場開場 3 分鐘內上福袋")
    shot(page, "review-task-on-board")
