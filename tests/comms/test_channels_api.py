"""Team channels through the API: every show has its three channels, messages with tags and mentions, filters,
search on both scripts, edit / delete / pin with the audit trail, read markers, and no leaks across workspaces."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.comms.models import AuditEntry, Message
from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from livecrew.shows import service as shows
from support import Factory, bearer


def _show(db: Session, clock: FakeClock, ws: Workspace, title: str = "週五晚場") -> str:
    show = shows.create_show(db, clock, ws, title=title, starts_at=clock.now(), minutes=120)
    db.commit()
    return show.id


def _channels(client: TestClient, show_id: str, token: str) -> dict[str, dict[str, Any]]:
    r = client.get(f"/api/v1/shows/{show_id}/channels", headers=bearer(token))
    assert r.status_code == 200, r.text
    return {c["kind"]: c for c in r.json()}


def _post(client: TestClient, channel: int, token: str, text: str, **extra: Any) -> dict[str, Any]:
    r = client.post(f"/api/v1/channels/{channel}/messages", json={"text": text, **extra}, headers=bearer(token))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_every_show_gets_preview_live_and_emergency_channels(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "host"))
    show_id = _show(db, clock, ws)
    r = client.get(f"/api/v1/shows/{show_id}/channels", headers=bearer(token))
    assert r.status_code == 200
    listed = r.json()
    assert [c["kind"] for c in listed] == ["preview", "live", "emergency"]
    assert [c["name"] for c in listed] == ["直播預告群", "直播進行群", "緊急事件群"]  # the workspace's language
    assert all(isinstance(c["id"], int) for c in listed)
    # English reader: the same channels, English names.
    en = factory.user(ws, "host", name="Amy")
    en.language = "en"
    db.commit()
    names = [
        c["name"] for c in client.get(f"/api/v1/shows/{show_id}/channels", headers=bearer(factory.token(en))).json()
    ]
    assert names == ["Show preview", "Show live", "Emergencies"]


def test_post_and_list_with_tag_filter_newest_last(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    controller = factory.token(factory.user(ws, "controller", name="黃場控"))
    live = _channels(client, _show(db, clock, ws), controller)["live"]["id"]
    first = _post(client, live, controller, "麥克風有雜音", tags=["技術故障"])
    assert first["tags"] == ["tech"] and first["author"]["name"] == "黃場控" and first["id"]
    clock.advance(seconds=5)
    _post(client, live, controller, "A1 快賣完了", tags=["库存"])  # Simplified label, same tag
    clock.advance(seconds=5)
    _post(client, live, controller, "大家加油", tags=[])
    everything = client.get(f"/api/v1/channels/{live}/messages", headers=bearer(controller)).json()
    assert [m["text"] for m in everything] == ["麥克風有雜音", "A1 快賣完了", "大家加油"]
    tech = client.get(f"/api/v1/channels/{live}/messages?tag=技術故障", headers=bearer(controller)).json()
    assert [m["text"] for m in tech] == ["麥克風有雜音"]
    by_key = client.get(f"/api/v1/channels/{live}/messages?tag=stock", headers=bearer(controller)).json()
    assert [m["tags"] for m in by_key] == [["stock"]]
    bad = client.post(
        f"/api/v1/channels/{live}/messages", json={"text": "x", "tags": ["八卦"]}, headers=bearer(controller)
    )
    assert bad.status_code == 422 and "八卦" in bad.json()["message"]
    empty = client.post(f"/api/v1/channels/{live}/messages", json={"text": "   "}, headers=bearer(controller))
    assert empty.status_code == 422


def test_search_finds_both_scripts_and_full_width(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "operations"))
    live = _channels(client, _show(db, clock, ws), token)["live"]["id"]
    _post(client, live, token, "面膜库存只剩 20 组")  # Simplified
    _post(client, live, token, "ＳＫＵ－１ 補貨到了")  # full-width
    _post(client, live, token, "開場順利")

    def search(q: str) -> list[str]:
        r = client.get(f"/api/v1/channels/{live}/messages", params={"q": q}, headers=bearer(token))
        assert r.status_code == 200
        return [m["text"] for m in r.json()]

    assert search("庫存") == ["面膜库存只剩 20 组"]  # Traditional query finds Simplified text
    assert search("库存") == ["面膜库存只剩 20 组"]
    assert search("sku-1") == ["ＳＫＵ－１ 補貨到了"]
    assert search("补货") == ["ＳＫＵ－１ 補貨到了"]
    assert search("開場 順利") == ["開場順利"]  # every word must be there
    assert search("100%") == []


def test_mentions_reach_the_roster_by_role_and_people_by_name(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    host = factory.user(ws, "host", name="陳思妤")
    other_host = factory.user(ws, "host", name="林小美")  # a host, but not on this show's roster
    tech = factory.user(ws, "tech", name="蔡承恩")
    controller = factory.token(factory.user(ws, "controller"))
    show_id = _show(db, clock, ws)
    show = shows.get_show(db, ws, show_id)
    shows.add_to_roster(db, ws, show, "host", host.id)
    db.commit()
    live = _channels(client, show_id, controller)["live"]["id"]
    m = _post(client, live, controller, "@主播 請提醒限量，@蔡承恩 看一下推流")
    assert m["mentions"]["roles"] == ["host"]
    assert set(m["reached"]) == {host.id, tech.id} and other_host.id not in m["reached"]
    _post(client, live, controller, "@场控 自己記一下")  # Simplified role name
    by_role = client.get(f"/api/v1/channels/{live}/messages?mention=host", headers=bearer(controller)).json()
    assert [x["id"] for x in by_role] == [m["id"]]
    mine = client.get(f"/api/v1/channels/{live}/messages?mention=me", headers=bearer(factory.token(tech))).json()
    assert [x["id"] for x in mine] == [m["id"]]
    controllers = client.get(f"/api/v1/channels/{live}/messages?mention=controller", headers=bearer(controller)).json()
    assert [x["text"] for x in controllers] == ["@场控 自己記一下"]


def test_replies_pin_edit_window_and_delete_with_audit(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    owner = factory.token(factory.user(ws, "owner"))
    alice_user = factory.user(ws, "operations", name="Alice")
    alice = factory.token(alice_user)
    bob = factory.token(factory.user(ws, "analyst", name="Bob"))
    live = _channels(client, _show(db, clock, ws), alice)["live"]["id"]
    first = _post(client, live, alice, "第一則")
    reply = _post(client, live, bob, "收到", reply_to=first["id"])
    assert reply["reply_to"] == first["id"] and reply["reply_excerpt"] == "第一則"
    # Pin: operations may, the analyst may not.
    assert client.post(f"/api/v1/messages/{first['id']}/pin", json={}, headers=bearer(bob)).status_code == 403
    pinned = client.post(f"/api/v1/messages/{first['id']}/pin", json={"pinned": True}, headers=bearer(alice))
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    assert [
        m["id"] for m in client.get(f"/api/v1/channels/{live}/messages?pinned=true", headers=bearer(bob)).json()
    ] == [first["id"]]
    # Edit: only the author, within five minutes, and the edit shows.
    assert client.patch(f"/api/v1/messages/{first['id']}", json={"text": "改"}, headers=bearer(bob)).status_code == 403
    edited = client.patch(f"/api/v1/messages/{first['id']}", json={"text": "第一則（更正）"}, headers=bearer(alice))
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    clock.advance(minutes=6)
    late = client.patch(f"/api/v1/messages/{first['id']}", json={"text": "太晚"}, headers=bearer(alice))
    assert late.status_code == 409
    # Delete: not someone else's (unless owner); the author may; it stays in the audit trail.
    assert client.delete(f"/api/v1/messages/{reply['id']}", headers=bearer(alice)).status_code == 403
    assert client.delete(f"/api/v1/messages/{reply['id']}", headers=bearer(owner)).status_code == 204
    assert client.delete(f"/api/v1/messages/{first['id']}", headers=bearer(alice)).status_code == 204
    assert client.get(f"/api/v1/channels/{live}/messages", headers=bearer(bob)).json() == []
    rows = db.scalars(select(Message).order_by(Message.id)).all()
    assert all(m.deleted_at is not None for m in rows)
    actions = [a.action for a in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["pinned", "edited", "deleted", "deleted"]
    audit = client.get(f"/api/v1/messages/{first['id']}/audit", headers=bearer(owner)).json()
    assert audit[1]["detail"]["before"]["text"] == "第一則"
    assert client.get(f"/api/v1/messages/{first['id']}/audit", headers=bearer(alice)).status_code == 403


def test_read_markers_and_unread_counts(client: TestClient, db: Session, clock: FakeClock, factory: Factory) -> None:
    ws = factory.workspace()
    a = factory.token(factory.user(ws, "operations"))
    b = factory.token(factory.user(ws, "host"))
    channels = _channels(client, _show(db, clock, ws), a)
    live, preview = channels["live"]["id"], channels["preview"]["id"]
    _post(client, live, a, "一")
    _post(client, live, a, "二")
    _post(client, preview, a, "三")
    unread = client.get("/api/v1/comms/unread", headers=bearer(b)).json()
    assert unread == {"total": 3, "channels": {str(live): 2, str(preview): 1}}
    assert client.get("/api/v1/comms/unread", headers=bearer(a)).json()["total"] == 0  # one's own messages
    r = client.post(f"/api/v1/channels/{live}/read", json={}, headers=bearer(b))
    assert r.status_code == 200
    assert client.get("/api/v1/comms/unread", headers=bearer(b)).json() == {"total": 1, "channels": {str(preview): 1}}
    assert _channels(client, _show_id(client, b, live), b)["preview"]["unread"] == 1


def _show_id(client: TestClient, token: str, channel: int) -> str:
    listed = client.get("/api/v1/channels", headers=bearer(token)).json()
    return str(next(c["show"] for c in listed if c["id"] == channel))


def test_workspace_channels_tags_admin_and_permissions(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    owner = factory.token(factory.user(ws, "owner"))
    host = factory.token(factory.user(ws, "host"))
    listed = client.get("/api/v1/channels", headers=bearer(host)).json()
    assert [(c["key"], c["name"]) for c in listed if c["show"] is None] == [("service", "客服"), ("selection", "選品")]
    assert client.post("/api/v1/channels", json={"name": "投放"}, headers=bearer(host)).status_code == 403
    made = client.post("/api/v1/channels", json={"name": "投放"}, headers=bearer(owner))
    assert made.status_code == 201 and made.json()["name"] == "投放" and made.json()["kind"] == "workspace"
    assert client.post("/api/v1/channels", json={"name": "投放"}, headers=bearer(owner)).status_code == 409
    _post(client, made.json()["id"], host, "今天投放預算？")
    tags = client.get("/api/v1/comms/tags", headers=bearer(host)).json()
    assert [t["labels"]["zh-Hant"] for t in tags] == ["產品問題", "訂單處理", "技術故障", "庫存", "客訴", "合規"]
    assert client.post("/api/v1/comms/tags", json={"labels": {"en": "Ads"}}, headers=bearer(host)).status_code == 403
    new = client.post(
        "/api/v1/comms/tags", json={"key": "ads", "labels": {"zh-Hant": "投放", "en": "Ads"}}, headers=bearer(owner)
    )
    assert new.status_code == 201 and new.json()["labels"]["zh-Hans"] == "投放"
    assert _post(client, made.json()["id"], host, "ROI 掉了", tags=["Ads"])["tags"] == ["ads"]
    assert client.delete("/api/v1/comms/tags/ads", headers=bearer(owner)).status_code == 204
    r = client.post(
        f"/api/v1/channels/{made.json()['id']}/messages", json={"text": "x", "tags": ["ads"]}, headers=bearer(host)
    )
    assert r.status_code == 422


def test_nothing_leaks_across_workspaces(client: TestClient, db: Session, clock: FakeClock, factory: Factory) -> None:
    ours = factory.workspace("我們")
    theirs = factory.workspace("別家")
    us = factory.token(factory.user(ours, "owner"))
    them = factory.token(factory.user(theirs, "owner"))
    show_id = _show(db, clock, ours)
    live = _channels(client, show_id, us)["live"]["id"]
    message = _post(client, live, us, "內部消息")
    assert client.get(f"/api/v1/shows/{show_id}/channels", headers=bearer(them)).status_code == 404
    assert client.get(f"/api/v1/channels/{live}/messages", headers=bearer(them)).status_code == 404
    assert (
        client.post(f"/api/v1/channels/{live}/messages", json={"text": "hi"}, headers=bearer(them)).status_code == 404
    )
    assert (
        client.patch(f"/api/v1/messages/{message['id']}", json={"text": "x"}, headers=bearer(them)).status_code == 404
    )
    assert client.delete(f"/api/v1/messages/{message['id']}", headers=bearer(them)).status_code == 404
    assert client.post(f"/api/v1/messages/{message['id']}/pin", json={}, headers=bearer(them)).status_code == 404
    assert client.post(f"/api/v1/messages/{message['id']}/ack", headers=bearer(them)).status_code == 404
    assert client.get(f"/api/v1/messages/{message['id']}/audit", headers=bearer(them)).status_code == 404
    assert client.post(f"/api/v1/channels/{live}/read", json={}, headers=bearer(them)).status_code == 404
    assert client.get(f"/api/v1/shows/{show_id}/host", headers=bearer(them)).status_code == 404
    assert all(c["show"] != show_id for c in client.get("/api/v1/channels", headers=bearer(them)).json())
    assert client.get("/api/v1/comms/unread", headers=bearer(them)).json()["total"] == 0
    assert client.get(f"/api/v1/channels/{live}/messages", headers={}).status_code == 401
