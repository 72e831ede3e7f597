"""As a new user would: create a show from a template, staff it, meet the gate, go live, end it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.demo import DEMO_PASSWORD, DEMO_WORKSPACE, demo_email
from livecrew.shows import service
from support import shot

pytestmark = pytest.mark.browser

TEMPLATE = {
    "key": "browser-test",
    "name": "瀏覽器測試範本",
    "duration_minutes": 90,
    "required_roles": ["host", "controller"],
    "segments": [{"key": "s1", "title": "開場", "kind": "warmup", "planned_minutes": 90, "cue_role": "host"}],
    "checklist": [
        {"key": "net", "role": "controller", "title": "主線與備用網路", "due_minutes_before": 30},
        {"key": "mic", "role": "controller", "title": "麥克風試音", "due_minutes_before": 20},
    ],
}


def test_create_staff_gate_go_live_end(page: object, live_server: str, db_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        ws = db.scalar(select(Workspace).where(Workspace.name == DEMO_WORKSPACE))
        assert ws is not None
        service.create_template(db, SystemClock(), ws, TEMPLATE)
    engine.dispose()

    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("control"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    # The controller may not plan shows: no create form for them.
    page.goto(live_server + "/shows")
    expect(page.locator("#new-show")).to_have_count(0)
    page.click("button:has-text('登出')")

    page.fill("input[name=email]", demo_email("ops"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.click("nav.sidebar a[data-nav=shows]")
    page.select_option("select[name=template]", "browser-test")
    page.fill("input[name=title]", "瀏覽器開播演練")
    page.fill("input[name=start]", "2030-01-15T20:00")
    page.click("#new-show button[type=submit]")
    expect(page.locator("h1")).to_have_text("瀏覽器開播演練")
    expect(page.locator("#gate")).to_contain_text("主播")
    expect(page.locator("#checklist")).to_contain_text("主線與備用網路")

    page.click("button[data-to=rehearsing]")
    page.click("button[data-to=ready]")
    refused = page.locator("#gate-refused")
    expect(refused).to_contain_text("主播")
    expect(refused).to_contain_text("場控")
    shot(page, "show-gate-refused")

    for role, person in [("host", "陳思妤"), ("controller", "黃柏翰")]:
        page.select_option("#roster-form select[name=role]", role)
        page.select_option(
            "#roster-form select[name=user_id]",
            label=page.locator(f"#roster-form select[name=user_id] option:has-text('{person}')").first.inner_text(),
        )
        page.click("#roster-form button[type=submit]")
    expect(page.locator("#roster li.gap")).to_have_count(0)
    page.click("button[data-to=ready]")
    expect(page.locator("#gate-refused")).to_contain_text("貨盤是空的")

    # The lineup: an unready product is refused with its reasons; ready ones go in and can be dragged.
    page.click("#show-links a[href$='/lineup']")
    expect(page.locator("h1")).to_have_text("貨盤")
    page.select_option("#add-to-lineup select[name=product_id]", label=_option(page, "CL-005"))
    page.click("#add-to-lineup button[type=submit]")
    expect(page.locator(".notice-error")).to_contain_text("樣品測試")
    for sku in ("BT-001", "BT-002"):
        page.select_option("#add-to-lineup select[name=product_id]", label=_option(page, sku))
        page.click("#add-to-lineup button[type=submit]")
    expect(page.locator("#lineup tbody tr")).to_have_count(2)
    expect(page.locator("#lineup-warnings")).to_contain_text("引流款")
    page.locator("#lineup tbody tr").nth(1).drag_to(page.locator("#lineup tbody tr").nth(0))
    expect(page.locator("#order-status")).to_have_text("順序已儲存")
    page.reload()
    expect(page.locator("#lineup tbody tr").first).to_contain_text("BT-002")
    expect(page.locator("#lineup-warnings")).to_have_count(0)
    shot(page, "lineup")
    page.click(".crumbs a:nth-of-type(2)")
    page.click("button[data-to=ready]")
    expect(page.locator("#confirm-ready")).to_contain_text("檢查清單還有 2 項沒完成")  # said, then confirmed
    page.click("#confirm-ready button[type=submit]")
    expect(page.locator("#show-status")).to_have_text("準備就緒")

    page.click("button[data-to=live]")
    expect(page.locator("#gate-refused")).to_contain_text("麥克風試音")

    page.locator("#checklist tr:has-text('主線與備用網路') button[value=done]").click()
    row = page.locator("#checklist tr:has-text('麥克風試音')")
    row.locator("input[name=reason]").fill("使用備用領夾麥，已於彩排確認")
    row.locator("button[value=skipped]").click()
    expect(page.locator("#gate")).to_contain_text("可以開播")
    page.click("button[data-to=live]")
    expect(page.locator("#show-status")).to_have_text("直播中")
    shot(page, "show-live")
    page.click("button[data-to=ended]")
    expect(page.locator("#show-status")).to_have_text("已下播")
    expect(page.locator("#history")).to_contain_text("直播中")


def _option(page: object, sku: str) -> str:
    label: str = page.locator(f"#add-to-lineup select[name=product_id] option:has-text('{sku}')").first.inner_text()  # type: ignore[attr-defined]
    return label
