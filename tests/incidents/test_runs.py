"""Incident runs through the API: the contract routes, the lifecycle, steps, timeline, bad input, the clock."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incident_crew import Crew, make_crew
from livecrew.core.clock import FakeClock
from livecrew.core.events import DomainEvent
from livecrew.incidents.models import Runbook, RunbookVersion
from livecrew.incidents.public import IncidentOpened, IncidentTransitioned, incident_spans, incidents_of_show
from support import Factory, bearer


def _open(
    client: TestClient, crew: Crew, runbook: str = "network_outage", drill: bool = False, role: str = "controller"
) -> Any:
    return client.post(
        f"/api/v1/shows/{crew.show.id}/incidents",
        json={"runbook": runbook, "drill": drill},
        headers=bearer(crew.token(role)),
    )


def test_runbooks_are_the_workspace_library(client: TestClient, crew: Crew, db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(Runbook))
    r = client.get("/api/v1/runbooks", headers=bearer(crew.token("host")))
    assert r.status_code == 200
    books = r.json()
    keys = [b["key"] for b in books]
    assert {"network_outage", "product_challenged", "stock_oversold", "stream_cut_compliance"} <= set(keys)
    first = books[0]
    assert set(first) >= {"key", "title", "steps"}
    assert {"role", "title", "target_seconds"} <= set(first["steps"][0])
    assert isinstance(first["title"], str) and set(first["titles"]) == {"zh-Hant", "zh-Hans", "en"}
    # A GET never writes.
    assert db.scalar(select(func.count()).select_from(Runbook)) == before
    assert before == len(keys)


def test_open_acknowledge_resolve_with_the_clock(
    client: TestClient, crew: Crew, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[DomainEvent] = []
    import livecrew.incidents.service as service_module

    real_emit = service_module.emit
    monkeypatch.setattr(service_module, "emit", lambda db, e: (seen.append(e), real_emit(db, e)))
    r = _open(client, crew)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["status"] == "open" and run["id"] and len(run["steps"]) == 6
    # Steps go to the people on the roster in the step's role; the controller commands.
    assert run["commander_id"] == crew.people["controller"].id
    assert run["steps"][0]["role"] == "tech" and run["steps"][0]["assignee_id"] == crew.people["tech"].id
    opened = seen[0]
    assert isinstance(opened, IncidentOpened)
    assert (opened.workspace_id, opened.show_id, opened.incident_id, opened.runbook) == (
        crew.ws.id,
        crew.show.id,
        run["id"],
        "network_outage",
    )
    assert opened.status == "open" and opened.drill is False and opened.severity == "sev1"
    assert opened.commander_id == crew.people["controller"].id and opened.actor_id == crew.people["controller"].id
    assert opened.title == "斷網或推流中斷"

    clock.advance(12)
    r = client.post(
        f"/api/v1/incidents/{run['id']}/transitions",
        json={"to": "acknowledged"},
        headers=bearer(crew.token("controller")),
    )
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    assert isinstance(seen[-1], IncidentTransitioned) and seen[-1].status == "acknowledged"
    clock.advance(30)
    step = run["steps"][0]
    r = client.patch(
        f"/api/v1/incidents/{run['id']}/steps/{step['id']}", json={"state": "done"}, headers=bearer(crew.token("tech"))
    )
    assert r.status_code == 200 and r.json()["taken_seconds"] == 42 and r.json()["on_time"] is False
    clock.advance(48)
    client.post(
        f"/api/v1/incidents/{run['id']}/transitions", json={"to": "mitigated"}, headers=bearer(crew.token("tech"))
    )
    clock.advance(60)
    r = client.post(
        f"/api/v1/incidents/{run['id']}/transitions", json={"to": "resolved"}, headers=bearer(crew.token("controller"))
    )
    assert r.status_code == 200
    got = client.get(f"/api/v1/incidents/{run['id']}", headers=bearer(crew.token("host"))).json()
    assert got["status"] == "resolved"
    assert got["opened_at"] == "2026-06-12T02:00:00+00:00"
    assert got["acknowledged_at"] == "2026-06-12T02:00:12+00:00"
    assert got["resolved_at"] == "2026-06-12T02:02:30+00:00"
    assert got["seconds_to_acknowledge"] == 12 and got["seconds_to_resolve"] == 150
    kinds = [e["kind"] for e in got["timeline"]]
    assert kinds == ["opened", "transition", "step", "transition", "transition"]
    assert got["timeline"][2]["actor_id"] == crew.people["tech"].id
    assert got["score"]["steps_done"] == 1 and got["score"]["steps_late"] == 1
    # Closed is the end; nothing moves a closed run.
    assert (
        client.post(
            f"/api/v1/incidents/{run['id']}/transitions",
            json={"to": "closed"},
            headers=bearer(crew.token("controller")),
        ).status_code
        == 200
    )
    r = client.post(
        f"/api/v1/incidents/{run['id']}/transitions", json={"to": "open"}, headers=bearer(crew.token("controller"))
    )
    assert r.status_code == 409 and "closed" in r.json()["message"]


def test_invalid_moves_and_skips(client: TestClient, crew: Crew) -> None:
    run = _open(client, crew).json()
    h = bearer(crew.token("controller"))
    r = client.post(f"/api/v1/incidents/{run['id']}/transitions", json={"to": "closed"}, headers=h)
    assert r.status_code == 409 and "can go to" in r.json()["message"]
    r = client.post(f"/api/v1/incidents/{run['id']}/transitions", json={"to": "exploded"}, headers=h)
    assert r.status_code == 422
    step = run["steps"][1]
    r = client.patch(f"/api/v1/incidents/{run['id']}/steps/{step['id']}", json={"state": "skipped"}, headers=h)
    assert r.status_code == 422 and "reason" in r.json()["message"]
    r = client.patch(
        f"/api/v1/incidents/{run['id']}/steps/{step['id']}", json={"state": "skipped", "reason": "  "}, headers=h
    )
    assert r.status_code == 422
    r = client.patch(
        f"/api/v1/incidents/{run['id']}/steps/{step['id']}",
        json={"state": "skipped", "reason": "備用線路已自動切換"},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["state"] == "skipped" and r.json()["reason"] == "備用線路已自動切換"
    # A step of another run.
    other = _open(client, crew, "host_unavailable").json()
    r = client.patch(
        f"/api/v1/incidents/{run['id']}/steps/{other['steps'][0]['id']}", json={"state": "done"}, headers=h
    )
    assert r.status_code == 404 and "no step" in r.json()["message"]


def test_bad_input(client: TestClient, crew: Crew, factory: Factory, db: Session, clock: FakeClock) -> None:
    r = _open(client, crew, "alien_invasion")
    assert r.status_code == 404 and "alien_invasion" in r.json()["message"]
    # A drill on a live show is refused, with the reason.
    r = _open(client, crew, drill=True)
    assert r.status_code == 409 and "rehearsal" in r.json()["message"]
    # Another workspace's show and run are not found.
    other = make_crew(factory, db, clock, name="別家直播間")
    r = client.post(
        f"/api/v1/shows/{other.show.id}/incidents",
        json={"runbook": "network_outage"},
        headers=bearer(crew.token("owner")),
    )
    assert r.status_code == 404
    theirs = _open(client, other).json()
    assert client.get(f"/api/v1/incidents/{theirs['id']}", headers=bearer(crew.token("owner"))).status_code == 404
    r = client.post(
        f"/api/v1/incidents/{theirs['id']}/transitions",
        json={"to": "acknowledged"},
        headers=bearer(crew.token("owner")),
    )
    assert r.status_code == 404


def test_drill_in_a_rehearsal(client: TestClient, factory: Factory, db: Session, clock: FakeClock) -> None:
    crew = make_crew(factory, db, clock, status="rehearsing")
    r = _open(client, crew, "negative_comment_storm", drill=True)
    assert r.status_code == 201 and r.json()["drill"] is True
    books = {b["key"]: b for b in client.get("/api/v1/runbooks", headers=bearer(crew.token("host"))).json()}
    assert books["negative_comment_storm"]["last_drilled_at"] == "2026-06-12T02:00:00+00:00"
    assert books["network_outage"]["last_drilled_at"] is None


def test_mtta_mttr_from_stored_times(
    client: TestClient, crew: Crew, clock: FakeClock, factory: Factory, db: Session
) -> None:
    h = bearer(crew.token("controller"))
    for ack, resolve in ((10, 100), (20, 200), (30, 600)):
        run = _open(client, crew).json()
        clock.advance(ack)
        client.post(f"/api/v1/incidents/{run['id']}/transitions", json={"to": "acknowledged"}, headers=h)
        clock.advance(resolve - ack)
        client.post(f"/api/v1/incidents/{run['id']}/transitions", json={"to": "resolved"}, headers=h)
        clock.advance(days=7)
    cancelled = _open(client, crew).json()
    client.post(f"/api/v1/incidents/{cancelled['id']}/transitions", json={"to": "cancelled"}, headers=h)
    rehearsal = make_crew(factory, db, clock, status="rehearsing", name="彩排")
    drill = client.post(
        f"/api/v1/shows/{rehearsal.show.id}/incidents",
        json={"runbook": "network_outage", "drill": True},
        headers=bearer(rehearsal.token("controller")),
    ).json()
    assert drill["drill"]
    s = client.get(f"/api/v1/shows/{crew.show.id}/incident-stats", headers=h).json()
    real = s["real"]
    assert real["count"] == 3 and real["cancelled"] == 1 and real["resolved"] == 3
    assert real["mtta"] == 20 and real["mttr"] == 300
    assert real["tta_p50"] == 20 and real["ttr_p50"] == 200 and real["ttr_p90"] == 520 and real["tta_p90"] == 28
    assert s["drills"]["count"] == 0
    ws = client.get("/api/v1/incidents/stats?days=60", headers=h).json()
    assert ws["by_runbook"]["network_outage"]["real"]["count"] == 3
    assert sum(w["real"]["count"] for w in ws["by_week"]) == 3
    # The review reads them through the public functions.
    listed = incidents_of_show(db, crew.show.id)
    assert [i.seconds_to_resolve for i in listed if i.status == "resolved"] == [100, 200, 600]
    spans = incident_spans(db, crew.show.id)
    assert len(spans) == 3 and spans[0]["end"] - spans[0]["start"] == 100_000


def test_notes_commander_and_retro_become_tasks(client: TestClient, crew: Crew, clock: FakeClock) -> None:
    h = bearer(crew.token("controller"))
    run = _open(client, crew).json()
    r = client.post(f"/api/v1/incidents/{run['id']}/notes", json={"text": "備用 4G 已接上"}, headers=h)
    assert r.status_code == 201 and r.json()["kind"] == "note"
    r = client.put(f"/api/v1/incidents/{run['id']}/retro", json={"problem": "斷流 2 分鐘"}, headers=h)
    assert r.status_code == 409  # not resolved yet
    client.post(f"/api/v1/incidents/{run['id']}/transitions", json={"to": "resolved"}, headers=h)
    r = client.put(
        f"/api/v1/incidents/{run['id']}/retro", json={"problem": "斷流 2 分鐘", "cause": "路由器過熱"}, headers=h
    )
    assert r.status_code == 200 and r.json()["cause"] == "路由器過熱"
    r = client.post(
        f"/api/v1/incidents/{run['id']}/retro/actions",
        json={"text": "換一台有散熱的路由器", "owner_id": crew.people["tech"].id, "due_on": "2026-06-15"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    task_id = r.json()["task_id"]
    tasks = client.get("/api/v1/tasks?status=all", headers=bearer(crew.token("owner"))).json()
    task = next(t for t in tasks if t["id"] == task_id)
    assert task["source_kind"] == "incident" and task["owner_id"] == crew.people["tech"].id
    assert task["due_on"] == "2026-06-15" and task["show_id"] == crew.show.id


def test_runbook_edits_keep_versions_and_check_scripts(client: TestClient, crew: Crew, db: Session) -> None:
    h = bearer(crew.token("operations"))
    book = client.get("/api/v1/runbooks/negative_comment_storm", headers=h).json()
    assert book["version"] == 1 and book["versions"][0]["summary"] == "shipped"
    steps = [{**s, "title": s["titles"]} for s in book["steps"]]
    steps[2]["reply_script"] = {"zh-Hant": "這款全網最低價，保證有效"}
    body = {**book, "title": book["titles"], "steps": steps}
    r = client.put("/api/v1/runbooks/negative_comment_storm", json=body, headers=h)
    assert r.status_code == 422 and "step 3 reply script" in r.json()["message"]
    steps[2]["reply_script"] = {"zh-Hant": "謝謝大家的意見，我們已請客服私訊處理，商品資訊以詳情頁為準。"}
    steps[0]["target_seconds"] = 20
    r = client.put("/api/v1/runbooks/negative_comment_storm", json={**body, "steps": steps}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    again = client.get("/api/v1/runbooks/negative_comment_storm", headers=h).json()
    assert [v["version"] for v in again["versions"]] == [2, 1]
    assert again["versions"][0]["by"] == crew.people["operations"].id and "step 1, 3" in again["versions"][0]["summary"]
    # A stale edit is refused; the host may not edit.
    r = client.put("/api/v1/runbooks/negative_comment_storm", json={**body, "steps": steps, "version": 1}, headers=h)
    assert r.status_code == 409
    r = client.put("/api/v1/runbooks/negative_comment_storm", json=body, headers=bearer(crew.token("host")))
    assert r.status_code == 403
    assert db.scalar(select(func.count()).select_from(RunbookVersion)) >= 12
    # A run copies the runbook as it is now: its reply script is on the step.
    run = _open(client, crew, "negative_comment_storm").json()
    assert run["steps"][0]["target_seconds"] == 20 and run["steps"][2]["reply_script"]["zh-Hant"].startswith("謝謝")
