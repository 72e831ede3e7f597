"""Sources through the API and the console, and the server's job: started, fed, reported; refused by the
platform -> stopped, with the platform's words and an alert in the control room."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fake_graph import FakeGraph, comment
from livecrew.core.clock import FakeClock
from livecrew.live.models import Alert
from livecrew.live.state import registry_of
from livecrew.shows import service as shows
from livecrew.sources.jobs import SourceJob
from livecrew.sources.models import LiveSource
from support import Factory, bearer, csrf, login

TOKEN = "EAAB-secret-token"


def _show(db: Session, clock: FakeClock, factory: Factory) -> tuple[object, str]:
    ws = factory.workspace()
    show = shows.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=60)
    show.status = "live"
    db.commit()
    return ws, show.id


def test_sources_api_validates_masks_the_token_and_keeps_to_the_workspace(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws, show_id = _show(db, clock, factory)
    tech = factory.token(factory.user(ws, "tech"))  # type: ignore[arg-type]
    url = f"/api/v1/shows/{show_id}/sources"
    bad = client.post(url, json={"platform": "youtube", "target": "x"}, headers=bearer(tech))
    assert bad.status_code == 422 and "youtube" in bad.json()["message"] and "tiktok" in bad.json()["message"]
    no_token = client.post(url, json={"platform": "facebook", "target": "123"}, headers=bearer(tech))
    assert no_token.status_code == 422 and "token" in no_token.json()["message"]
    bad_url = {"platform": "facebook", "target": "123", "token": TOKEN, "graph_url": "ftp://x"}
    assert client.post(url, json=bad_url, headers=bearer(tech)).status_code == 422
    made = client.post(url, json={"platform": "facebook", "target": "123", "token": TOKEN}, headers=bearer(tech))
    assert made.status_code == 201, made.text
    assert made.json()["token"] == "set" and TOKEN not in made.text and made.json()["status"] == "starting"
    listed = client.get(url, headers=bearer(tech))
    assert TOKEN not in listed.text and listed.json()[0]["target"] == "123"
    source_id = made.json()["id"]
    assert client.post(f"/api/v1/sources/{source_id}/stop", headers=bearer(tech)).json()["status"] == "stopped"
    tiktok = client.post(url, json={"platform": "tiktok", "target": "host_tw", "start": False}, headers=bearer(tech))
    assert tiktok.json()["target"] == "@host_tw" and tiktok.json()["status"] == "stopped"
    stranger = factory.token(factory.user(factory.workspace("別家"), "tech"))
    assert client.get(url, headers=bearer(stranger)).status_code == 404
    assert client.post(f"/api/v1/sources/{source_id}/start", headers=bearer(stranger)).status_code == 404
    assert client.post(f"/api/v1/sources/{10**30}/start", headers=bearer(tech)).status_code in (404, 422)
    host = factory.token(factory.user(ws, "host"))  # type: ignore[arg-type]
    assert client.post(url, json={"platform": "tiktok", "target": "x"}, headers=bearer(host)).status_code == 403


def test_the_server_job_runs_a_started_source_then_stops_it_when_asked(
    app: FastAPI, client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws, show_id = _show(db, clock, factory)
    tech = factory.token(factory.user(ws, "tech"))  # type: ignore[arg-type]

    def comments(n: int) -> Iterator[bytes]:
        if n == 0:
            for i in range(30):
                yield comment(i, viewers=10)

    graph = FakeGraph(TOKEN, {"live_comments": comments, "live_reactions": lambda n: iter([])})
    body = {"platform": "facebook", "target": "123", "token": TOKEN, "graph_url": graph.url}
    source_id = client.post(f"/api/v1/shows/{show_id}/sources", json=body, headers=bearer(tech)).json()["id"]

    async def scenario() -> None:
        job = SourceJob(app)
        job.wake()  # as the start route does for the process's own job
        await job.tick()
        for _ in range(200):
            await asyncio.sleep(0.02)
            if registry_of(app).get(show_id).snapshot()["comments"] == 30:
                break
        client.post(f"/api/v1/sources/{source_id}/stop", headers=bearer(tech))
        await job.tick()  # sees it is no longer wanted
        for task, _stop, _state in list(job.running.values()):
            await asyncio.wait_for(task, timeout=5)

    try:
        asyncio.run(scenario())
    finally:
        graph.close()
    db.expire_all()
    row = db.get(LiveSource, source_id)
    assert row is not None and row.status == "stopped" and row.events == 30 and row.runner is None
    assert registry_of(app).get(show_id).snapshot()["comments"] == 30


def test_a_refused_source_stops_and_raises_an_alert_in_the_control_room(
    app: FastAPI, client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws, show_id = _show(db, clock, factory)
    controller = factory.user(ws, "controller")  # type: ignore[arg-type]
    graph = FakeGraph(TOKEN, {"live_comments": lambda n: iter([])})
    graph.revoked = True
    body = {"platform": "facebook", "target": "123", "token": TOKEN, "graph_url": graph.url}
    source_id = client.post(
        f"/api/v1/shows/{show_id}/sources", json=body, headers=bearer(factory.token(controller))
    ).json()["id"]

    async def scenario() -> None:
        job = SourceJob(app)
        job.wake()  # as the start route does for the process's own job
        await job.tick()
        for task, _stop, _state in list(job.running.values()):
            await asyncio.wait_for(task, timeout=10)

    try:
        asyncio.run(scenario())
    finally:
        graph.close()
    db.expire_all()
    row = db.get(LiveSource, source_id)
    assert row is not None and row.status == "failed" and not row.wanted
    assert "Error validating access token" in row.last_error
    alert = db.scalars(select(Alert).where(Alert.show_id == show_id, Alert.rule == "source_failed")).one()
    assert alert.severity == "high" and "Error validating access token" in alert.message
    login(client, controller.email)
    room = client.get(f"/live/{show_id}")
    assert room.status_code == 200 and 'data-status="failed"' in room.text and "Facebook" in room.text
    assert TOKEN not in room.text


def test_the_console_adds_and_starts_a_source_from_the_shows_page(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws, show_id = _show(db, clock, factory)
    tech = factory.user(ws, "tech")  # type: ignore[arg-type]
    login(client, tech.email)
    page = client.get(f"/shows/{show_id}")
    assert page.status_code == 200 and 'id="source-form"' in page.text
    form = {"platform": "tiktok", "target": "@my_room", "csrf_token": csrf(client)}
    done = client.post(f"/shows/{show_id}/sources", data=form, follow_redirects=False)
    assert done.status_code == 303
    listed = client.get(f"/shows/{show_id}/sources/list")
    assert "@my_room" in listed.text and 'data-status="starting"' in listed.text
    wrong = client.post(
        f"/shows/{show_id}/sources", data={"platform": "youtube", "target": "x", "csrf_token": csrf(client)}
    )
    assert wrong.status_code == 200 and "youtube" in wrong.text  # back on the show's page, with the reason
