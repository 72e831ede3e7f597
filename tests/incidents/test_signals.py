"""What opens runs by itself (alerts, complaint bursts, oversold orders), what a run's timeline hears, the jobs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_crew import Crew, make_crew
from livecrew.comms.public import MessagePosted
from livecrew.core.clock import FakeClock
from livecrew.core.events import emit
from livecrew.incidents import jobs, service, triggers
from livecrew.incidents.models import Incident
from livecrew.incidents.public import StepOverdue
from livecrew.live.public import ActionPerformed, AlertRaised
from support import Factory, bearer


def _alert(crew: Crew, rule: str = "feed_silent", alert_id: int = 1) -> AlertRaised:
    return AlertRaised(
        workspace_id=crew.ws.id,
        show_id=crew.show.id,
        alert_id=alert_id,
        rule=rule,
        severity="high",
        roles=("tech", "controller"),
        message="no events for 31 s",
        key=f"alert.{rule}",
    )


def _runs(db: Session, crew: Crew) -> list[Incident]:
    return list(db.scalars(select(Incident).where(Incident.show_id == crew.show.id).order_by(Incident.id)))


def test_an_alert_opens_its_runbook_and_the_next_one_attaches(crew: Crew, db: Session, clock: FakeClock) -> None:
    emit(db, _alert(crew))
    db.commit()
    runs = _runs(db, crew)
    assert [(r.runbook_key, r.cause, r.alert_id, r.drill) for r in runs] == [
        ("network_outage", "feed_silent", 1, False)
    ]
    clock.advance(40)
    emit(db, _alert(crew, alert_id=2))
    emit(db, _alert(crew, "online_falling", alert_id=3))  # not mapped by default
    db.commit()
    runs = _runs(db, crew)
    assert len(runs) == 1
    lines = service.timeline(db, runs[0])
    assert [e.kind for e in lines] == ["opened", "alert"] and lines[1].data["alert_id"] == 2
    # A different cause opens its own run; once the first is resolved, the same cause opens a new one.
    emit(db, _alert(crew, "speech_compliance", alert_id=4))
    service.transition(db, clock, runs[0], "resolved", actor=None)
    emit(db, _alert(crew, alert_id=5))
    db.commit()
    assert [(r.runbook_key, r.status) for r in _runs(db, crew)] == [
        ("network_outage", "resolved"),
        ("compliance_warning", "open"),
        ("network_outage", "open"),
    ]


def test_the_workspace_mapping_decides(client: TestClient, crew: Crew, db: Session) -> None:
    h = bearer(crew.token("operations"))
    r = client.patch(
        "/api/v1/incident-settings",
        json={"triggers": {"feed_silent": "", "online_falling": "host_unavailable"}},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["triggers"]["online_falling"] == "host_unavailable"
    assert client.patch("/api/v1/incident-settings", json={"triggers": {"x": "y"}}, headers=h).status_code == 422
    r = client.patch("/api/v1/incident-settings", json={"triggers": {"feed_silent": "nope"}}, headers=h)
    assert r.status_code == 422
    emit(db, _alert(crew))
    emit(db, _alert(crew, "online_falling", 2))
    db.commit()
    assert [r.runbook_key for r in _runs(db, crew)] == ["host_unavailable"]


def test_alerts_in_a_rehearsal_open_drills_and_planned_shows_none(
    factory: Factory, db: Session, clock: FakeClock
) -> None:
    rehearsal = make_crew(factory, db, clock, status="rehearsing")
    emit(db, _alert(rehearsal))
    planned = make_crew(factory, db, clock, status="planned", name="還沒開播")
    emit(db, _alert(planned))
    db.commit()
    assert [r.drill for r in _runs(db, rehearsal)] == [True]
    assert _runs(db, planned) == []


def test_emergency_messages_and_control_room_actions_join_the_timeline(crew: Crew, db: Session) -> None:
    emit(db, _alert(crew))
    db.commit()

    def message(kind: str, show_id: str | None, text: str) -> MessagePosted:
        return MessagePosted(
            workspace_id=crew.ws.id,
            channel_id=7,
            channel_kind=kind,
            channel_name="緊急",
            show_id=show_id,
            message_id=99,
            author_id=crew.people["tech"].id,
            text=text,
            tags=("技術故障",),
            severity="critical",
            mention_roles=(),
            mention_user_ids=(),
        )

    emit(db, message("emergency", crew.show.id, "已切到 4G 備援"))
    emit(db, message("live", crew.show.id, "直播群的閒聊"))
    emit(db, message("emergency", "another-show", "別場的事"))
    emit(
        db,
        ActionPerformed(
            workspace_id=crew.ws.id,
            show_id=crew.show.id,
            action_id=5,
            kind="announce",
            payload={"text": "大家稍等"},
            actor_id=crew.people["controller"].id,
            ts=0,
        ),
    )
    db.commit()
    lines = service.timeline(db, _runs(db, crew)[0])
    assert [(e.kind, e.text) for e in lines[1:]] == [("message", "已切到 4G 備援"), ("action", "announce 大家稍等")]
    assert lines[1].actor_id == crew.people["tech"].id and lines[1].data["tags"] == ["技術故障"]


class _Event:
    def __init__(self, type: str, ts: int, **fields: Any) -> None:
        self.type, self.ts = type, ts
        self.text = fields.get("text")
        self.product = fields.get("product")
        self.action = fields.get("action")
        self.order = fields.get("order")


def test_a_burst_of_complaints_about_one_product_opens_product_questioned(
    crew: Crew, db: Session, clock: FakeClock, factory: Factory
) -> None:
    product = factory.product(crew.ws, "BT-002")
    triggers.WINDOW.reset(crew.show.id)
    events = [_Event("explain", 1000, product="BT-002", action="start")]
    events += [_Event("comment", 2000 + i * 1000, text="這是假貨吧，騙人") for i in range(5)]
    triggers.on_events(db, clock, crew.show, events)
    db.commit()
    runs = _runs(db, crew)
    assert [(r.runbook_key, r.cause) for r in runs] == [("product_challenged", "complaint_burst")]
    selection_step = next(s for s in runs[0].steps if s.role == "selection")
    assert selection_step.products == ["BT-002"]
    # The step shows the product's documents and sample tests from the goods pool.
    from livecrew.goods.public import product_evidence

    evidence = product_evidence(db, crew.ws.id, selection_step.products)
    assert evidence[0].title == product.title and {d.kind for d in evidence[0].documents} == {"licence", "inspection"}
    assert evidence[0].sample_tests[0].result == "pass"


def test_a_wave_of_complaints_opens_negative_comments(crew: Crew, db: Session, clock: FakeClock) -> None:
    triggers.WINDOW.reset(crew.show.id)
    quiet = [_Event("comment", 1000 + i * 20_000, text="太貴了吧") for i in range(12)]  # spread over 4 minutes
    triggers.on_events(db, clock, crew.show, quiet)
    assert _runs(db, crew) == []
    triggers.WINDOW.reset(crew.show.id)
    wave = [_Event("comment", 500_000 + i * 1000, text="太貴了吧，騙人的") for i in range(12)]
    triggers.on_events(db, clock, crew.show, wave)
    db.commit()
    assert [r.runbook_key for r in _runs(db, crew)] == ["negative_comment_storm"]


def test_an_oversold_order_opens_the_oversold_runbook(
    client: TestClient, crew: Crew, db: Session, factory: Factory
) -> None:
    product = factory.product(crew.ws, "HOT-1", stock=1)
    factory.lineup(crew.show.id, product)
    lines = [
        {
            "id": f"o{i}",
            "type": "order",
            "ts": 1781245800000 + i,
            "user": f"u{i}",
            "order": f"R{i}",
            "product": "HOT-1",
            "qty": 1,
            "amount": 100,
        }
        for i in range(2)
    ] + [
        {"id": f"p{i}", "type": "pay", "ts": 1781245810000 + i, "user": f"u{i}", "order": f"R{i}", "amount": 100}
        for i in range(2)
    ]
    r = client.post(f"/api/v1/shows/{crew.show.id}/events", json=lines, headers=bearer(crew.token("owner")))
    assert r.status_code == 200 and r.json()["accepted"] == 4, r.text
    runs = _runs(db, crew)
    assert [(r.runbook_key, r.cause) for r in runs] == [("stock_oversold", "oversold")]
    assert service.timeline(db, runs[0])[-1].data["orders"] == ["R1"]


def test_overdue_steps_are_flagged_once(
    crew: Crew, db: Session, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(jobs, "emit", lambda db, e: seen.append(e))
    run = service.open_incident(db, clock, crew.ws, crew.show.id, "network_outage")
    db.commit()
    assert jobs.flag_overdue(db, clock) == []
    clock.advance(16)  # the first step's target is 15 s
    flagged = jobs.flag_overdue(db, clock)
    assert [s.position for s in flagged] == [1]
    assert isinstance(seen[0], StepOverdue)
    assert seen[0].assignee_id == crew.people["tech"].id and seen[0].commander_id == crew.people["controller"].id
    assert jobs.flag_overdue(db, clock) == []
    clock.advance(60)
    service.set_step(db, clock, run, run.steps[2].id, "done", reason=None, actor=None)  # ticked late: no flag
    assert [s.position for s in jobs.flag_overdue(db, clock)] == [2]
    assert [e.kind for e in service.timeline(db, run)].count("overdue") == 2


def test_runbooks_not_drilled_make_one_task_each(
    client: TestClient, crew: Crew, db: Session, clock: FakeClock, factory: Factory
) -> None:
    made = jobs.ask_for_drills(db, clock)
    db.commit()
    books = client.get("/api/v1/runbooks", headers=bearer(crew.token("owner"))).json()
    assert len(made) == len(books)
    assert jobs.ask_for_drills(db, clock) == []  # the tasks are still open
    tasks = client.get("/api/v1/tasks?status=all", headers=bearer(crew.token("owner"))).json()
    drill_tasks = [t for t in tasks if t["source_kind"] == "incident"]
    assert len(drill_tasks) == len(books) and {t["owner_id"] for t in drill_tasks} == {crew.people["operations"].id}
    # Close them all; a drill of one runbook keeps it fresh for 30 days.
    for t in drill_tasks:
        client.patch(f"/api/v1/tasks/{t['id']}", json={"status": "done"}, headers=bearer(crew.token("owner")))
    rehearsal = make_crew(factory, db, clock, status="rehearsing", name="彩排")
    service.open_incident(db, clock, rehearsal.ws, rehearsal.show.id, "network_outage", drill=True)
    db.commit()
    clock.advance(days=10)
    again = jobs.ask_for_drills(db, clock)
    db.commit()
    # crew's workspace: all stale again (no drill there); rehearsal's: all but network_outage
    assert len(again) == 2 * len(books) - 1


def test_the_optional_gate_asks_for_drilled_critical_runbooks(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    from livecrew.incidents.gate import runbooks_drilled

    crew = make_crew(factory, db, clock, status="ready")
    assert runbooks_drilled(db, crew.show) == []  # off by default
    h = bearer(crew.token("operations"))
    client.patch("/api/v1/incident-settings", json={"gate_enabled": True, "gate_days": 14}, headers=h)
    db.expire_all()
    problems = runbooks_drilled(db, crew.show)
    critical = {p.params["runbook"] for p in problems}
    assert "network_outage" in critical and "negative_comment_storm" not in critical
    crew.show.status = "rehearsing"
    for key in critical:
        run = service.open_incident(db, clock, crew.ws, crew.show.id, key, drill=True)
        service.transition(db, clock, run, "cancelled", actor=None)
    db.commit()
    assert runbooks_drilled(db, crew.show)  # cancelled drills do not count
    for key in critical:
        service.open_incident(db, clock, crew.ws, crew.show.id, key, drill=True)
    db.commit()
    assert runbooks_drilled(db, crew.show) == []
    clock.advance(days=15)
    assert len(runbooks_drilled(db, crew.show)) == len(critical)
