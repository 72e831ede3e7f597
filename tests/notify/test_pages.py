"""The console's push settings: list with state, create with routes, the log with retry, the test button."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from notify.conftest import SECRETS, post
from notify_fakes import Fake
from support import Factory, csrf, login


@pytest.fixture
def console(app: FastAPI, factory: Factory, ws: Workspace) -> Iterator[TestClient]:
    app.state.notify_job_off = True
    with TestClient(app) as c:
        user = factory.user(ws, "tech", email="tech@example.com")
        login(c, user.email)
        yield c


def test_create_then_see_state_log_and_retry(
    console: TestClient, db: Session, ws: Workspace, fakes: Callable[..., Fake], app: FastAPI
) -> None:
    from livecrew.notify.jobs import relay_of

    page = console.get("/settings/notify")
    assert page.status_code == 200 and "推送目標" in page.text and "釘釘機器人" in page.text
    fake = fakes("dingtalk")
    r = console.post(
        "/settings/notify",
        data={
            "csrf_token": csrf(console),
            "kind": "dingtalk",
            "name": "緊急群",
            "url": fake.url,
            "secret": "wrong-secret",
            "channels": ["emergency"],
            "tags": "技術故障，庫存",
            "severities": ["critical"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    where = r.headers["location"].split("?")[0]
    target_id = int(where.rsplit("/", 1)[1])
    post(db, ws, "推流中斷")
    relay_of(app).run_pass()
    listing = console.get("/settings/notify").text
    assert "故障" in listing and "310000" in listing  # broken, with the platform's words
    assert "wrong-secret" not in listing and "robot-access-token" not in listing
    page = console.get(where).text
    assert "sign not match" in page and "#技術故障" in page and "重送" in page
    assert "wrong-secret" not in page
    # Fix the secret in the console: the waiting message goes out.
    r = console.post(
        where,
        data={
            "csrf_token": csrf(console),
            "name": "緊急群",
            "url": "",
            "secret": SECRETS["dingtalk"],
            "channels": ["emergency"],
            "tags": "技術故障, 庫存",
            "severities": ["critical"],
            "enabled": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    relay_of(app).run_pass()
    page = console.get(where).text
    assert "已送達" in page and len(fake.accepted) == 1
    assert "推流中斷" in fake.texts()[0]
    delivery_id = int(re.findall(r'id="delivery-(\d+)"', page)[0])
    r = console.post(f"/settings/notify/{target_id}/deliveries/{delivery_id}/retry", data={"csrf_token": csrf(console)})
    assert r.status_code == 422 and "已送達" in r.text


def test_send_a_test_message_from_the_console(
    console: TestClient, clock: FakeClock, fakes: Callable[..., Fake]
) -> None:
    fake = fakes("slack", mode="error")
    r = console.post(
        "/settings/notify",
        data={
            "csrf_token": csrf(console),
            "kind": "slack",
            "url": fake.url,
            "channels": ["live"],
        },
        follow_redirects=False,
    )
    where = r.headers["location"].split("?")[0]
    failed = console.post(f"{where}/test", data={"csrf_token": csrf(console)})
    assert failed.status_code == 502 and "測試訊息未送達" in failed.text and "503" in failed.text
    fake.mode = "ok"
    clock.advance(5)  # past the backoff after the failure, and Slack's one a second
    ok = console.post(f"{where}/test", data={"csrf_token": csrf(console)}, follow_redirects=False)
    assert ok.status_code == 303 and "notify_test_sent" in ok.headers["location"]
    assert console.get(ok.headers["location"]).text.count("測試訊息已送達") == 1


def test_form_errors_are_shown_in_the_reader_language(console: TestClient) -> None:
    r = console.post(
        "/settings/notify", data={"csrf_token": csrf(console), "kind": "slack", "url": "ftp://x", "channels": ["live"]}
    )
    assert r.status_code == 422 and "這不是網址" in r.text
    r = console.post(
        "/settings/notify", data={"csrf_token": csrf(console), "kind": "slack", "url": "https://hooks.example/x"}
    )
    assert r.status_code == 422 and "請至少選一種頻道類型" in r.text


def test_only_managers_see_the_push_settings(app: FastAPI, factory: Factory, ws: Workspace) -> None:
    app.state.notify_job_off = True
    with TestClient(app) as c:
        host = factory.user(ws, "host", email="host@example.com")
        login(c, host.email)
        assert c.get("/settings/notify").status_code == 403


@pytest.mark.parametrize(("lang", "word"), [("zh-Hans", "推送目标"), ("en", "Push targets")])
def test_pages_in_each_language(console: TestClient, factory: Factory, ws: Workspace, lang: str, word: str) -> None:
    r = console.post("/language", data={"csrf_token": csrf(console), "lang": lang}, follow_redirects=False)
    assert r.status_code == 303
    assert word in console.get("/settings/notify").text
