"""Incidents in the real console: a silent feed opens a network-outage run by itself, the controller acknowledges
it from the control room, and it resolves with its times; a drill played into a rehearsal opens a drill run."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

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


def _prepare(db_url: str, status: str) -> tuple[str, str]:
    engine = make_engine(db_url)
    clock = SystemClock()
    with session_scope(make_sessionmaker(engine)) as db:
        control = db.scalar(select(User).where(User.email == demo_email("control")))
        assert control is not None
        ws = db.get(Workspace, control.workspace_id)
        assert ws is not None
        show = db.scalars(select(Show).where(Show.workspace_id == ws.id, Show.status == ShowStatus.ready)).first()
        assert show is not None, "the demo has a show ready to go live"
        if status == "live":
            service.transition(db, clock, ws, show, ShowStatus.live.value, actor=None)
        else:
            show.status = status
        alerts.update_rule(db, ws, "feed_silent", enabled=True, params={"seconds": 3}, roles=None)
        _token, secret = create_token(db, clock, control, name="browser-test")
        show_id = show.id
    engine.dispose()
    return show_id, secret


def _get(server: str, secret: str, path: str) -> Any:
    r = httpx.get(f"{server}{path}", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_silent_feed_opens_an_outage_run_the_controller_acknowledges_and_resolves(
    page: object, live_server: str, db_url: str
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    show_id, secret = _prepare(db_url, "live")
    events = list(generate(minutes=2, seed=5, session="inc", start_ms=int(time.time() * 1000) - 120_000))
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}

    def feed(batch: list[dict[str, object]]) -> None:
        body = "\n".join(json.dumps(e, ensure_ascii=False) for e in batch)
        r = httpx.post(
            f"{live_server}/api/v1/shows/{show_id}/events", content=body.encode(), headers=headers, timeout=30
        )
        assert r.status_code == 200, r.text

    feed(events[: len(events) // 2])

    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("control"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/live/{show_id}")
    expect(page.locator("#emergency-button")).to_be_visible(timeout=10_000)
    expect(page.locator('.kpi[data-metric="uv"] .kpi-value')).not_to_have_text("—", timeout=10_000)
    feed(events[len(events) // 2 :])
    # Nothing more arrives: the feed_silent alert opens the network-outage run, and the panel shows it live.
    run_box = page.locator(".inc-run").first
    expect(run_box).to_be_visible(timeout=20_000)
    expect(run_box).to_contain_text("斷網或推流中斷")
    runs = _get(live_server, secret, f"/api/v1/shows/{show_id}/incidents")
    assert [(r["runbook"], r["cause"], r["status"]) for r in runs] == [("network_outage", "feed_silent", "open")]
    alert = next(a for a in _get(live_server, secret, f"/api/v1/shows/{show_id}/alerts") if a["rule"] == "feed_silent")
    opened = datetime.fromisoformat(runs[0]["opened_at"])
    raised = datetime.fromisoformat(alert["raised_at"])
    assert 0 <= (opened - raised).total_seconds() <= 5  # stored times: the run opened with the alert
    shot(page, "control-room-incident")

    # The controller acknowledges it from the control room.
    page.locator('[data-panel-to="acknowledged"]').first.click()
    expect(page.locator(".inc-run .inc-status-acknowledged")).to_be_visible(timeout=10_000)
    run = _get(live_server, secret, f"/api/v1/incidents/{runs[0]['id']}")
    assert run["status"] == "acknowledged" and run["seconds_to_acknowledge"] is not None

    # The incident is a marked span on the control room's charts.
    page.wait_for_function(
        """() => { const el = document.getElementById('chart-audience');
          const c = el && window.echarts && window.echarts.getInstanceByDom(el);
          if (!c) return false;
          const s = (c.getOption().series || []).find(x => x.id === 'incident-spans');
          return !!(s && s.markArea && s.markArea.data && s.markArea.data.length); }""",
        timeout=15_000,
    )

    # Resolved from the run's page: the run keeps its times.
    page.goto(f"{live_server}/incidents/{runs[0]['id']}")
    page.locator('button[data-to="resolved"]').click()
    expect(page.locator("#run-status")).to_have_class("status inc-status-resolved")
    shot(page, "incident-run-resolved")
    done = _get(live_server, secret, f"/api/v1/incidents/{runs[0]['id']}")
    assert done["status"] == "resolved"
    assert done["opened_at"] and done["acknowledged_at"] and done["resolved_at"]
    assert done["seconds_to_resolve"] >= done["seconds_to_acknowledge"] >= 0
    kinds = [e["kind"] for e in done["timeline"]]
    assert kinds[0] == "opened" and kinds.count("transition") == 2


def test_a_drill_in_a_rehearsal_opens_a_drill_run(page: object, live_server: str, db_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    show_id, secret = _prepare(db_url, "rehearsing")
    headers = {"Authorization": f"Bearer {secret}"}
    # On a rehearsal the panel offers the drill; the simulator plays fast with a silence at minute 1.
    r = httpx.post(
        f"{live_server}/api/v1/shows/{show_id}/drills",
        json={"incident": "silence@1+240", "minutes": 6, "speed": 20},
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 202, r.text
    assert r.json()["runbook"] == "network_outage"
    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("control"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/live/{show_id}")
    expect(page.locator("#drill-button")).to_be_visible(timeout=10_000)
    expect(page.locator(".inc-run .badge-drill")).to_be_visible(timeout=60_000)
    runs = _get(live_server, secret, f"/api/v1/shows/{show_id}/incidents")
    assert runs[0]["drill"] is True and runs[0]["runbook"] == "network_outage"
    page.goto(f"{live_server}/incidents/{runs[0]['id']}/report")
    expect(page.locator("#score")).to_be_visible()
    shot(page, "drill-report")
    # A drill on a live show is refused with the reason.
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        show = db.get(Show, show_id)
        assert show is not None
        show.status = ShowStatus.live.value
    engine.dispose()
    r = httpx.post(
        f"{live_server}/api/v1/shows/{show_id}/drills", json={"incident": "silence@1+45"}, headers=headers, timeout=30
    )
    assert r.status_code == 409 and "rehearsal" in r.json()["message"]
