"""Alert rules raise once, update, resolve and are acknowledged; control-room actions are recorded."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.goods.models import LineupItem
from livecrew.live import actions, alerts, ingest
from livecrew.live.models import Alert, LiveEvent
from livecrew.shows import service
from livecrew.shows.models import Show
from support import Factory, bearer, csrf, login, post_lucky_bag


def _minutes(online: list[int]) -> list[dict[str, Any]]:
    return [{"minute": i, "online_end": v, "enters": 30, "paid_orders": 1, "comments": 3} for i, v in enumerate(online)]


def _live_show(db: Session, clock: FakeClock, factory: Factory) -> tuple[Any, Show]:
    ws = factory.workspace()
    show = service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=120)
    factory.lineup(show.id, factory.product(ws, "p1"), factory.product(ws, "p2"))
    show.status = "live"
    db.commit()
    return ws, show


def test_online_falling_is_raised_once_updated_and_resolved(db: Session, clock: FakeClock, factory: Factory) -> None:
    _ws, show = _live_show(db, clock, factory)
    falling = {"minutes": _minutes([200, 200, 200, 120, 110, 100, 0]), "end": 10}
    alerts.evaluate(db, clock, show, falling, last_received=None, last_comment_ts=None)
    alerts.evaluate(db, clock, show, falling, last_received=None, last_comment_ts=None)
    rows = db.scalars(select(Alert).where(Alert.show_id == show.id)).all()
    assert [(a.rule, a.updates) for a in rows] == [("online_falling", 0)]
    assert rows[0].params["pct"] == 45 and "controller" in rows[0].roles
    worse = {"minutes": _minutes([200, 200, 200, 100, 90, 80, 0]), "end": 10}
    clock.advance(seconds=5)
    alerts.evaluate(db, clock, show, worse, last_received=None, last_comment_ts=None)
    assert rows[0].updates == 1 and rows[0].params["pct"] == 55
    steady = {"minutes": _minutes([200, 200, 200, 200, 200, 200, 0]), "end": 10}
    alerts.evaluate(db, clock, show, steady, last_received=None, last_comment_ts=None)
    assert rows[0].resolved_at is not None


def test_thresholds_are_editable_and_rules_can_be_switched_off(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws, show = _live_show(db, clock, factory)
    controller = factory.token(factory.user(ws, "controller"))
    host = factory.token(factory.user(ws, "host"))
    r = client.patch("/api/v1/alert-rules/no_comments", json={"params": {"seconds": 30}}, headers=bearer(controller))
    assert r.status_code == 200 and r.json()["params"]["seconds"] == 30
    assert (
        client.patch("/api/v1/alert-rules/no_comments", json={"enabled": False}, headers=bearer(host)).status_code
        == 403
    )
    bad = client.patch("/api/v1/alert-rules/no_comments", json={"params": {"minutes": 3}}, headers=bearer(controller))
    assert bad.status_code == 422 and "no setting" in bad.json()["message"]
    snap = {"minutes": _minutes([5, 5]), "end": 100_000}
    alerts.evaluate(db, clock, show, snap, last_received=None, last_comment_ts=60_000)
    assert [a.rule for a in db.scalars(select(Alert)).all()] == ["no_comments"]
    db.commit()
    client.patch("/api/v1/alert-rules/no_comments", json={"enabled": False}, headers=bearer(controller))
    alerts.evaluate(db, clock, show, snap, last_received=None, last_comment_ts=60_000)
    assert db.scalars(select(Alert)).one().resolved_at is not None


def test_acknowledge_records_who_and_when(client: TestClient, db: Session, clock: FakeClock, factory: Factory) -> None:
    ws, show = _live_show(db, clock, factory)
    tech = factory.user(ws, "tech")
    alerts.evaluate(db, clock, show, {"minutes": [], "end": 1}, last_received=-1e9, last_comment_ts=None)
    db.commit()
    alert = db.scalars(select(Alert)).one()
    assert alert.rule == "feed_silent"
    clock.advance(seconds=42)
    r = client.post(f"/api/v1/alerts/{alert.id}/ack", headers=bearer(factory.token(tech)))
    assert r.status_code == 200
    db.refresh(alert)
    assert alert.acknowledged_by == tech.id
    assert (alert.acknowledged_at - alert.raised_at).total_seconds() == 42
    stranger = factory.token(factory.user(factory.workspace("別家"), "tech"))
    assert client.post(f"/api/v1/alerts/{alert.id}/ack", headers=bearer(stranger)).status_code == 404


def test_control_room_actions(client: TestClient, db: Session, clock: FakeClock, factory: Factory) -> None:
    ws, show = _live_show(db, clock, factory)
    host = factory.user(ws, "host")
    token = factory.token(host)
    url = f"/api/v1/shows/{show.id}/actions"
    r = client.post(url, json={"kind": "explain", "product": "p1", "action": "start"}, headers=bearer(token))
    assert r.status_code == 201, r.text
    logged = db.scalars(select(LiveEvent).where(LiveEvent.show_id == show.id)).one()
    assert logged.type == "explain" and logged.actor_id == host.id
    metrics = client.get(f"/api/v1/shows/{show.id}/metrics", headers=bearer(token)).json()
    assert metrics["explaining"] == "p1"
    assert client.post(url, json={"kind": "announce", "text": "A3 剩 50 件"}, headers=bearer(token)).status_code == 201
    bad = client.post(url, json={"kind": "explain", "product": "p1", "action": "pause"}, headers=bearer(token))
    assert bad.status_code == 422
    analyst = factory.token(factory.user(ws, "analyst"))
    assert client.post(url, json={"kind": "announce", "text": "x"}, headers=bearer(analyst)).status_code == 403


def test_the_product_box_takes_a_lineup_sku_or_claim_code_and_nothing_else(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws, show = _live_show(db, clock, factory)
    token = factory.token(factory.user(ws, "controller"))
    url = f"/api/v1/shows/{show.id}/actions"
    unknown = client.post(url, json={"kind": "shelf", "product": "ZZZ-999", "action": "on"}, headers=bearer(token))
    assert unknown.status_code == 422 and "ZZZ-999" in unknown.json()["message"]
    code = db.scalars(select(LineupItem.code).where(LineupItem.show_id == show.id).order_by(LineupItem.position)).all()
    start = {"kind": "explain", "product": code[1].lower(), "action": "start"}
    by_code = client.post(url, json=start, headers=bearer(token))
    assert by_code.status_code == 201, by_code.text
    assert by_code.json()["payload"]["product"] == "p2"  # the claim code became the SKU: no separate row
    assert client.get(f"/api/v1/shows/{show.id}/metrics", headers=bearer(token)).json()["explaining"] == "p2"
    assert db.scalar(select(func.count()).select_from(LiveEvent).where(LiveEvent.show_id == show.id)) == 1


def test_an_action_is_written_under_the_ingest_writer_lock(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like a feed's batch: one writer at a time in the process, and the live state gets it in commit order.
    _ws, show = _live_show(db, clock, factory)
    token = factory.token(factory.user(_ws, "host"))
    held: list[bool] = []
    perform = actions.perform
    writer, applying = ingest._locks(ingest.lane_of(db, show.id))

    def watched(*args: Any, **kwargs: Any) -> Any:
        held.append(writer.locked())
        return perform(*args, **kwargs)

    monkeypatch.setattr(actions, "perform", watched)
    url = f"/api/v1/shows/{show.id}/actions"
    r = client.post(url, json={"kind": "explain", "product": "p1", "action": "start"}, headers=bearer(token))
    assert r.status_code == 201, r.text
    assert held == [True] and not writer.locked() and not applying.locked()
    assert client.get(f"/api/v1/shows/{show.id}/metrics", headers=bearer(token)).json()["explaining"] == "p1"


def test_a_lucky_bag_draw_reads_its_entrants_before_the_writer_lock(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The eligibility read scans the show's log; every feed of the process would wait for it under the lock.
    ws, show = _live_show(db, clock, factory)
    token = factory.token(factory.user(ws, "owner"))
    ts = int(clock.now().timestamp() * 1000)
    lines = [{"id": f"c{i}", "type": "comment", "ts": ts + i, "user": f"u{i}", "text": "我要"} for i in range(3)]
    posted = client.post(
        f"/api/v1/shows/{show.id}/events",
        content=b"\n".join(orjson.dumps(line) for line in lines),
        headers={"Content-Type": "application/x-ndjson", **bearer(token)},
    )
    assert posted.json()["accepted"] == 3, posted.text
    bag = post_lucky_bag(client, show.id, token)
    locked_while: dict[str, bool] = {}
    read, perform = actions.eligible_users, actions.perform
    writer, _applying = ingest._locks(ingest.lane_of(db, show.id))

    def watched_read(*args: Any, **kwargs: Any) -> Any:
        locked_while["read"] = writer.locked()
        return read(*args, **kwargs)

    def watched_perform(*args: Any, **kwargs: Any) -> Any:
        locked_while["perform"] = writer.locked()
        return perform(*args, **kwargs)

    monkeypatch.setattr(actions, "eligible_users", watched_read)
    monkeypatch.setattr(actions, "perform", watched_perform)
    r = client.post(
        f"/api/v1/shows/{show.id}/actions",
        json={"kind": "lucky_bag", "action": "draw", "perk_id": bag["id"]},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    assert r.json()["payload"]["eligible_count"] == 3 and set(r.json()["payload"]["winners"]) <= {"u0", "u1", "u2"}
    assert locked_while == {"read": False, "perform": True}


def test_the_consoles_own_calls_get_errors_in_the_persons_language(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws, show = _live_show(db, clock, factory)
    controller = factory.user(ws, "controller")
    login(client, controller.email)
    url = f"/api/v1/shows/{show.id}/actions"
    headers = {"X-CSRF-Token": csrf(client)}
    refused = client.post(url, json={"kind": "shelf", "product": "ZZZ-999", "action": "on"}, headers=headers)
    assert refused.status_code == 422 and "不在本場的貨盤裡" in refused.json()["message"]
    analyst = factory.user(ws, "analyst")
    other = TestClient(client.app)
    login(other, analyst.email)
    forbidden = other.post(url, json={"kind": "announce", "text": "x"}, headers={"X-CSRF-Token": csrf(other)})
    assert forbidden.status_code == 403 and "你的角色不能做這件事" in forbidden.json()["message"]
    assert "場控" in forbidden.json()["message"]
    token = factory.token(controller)  # a machine's token keeps the plain English message
    machine = client.post(url, json={"kind": "shelf", "product": "ZZZ-999", "action": "on"}, headers=bearer(token))
    assert "not in this show's lineup" in machine.json()["message"]
