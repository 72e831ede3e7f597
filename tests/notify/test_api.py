"""The pushes' API: the contract routes, secrets that never come back, validation, permissions, isolation."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from notify.conftest import SECRETS, post
from notify_fakes import LINE_GROUP, TELEGRAM_CHAT, Fake
from support import Factory, bearer


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """A client whose app runs no relay job: the tests drive deliveries themselves."""
    app.state.notify_job_off = True
    with TestClient(app) as c:
        yield c


@pytest.fixture
def owner(factory: Factory, ws: Workspace) -> dict[str, str]:
    return bearer(factory.token(factory.user(ws, "owner")))


def test_create_list_and_read_the_delivery_log(
    api: TestClient, owner: dict[str, str], db: Session, ws: Workspace, fakes: Callable[..., Fake], app: FastAPI
) -> None:
    fake = fakes("dingtalk")
    r = api.post(
        "/api/v1/notify/targets",
        json={"kind": "dingtalk", "url": fake.url, "secret": SECRETS["dingtalk"], "channels": ["emergency"]},
        headers=owner,
    )
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"id"}
    target_id = r.json()["id"]
    listed = api.get("/api/v1/notify/targets", headers=owner).json()
    assert [t["id"] for t in listed] == [target_id]
    shown = listed[0]
    assert shown["secret_set"] is True and "secret" not in shown
    assert SECRETS["dingtalk"] not in r.text + str(listed)
    assert "robot-access-token" not in shown["url"] and "access_token=•••" in shown["url"]
    post(db, ws, "主播麥克風沒聲音", message_id=41)
    log = api.get(f"/api/v1/notify/targets/{target_id}/deliveries", headers=owner).json()
    assert [{k: d[k] for k in ("message", "status", "attempts", "last_error")} for d in log] == [
        {"message": 41, "status": "pending", "attempts": 0, "last_error": None}
    ]
    from livecrew.notify.jobs import relay_of

    relay_of(app).run_pass()
    log = api.get(f"/api/v1/notify/targets/{target_id}/deliveries", headers=owner).json()
    assert (log[0]["status"], log[0]["attempts"]) == ("sent", 1)
    assert api.get(f"/api/v1/notify/targets/{target_id}/deliveries?status=sent", headers=owner).json()[0]["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "pager", "url": "https://x.example/", "channels": ["live"]}, "pager"),
        ({"kind": "slack", "url": "not a url", "channels": ["live"]}, "web address"),
        ({"kind": "slack", "url": "https://hooks.example/x", "channels": []}, "channel kind"),
        ({"kind": "slack", "url": "https://hooks.example/x", "channels": ["lobby"]}, "lobby"),
        ({"kind": "slack", "url": "https://hooks.example/x", "channels": ["live"], "severities": ["meh"]}, "meh"),
        ({"kind": "line", "secret": "t", "channels": ["live"]}, "group or chat"),
        ({"kind": "telegram", "chat_id": "1", "channels": ["live"]}, "token"),
        ({"kind": "slack", "url": "https://hooks.example/x", "channels": ["live"], "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    api: TestClient, owner: dict[str, str], body: dict[str, object], field: str
) -> None:
    r = api.post("/api/v1/notify/targets", json=body, headers=owner)
    assert r.status_code == 422, r.text
    assert field in r.text


def test_line_and_telegram_default_to_their_api_and_keep_the_token_write_only(
    api: TestClient, owner: dict[str, str]
) -> None:
    r = api.post(
        "/api/v1/notify/targets",
        json={"kind": "line", "secret": SECRETS["line"], "chat_id": LINE_GROUP, "channels": ["emergency"]},
        headers=owner,
    )
    assert r.status_code == 201
    r2 = api.post(
        "/api/v1/notify/targets",
        json={"kind": "telegram", "secret": SECRETS["telegram"], "chat_id": TELEGRAM_CHAT, "channels": ["live"]},
        headers=owner,
    )
    listed = api.get("/api/v1/notify/targets", headers=owner)
    assert [t["url"] for t in listed.json()] == ["https://api.line.me", "https://api.telegram.org"]
    assert SECRETS["line"] not in listed.text and SECRETS["telegram"] not in listed.text
    assert r2.status_code == 201


def test_update_keeps_the_secret_unless_given_and_clears_broken(
    api: TestClient, owner: dict[str, str], db: Session, ws: Workspace, fakes: Callable[..., Fake], app: FastAPI
) -> None:
    from livecrew.notify.jobs import relay_of

    fake = fakes("webhook")
    target_id = api.post(
        "/api/v1/notify/targets",
        json={"kind": "webhook", "url": fake.url, "secret": "wrong", "channels": ["emergency"]},
        headers=owner,
    ).json()["id"]
    post(db, ws, "需要簽名")
    relay_of(app).run_pass()
    shown = api.get(f"/api/v1/notify/targets/{target_id}", headers=owner).json()
    assert shown["status"] == "broken" and "401" in shown["broken_reason"] and shown["waiting"] == 1
    # Changing the routes only keeps the (wrong) secret.
    r = api.patch(f"/api/v1/notify/targets/{target_id}", json={"tags": ["技術故障"]}, headers=owner)
    assert r.status_code == 200 and r.json()["tags"] == ["技術故障"] and r.json()["secret_set"]
    relay_of(app).run_pass()
    assert api.get(f"/api/v1/notify/targets/{target_id}", headers=owner).json()["status"] == "broken"
    r = api.patch(f"/api/v1/notify/targets/{target_id}", json={"secret": SECRETS["webhook"]}, headers=owner)
    assert r.json()["status"] == "ok"
    relay_of(app).run_pass()
    log = api.get(f"/api/v1/notify/targets/{target_id}/deliveries", headers=owner).json()
    assert log[0]["status"] == "sent"
    assert len(fake.accepted) == 1


def test_retry_and_test_message_routes(
    api: TestClient,
    owner: dict[str, str],
    db: Session,
    ws: Workspace,
    fakes: Callable[..., Fake],
    clock: FakeClock,
    app: FastAPI,
) -> None:
    from livecrew.notify.jobs import relay_of

    fake = fakes("telegram", mode="error")
    target_id = api.post(
        "/api/v1/notify/targets",
        json={
            "kind": "telegram",
            "url": fake.url,
            "secret": SECRETS["telegram"],
            "chat_id": TELEGRAM_CHAT,
            "channels": ["emergency"],
        },
        headers=owner,
    ).json()["id"]
    r = api.post(f"/api/v1/notify/targets/{target_id}/test", headers=owner)
    assert r.status_code == 200
    assert r.json()["delivery"]["status"] == "failed" and "502" in r.json()["delivery"]["last_error"]
    delivery_id = r.json()["delivery"]["id"]
    fake.mode = "ok"
    clock.advance(10)
    r = api.post(f"/api/v1/notify/targets/{target_id}/deliveries/{delivery_id}/retry", headers=owner)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    relay_of(app).run_pass()
    r = api.post(f"/api/v1/notify/targets/{target_id}/deliveries/{delivery_id}/retry", headers=owner)
    assert r.status_code == 422 and "delivered already" in r.text
    clock.advance(10)
    r = api.post(f"/api/v1/notify/targets/{target_id}/test", headers=owner)
    assert r.json()["delivery"]["status"] == "sent" and r.json()["delivery"]["message"] is None
    assert len(fake.accepted) == 2 and "測試訊息" in fake.texts()[-1]
    assert api.post(f"/api/v1/notify/targets/{target_id}/deliveries/999/retry", headers=owner).status_code == 404


def test_roles_and_workspaces(api: TestClient, factory: Factory, ws: Workspace, owner: dict[str, str]) -> None:
    body = {"kind": "slack", "url": "https://hooks.example/services/x", "channels": ["live"]}
    host = bearer(factory.token(factory.user(ws, "host")))
    tech = bearer(factory.token(factory.user(ws, "tech")))
    ops = bearer(factory.token(factory.user(ws, "operations")))
    denied = api.post("/api/v1/notify/targets", json=body, headers=host)
    assert denied.status_code == 403 and "notify.manage" in denied.text
    assert api.get("/api/v1/notify/targets", headers=host).status_code == 403
    assert api.post("/api/v1/notify/targets", json=body, headers=tech).status_code == 201
    target_id = api.post("/api/v1/notify/targets", json=body, headers=ops).json()["id"]
    other = factory.workspace("別家")
    stranger = bearer(factory.token(factory.user(other, "owner")))
    assert api.get(f"/api/v1/notify/targets/{target_id}", headers=stranger).status_code == 404
    assert api.get(f"/api/v1/notify/targets/{target_id}/deliveries", headers=stranger).status_code == 404
    assert api.delete(f"/api/v1/notify/targets/{target_id}", headers=stranger).status_code == 404
    assert api.get("/api/v1/notify/targets", headers=stranger).json() == []
    assert api.delete(f"/api/v1/notify/targets/{target_id}", headers=owner).status_code == 204
    assert api.get(f"/api/v1/notify/targets/{target_id}", headers=owner).status_code == 404


def test_the_server_job_delivers_right_after_the_commit(
    client: TestClient, db: Session, ws: Workspace, fakes: Callable[..., Fake], owner: dict[str, str]
) -> None:
    fake = fakes("webhook")
    r = client.post(
        "/api/v1/notify/targets",
        json={"kind": "webhook", "url": fake.url, "secret": SECRETS["webhook"], "channels": ["emergency"]},
        headers=owner,
    )
    assert r.status_code == 201
    post(db, ws, "即時送出")
    deadline = time.monotonic() + 10
    while not fake.accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.texts() == ["即時送出"]
