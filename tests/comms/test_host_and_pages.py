"""The host's screen state and page, the channels page in three languages, its forms, and the CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew.comms.models import Channel, Message
from livecrew.core.clock import FakeClock
from livecrew.shows import service as shows
from livecrew.shows.models import ShowStatus
from support import Factory, bearer, csrf, login

T0 = 1_781_245_800_000


def _setup(db: Session, clock: FakeClock, factory: Factory) -> dict[str, Any]:
    ws = factory.workspace()
    host = factory.user(ws, "host", name="陳思妤", email="host@example.com")
    controller = factory.user(ws, "controller", name="黃柏翰", email="ctl@example.com")
    templates = shows.list_templates(db, ws)
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=clock.now(), template=templates[0].key)
    shows.add_to_roster(db, ws, show, "host", host.id)
    db.commit()
    factory.lineup(
        show.id,
        factory.product(
            ws,
            "MASK-1",
            stock=80,
            title="玻尿酸保濕面膜",
            selling_points=["一片等於一瓶精華", "敏感肌可用"],
            objections=[{"q": "會不會過敏？", "a": "有皮膚科測試報告"}],
        ),
    )
    show.status = ShowStatus.live.value
    db.commit()
    return {"ws": ws, "host": host, "controller": controller, "show": show}


def test_host_screen_state(client: TestClient, db: Session, clock: FakeClock, factory: Factory) -> None:
    s = _setup(db, clock, factory)
    host_token = factory.token(s["host"])
    ctl_token = factory.token(s["controller"])
    show_id = s["show"].id
    state = client.get(f"/api/v1/shows/{show_id}/host", headers=bearer(host_token)).json()
    assert state["product"] is None and state["banner"] is None and state["messages"] == []
    assert state["run"]["next"] is not None and state["run"]["next"]["seconds"] > 0
    # The controller starts the explanation and writes to the host; the host's speech trips the lexicon.
    r = client.post(
        f"/api/v1/shows/{show_id}/actions",
        json={"kind": "explain", "product": "MASK-1", "action": "start"},
        headers=bearer(ctl_token),
    )
    assert r.status_code in (200, 201), r.text
    live = next(
        c
        for c in client.get(f"/api/v1/shows/{show_id}/channels", headers=bearer(ctl_token)).json()
        if c["kind"] == "live"
    )
    msg = client.post(
        f"/api/v1/channels/{live['id']}/messages",
        json={"text": "@主播 提醒限量 80 組", "tags": ["庫存"]},
        headers=bearer(ctl_token),
    ).json()
    client.post(f"/api/v1/channels/{live['id']}/messages", json={"text": "給運營的"}, headers=bearer(ctl_token))
    speech = orjson.dumps({"id": "s1", "type": "speech", "ts": T0, "text": "這是全網最低價"})
    client.post(
        f"/api/v1/shows/{show_id}/events",
        content=speech,
        headers={**bearer(ctl_token), "Content-Type": "application/x-ndjson"},
    )
    state = client.get(f"/api/v1/shows/{show_id}/host", headers=bearer(host_token)).json()
    p = state["product"]
    assert (p["name"], p["code"], p["stock_left"], p["live_price"], p["list_price"]) == (
        "玻尿酸保濕面膜",
        "A1",
        80,
        39900,
        59900,
    )
    assert p["selling_points"] == ["一片等於一瓶精華", "敏感肌可用"] and p["objections"][0]["q"] == "會不會過敏？"
    assert [m["id"] for m in state["messages"]] == [msg["id"]]  # only what is addressed to the host
    assert state["banner"]["rule"] == "speech_compliance" and "全網最低" in state["banner"]["params"]["terms"]
    # The host's one-tap ✓: the controller sees it on the message.
    ack = client.post(f"/api/v1/messages/{msg['id']}/ack", headers=bearer(host_token))
    assert ack.status_code == 200 and [a["name"] for a in ack.json()["acks"]] == ["陳思妤"]
    listed = client.get(f"/api/v1/channels/{live['id']}/messages", headers=bearer(ctl_token)).json()
    assert next(m for m in listed if m["id"] == msg["id"])["acks"][0]["id"] == s["host"].id
    # Someone the message does not mention cannot tick it.
    other = factory.token(factory.user(s["ws"], "analyst"))
    assert client.post(f"/api/v1/messages/{msg['id']}/ack", headers=bearer(other)).status_code == 403
    # Explaining stops: no product.
    client.post(
        f"/api/v1/shows/{show_id}/actions",
        json={"kind": "explain", "product": "MASK-1", "action": "stop"},
        headers=bearer(ctl_token),
    )
    assert client.get(f"/api/v1/shows/{show_id}/host", headers=bearer(host_token)).json()["product"] is None


def test_host_page_renders_in_three_languages(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    s = _setup(db, clock, factory)
    login(client, "host@example.com")
    page = client.get(f"/shows/{s['show'].id}/host")
    assert page.status_code == 200
    assert "主播屏" in page.text and "尚未開始講解商品" in page.text and 'id="host-banner"' in page.text
    for language, word in (("zh-Hans", "尚未开始讲解商品"), ("en", "No product being explained")):
        s["host"].language = language
        db.commit()
        assert word in client.get(f"/shows/{s['show'].id}/host").text
    assert client.get("/shows/nope/host").status_code == 404


def test_channels_page_lists_posts_filters_and_searches(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    s = _setup(db, clock, factory)
    login(client, "ctl@example.com")
    live = db.scalar(select(Channel).where(Channel.show_id == s["show"].id, Channel.kind == "live"))
    assert live is not None
    page = client.get(f"/channels?c={live.id}")
    assert page.status_code == 200
    for text in ("直播進行群", "緊急事件群", "客服", "選品", "技術故障", "晚場"):
        assert text in page.text
    r = client.post(
        f"/channels/{live.id}/post",
        data={"text": "推流卡頓", "tags": ["tech"], "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    client.post(f"/channels/{live.id}/post", data={"text": "面膜库存不多", "csrf_token": csrf(client)})
    assert "推流卡頓" in client.get(f"/channels?c={live.id}&tag=tech").text
    assert "面膜库存不多" not in client.get(f"/channels?c={live.id}&tag=tech").text
    found = client.get(f"/channels?c={live.id}&q=庫存").text
    assert "面膜库存不多" in found and "推流卡頓" not in found
    bad = client.post(f"/channels/{live.id}/post", data={"text": " ", "csrf_token": csrf(client)})
    assert bad.status_code == 422 and "訊息是空的" in bad.text
    # Without the CSRF token nothing is posted.
    assert client.post(f"/channels/{live.id}/post", data={"text": "x"}).status_code == 403
    # English.
    s["controller"].language = "en"
    db.commit()
    english = client.get(f"/channels?c={live.id}").text
    assert "Show live" in english and "Tech fault" in english
    # Another workspace's channel is not found.
    other = factory.workspace("別家")
    theirs = db.scalar(select(Channel).where(Channel.workspace_id == other.id))
    assert theirs is not None
    assert client.get(f"/channels?c={theirs.id}").status_code == 404


def test_owner_creates_a_channel_and_a_tag_in_the_console(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    factory.user(ws, "owner", email="owner@example.com")
    factory.user(ws, "host", email="h@example.com")
    login(client, "owner@example.com")
    r = client.post("/channels/new", data={"name": "投放", "csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(
        "/channels/tags",
        data={"zh-Hant": "直播間", "zh-Hans": "直播间", "en": "Room", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "投放" in page and "直播間" in page
    host = TestClient(client.app)
    login(host, "h@example.com")
    assert host.post("/channels/new", data={"name": "x", "csrf_token": csrf(host)}).status_code == 403


def test_cli_lists_and_posts(cli_db: str, clock: FakeClock) -> None:
    from livecrew import cli
    from livecrew.core.auth import service as auth
    from livecrew.core.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(cli_db)
    with session_scope(make_sessionmaker(engine)) as db:
        ws = auth.create_workspace(db, clock, "命令列")
        auth.create_user(
            db, clock, ws, email="c@example.com", display_name="場控", password="x" * 12, roles=["controller"]
        )
        show = shows.create_show(db, clock, ws, title="晚場", starts_at=clock.now() + timedelta(days=1), minutes=60)
        show_id = show.id
    engine.dispose()
    runner = CliRunner(env={"COLUMNS": "300"})
    listed = runner.invoke(cli.app, ["channel", "list", "--show", show_id])
    assert listed.exit_code == 0, listed.output
    assert "直播進行群" in listed.output and "emergency" in listed.output
    engine = make_engine(cli_db)
    with session_scope(make_sessionmaker(engine)) as db:
        live = db.scalar(select(Channel).where(Channel.show_id == show_id, Channel.kind == "live"))
        assert live is not None
        live_id = live.id
    engine.dispose()
    posted = runner.invoke(
        cli.app, ["channel", "post", str(live_id), "--text", "測試訊息", "--tag", "技術故障", "--as", "c@example.com"]
    )
    assert posted.exit_code == 0, posted.output
    assert "posted message" in posted.output and "tech" in posted.output
    bad = runner.invoke(cli.app, ["channel", "post", str(live_id), "--text", "x", "--tag", "沒有"])
    assert bad.exit_code == 1 and "unknown tag" in bad.output
    read = runner.invoke(cli.app, ["channel", "read", str(live_id), "--search", "测试"])
    assert read.exit_code == 0 and "場控: 測試訊息 [tech]" in read.output
    ws_list = runner.invoke(cli.app, ["channel", "list", "--workspace", "命令列"])
    assert ws_list.exit_code == 0 and "選品" in ws_list.output
    engine = make_engine(cli_db)
    with session_scope(make_sessionmaker(engine)) as db:
        assert db.scalar(select(Message.author_id).where(Message.channel_id == live_id)) is not None
    engine.dispose()
