"""System messages: other features' facts land tagged in the right channel, through the owners' real code paths
where they exist (alerts from live.alerts and the text listener, a show's transition, a control-room action);
every stored message emits ``MessagePosted`` with its fields."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.comms import service as comms
from livecrew.comms.models import Channel, Message
from livecrew.comms.public import MessagePosted
from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from livecrew.core.events import emit
from livecrew.core.pubsub import LocalHub, show_channel, workspace_channel
from livecrew.incidents.public import IncidentOpened, IncidentTransitioned, StepOverdue
from livecrew.live import alerts
from livecrew.live.models import Alert
from livecrew.service.public import DailyReportReady, SlaBreached
from livecrew.shows import service as shows
from livecrew.shows.models import Show, ShowStatus
from support import Factory, bearer

T0 = 1_781_245_800_000


def _messages(db: Session, show_id: str | None, kind: str) -> list[Message]:
    channel = db.scalar(
        select(Channel).where(Channel.show_id == show_id, Channel.kind == kind)
        if show_id
        else select(Channel).where(Channel.key == kind)
    )
    assert channel is not None
    return list(db.scalars(select(Message).where(Message.channel_id == channel.id).order_by(Message.id)))


def _live_show(db: Session, clock: FakeClock, ws: Workspace) -> Show:
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=clock.now(), minutes=120)
    show.status = ShowStatus.live.value
    db.commit()
    return show


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> list[MessagePosted]:
    """Every MessagePosted the channels emit (handed on to the real subscribers too)."""
    seen: list[MessagePosted] = []

    def spy(db: Session, event: Any) -> None:
        if isinstance(event, MessagePosted):
            seen.append(event)
        emit(db, event)

    monkeypatch.setattr(comms, "emit", spy)
    return seen


def test_alerts_raised_acknowledged_resolved_go_to_the_live_channel(
    db: Session, clock: FakeClock, factory: Factory, posted: list[MessagePosted]
) -> None:
    ws = factory.workspace()
    tech = factory.user(ws, "tech", name="蔡承恩")
    show = _live_show(db, clock, ws)
    shows_service_roster(db, ws, show, "tech", tech.id)
    alerts.evaluate(db, clock, show, {"minutes": [], "end": 1}, last_received=-1e9, last_comment_ts=None)
    db.commit()
    alert = db.scalars(select(Alert)).one()
    alerts.acknowledge(db, clock, ws, alert.id, tech)
    db.commit()
    alerts.evaluate(db, clock, show, {"minutes": [], "end": 2}, last_received=None, last_comment_ts=None)
    db.commit()
    rows = _messages(db, show.id, "live")
    assert [m.system for m in rows] == [True, True, True]
    assert rows[0].text.startswith("⚠ 警報：") and "沒收到任何事件" in rows[0].text
    assert rows[0].texts["en"].startswith("⚠ Alert: ") and rows[0].texts["zh-Hans"].startswith("⚠ 警报：")
    assert rows[0].tags == ["tech"] and rows[0].severity == "critical"
    assert rows[0].mention_roles == ["tech", "controller"]
    assert "蔡承恩" in rows[1].text and rows[2].text.startswith("警報解除")
    raised = posted[0]
    assert raised.channel_kind == "live" and raised.show_id == show.id and raised.author_id is None
    assert raised.tags == ("tech",) and raised.severity == "critical" and raised.mention_user_ids == (tech.id,)
    assert raised.message_id == rows[0].id and raised.channel_name == "直播進行群" and raised.workspace_id == ws.id
    # The same fact is posted once, however often it is handed over.
    alerts._publish(db, alert, "alert.acknowledged", ws.id)
    assert len(_messages(db, show.id, "live")) == 3


def shows_service_roster(db: Session, ws: Workspace, show: Show, role: str, user_id: str) -> None:
    show.status = ShowStatus.planned.value
    shows.add_to_roster(db, ws, show, role, user_id)
    show.status = ShowStatus.live.value
    db.commit()


def test_low_stock_is_tagged_stock(db: Session, clock: FakeClock, factory: Factory) -> None:
    ws = factory.workspace()
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=clock.now(), minutes=120)
    db.commit()
    factory.lineup(show.id, factory.product(ws, "MASK-1", stock=5))
    show.status = ShowStatus.live.value
    db.commit()
    alerts.evaluate(db, clock, show, {"minutes": [], "end": 1}, last_received=None, last_comment_ts=None)
    db.commit()
    rows = _messages(db, show.id, "live")
    assert [(m.tags, m.severity) for m in rows] == [(["stock"], "warning")]
    assert "MASK-1" in rows[0].text


def test_a_blocked_host_line_posts_a_compliance_message(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    show = _live_show(db, clock, ws)
    body = orjson.dumps({"id": "s1", "type": "speech", "ts": T0, "text": "這是全網最低價，國家級品質"})
    r = client.post(
        f"/api/v1/shows/{show.id}/events",
        content=body,
        headers={**bearer(token), "Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 200
    rows = _messages(db, show.id, "live")
    assert [m.tags for m in rows] == [["compliance"]]
    assert "全網最低" in rows[0].text and rows[0].severity == "critical"


def test_going_live_and_the_controllers_announcement(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory, hub: LocalHub
) -> None:
    ws = factory.workspace()
    host = factory.user(ws, "host", name="陳思妤")
    controller = factory.user(ws, "controller", name="黃柏翰")
    ops = factory.user(ws, "operations", name="張家瑋")
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=clock.now(), minutes=120)
    shows.add_to_roster(db, ws, show, "host", host.id)
    shows.add_to_roster(db, ws, show, "controller", controller.id)
    shows.add_to_roster(db, ws, show, "operations", ops.id)
    db.commit()
    factory.lineup(show.id, factory.product(ws, "MASK-1"))
    shows.transition(db, clock, ws, show, "ready", actor=controller)
    shows.transition(db, clock, ws, show, "live", actor=controller)
    db.commit()
    texts = [m.text for m in _messages(db, show.id, "live")]
    assert len(texts) == 2 and texts[0].startswith("直播狀態：") and texts[1] == "● 開播了（黃柏翰）"
    heard: list[dict[str, Any]] = []
    original = hub.publish

    def spy(channel: str, message: dict[str, Any]) -> None:
        if channel in (show_channel(show.id), workspace_channel(ws.id)) and message["kind"] == "comms.message":
            heard.append(message)
        original(channel, message)

    hub.publish = spy  # type: ignore[method-assign]
    r = client.post(
        f"/api/v1/shows/{show.id}/actions",
        json={"kind": "announce", "text": "@主播 下一款先講面膜"},
        headers=bearer(factory.token(controller)),
    )
    assert r.status_code in (200, 201), r.text
    last = _messages(db, show.id, "live")[-1]
    assert last.author_id == controller.id and not last.system and last.text == "@主播 下一款先講面膜"
    assert last.mention_roles == ["host"]
    assert {h["message"]["id"] for h in heard} == {last.id} and len(heard) == 2  # the show's and the workspace's
    assert heard[0]["message"]["reached"] == [host.id] and heard[0]["channel"] == last.channel_id
    # Other actions are system lines.
    r = client.post(
        f"/api/v1/shows/{show.id}/actions",
        json={"kind": "explain", "product": "MASK-1", "action": "start"},
        headers=bearer(factory.token(controller)),
    )
    assert r.status_code in (200, 201), r.text
    line = _messages(db, show.id, "live")[-1]
    assert line.system and line.text == "黃柏翰：開始講解 MASK-1"


def test_incidents_go_to_the_emergency_channel(
    db: Session, clock: FakeClock, factory: Factory, posted: list[MessagePosted]
) -> None:
    ws = factory.workspace()
    commander = factory.user(ws, "controller", name="指揮官")
    show = _live_show(db, clock, ws)
    common = {"workspace_id": ws.id, "show_id": show.id, "incident_id": 7, "runbook": "stream_down"}
    emit(
        db,
        IncidentOpened(
            **common,
            title="推流中斷",
            severity="high",
            status="open",
            drill=False,
            commander_id=commander.id,
            actor_id=commander.id,
        ),
    )
    emit(
        db,
        StepOverdue(
            workspace_id=ws.id,
            show_id=show.id,
            incident_id=7,
            step_id=3,
            title="切換備用線路",
            role="tech",
            assignee_id=None,
            commander_id=commander.id,
        ),
    )
    emit(
        db,
        IncidentTransitioned(
            **common,
            title="推流中斷",
            severity="high",
            status="resolved",
            drill=False,
            commander_id=commander.id,
            actor_id=commander.id,
        ),
    )
    db.commit()
    rows = _messages(db, show.id, "emergency")
    assert [m.text for m in rows] == [
        "⚠ 事件開始：推流中斷",
        "⚠ 逾時未完成：切換備用線路（技術）",
        "事件「推流中斷」：resolved",
    ]
    assert rows[0].severity == "critical" and rows[0].tags == ["tech"]
    assert [p.channel_kind for p in posted] == ["emergency"] * 3
    assert posted[0].mention_user_ids == (commander.id,)
    assert _messages(db, show.id, "live") == []


def test_customer_service_breaches_and_reports_go_to_the_service_channel(
    db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    agent = factory.user(ws, "service", name="吳欣怡")
    emit(
        db,
        SlaBreached(
            workspace_id=ws.id,
            ticket_id=11,
            kind="order",
            clock="first_reply",
            customer="王小姐",
            show_id=None,
            assignee_id=agent.id,
        ),
    )
    emit(db, DailyReportReady(workspace_id=ws.id, day="2026-06-12", summary="42 件，平均首回 3 分鐘"))
    db.commit()
    rows = _messages(db, None, "service")
    assert [m.text for m in rows] == [
        "⚠ 客服時效逾時：王小姐（首次回覆）",
        "客服日報 2026-06-12：42 件，平均首回 3 分鐘",
    ]
    assert rows[0].tags == ["order"]
    assert rows[0].texts["en"] == "⚠ Service clock ran out: 王小姐 (first reply)"


def test_person_messages_emit_message_posted_with_mentions(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory, posted: list[MessagePosted]
) -> None:
    ws = factory.workspace()
    host = factory.user(ws, "host", name="陳思妤")
    author = factory.user(ws, "operations", name="張家瑋")
    channel = db.scalar(select(Channel).where(Channel.workspace_id == ws.id, Channel.key == "selection"))
    assert channel is not None
    r = client.post(
        f"/api/v1/channels/{channel.id}/messages",
        json={"text": "@host 新品樣品到了", "tags": ["產品問題"], "severity": "warning"},
        headers=bearer(factory.token(author)),
    )
    assert r.status_code == 201
    assert posted == [
        MessagePosted(
            workspace_id=ws.id,
            channel_id=channel.id,
            channel_kind="workspace",
            channel_name="選品",
            show_id=None,
            message_id=r.json()["id"],
            author_id=author.id,
            text="@host 新品樣品到了",
            tags=("product",),
            severity="warning",
            mention_roles=("host",),
            mention_user_ids=(host.id,),  # a workspace channel: everyone who holds the role
        )
    ]


def test_a_gate_refusal_is_posted_although_the_move_rolls_back(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    controller = factory.user(ws, "controller", name="黃柏翰")
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=clock.now(), minutes=120)
    db.commit()
    r = client.post(
        f"/api/v1/shows/{show.id}/transitions", json={"to": "ready"}, headers=bearer(factory.token(controller))
    )
    assert r.status_code == 409
    db.expire_all()
    assert db.get(Show, show.id).status == "planned"  # type: ignore[union-attr]
    rows = _messages(db, show.id, "live")
    assert len(rows) == 1 and rows[0].system and rows[0].severity == "warning"
    assert rows[0].text.startswith("⚠ 無法轉為「") and "黃柏翰" in rows[0].text
    assert rows[0].texts["en"].startswith("⚠ Could not move to") and "lineup" in rows[0].texts["en"]
