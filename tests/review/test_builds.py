"""The final review is built by the review job, not in the request that ends the show; a build asked for before
a stop is done after the restart; the CLI builds a waiting one itself."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from livecrew.app import create_app
from livecrew.core.clock import FakeClock, to_ms
from livecrew.core.config import Settings
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.core.migrate import upgrade
from livecrew.review import builds
from livecrew.review.models import ReviewBuild, ShowFigures
from livecrew.shows import service as shows_service
from livecrew.shows.public import Show
from livecrew.simulate import generate
from review_support import build_waiting
from support import Factory, bearer

JSONL = {"Content-Type": "application/x-ndjson"}


def _live_show(db: Session, clock: FakeClock, factory: Factory) -> tuple[Any, str]:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    show = shows_service.create_show(db, clock, ws, title="收播後", starts_at=clock.now(), minutes=30, room="A")
    show.status = "live"
    db.commit()
    return show, factory.token(owner)


def _feed(client: TestClient, show_id: str, token: str, clock: FakeClock) -> None:
    events = list(generate(minutes=3, seed=8, session="s", start_ms=to_ms(clock.now())))
    clock.advance(days=1)
    body = "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()
    r = client.post(f"/api/v1/shows/{show_id}/events", content=body, headers={**JSONL, **bearer(token)})
    assert r.status_code == 200, r.text


def test_ending_a_show_answers_before_the_build_and_the_job_builds_it(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    show, token = _live_show(db, clock, factory)
    _feed(client, show.id, token, clock)
    r = client.post(f"/api/v1/shows/{show.id}/transitions", json={"to": "ended"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    db.expire_all()
    assert db.get(ShowFigures, show.id) is None  # not built in the request
    assert db.get(ReviewBuild, show.id) is not None  # asked for, in the request's own transaction
    r = client.get(f"/api/v1/shows/{show.id}/review", headers=bearer(token))
    assert r.status_code == 202 and r.json()["state"] == "building" and r.headers["Retry-After"] == "5"
    assert client.get(f"/api/v1/shows/{show.id}/review.pdf", headers=bearer(token)).status_code == 202
    assert build_waiting(client) == 1
    db.expire_all()
    assert db.get(ReviewBuild, show.id) is None
    stored = db.get(ShowFigures, show.id)
    assert stored is not None and stored.review_part
    metrics = client.get(f"/api/v1/shows/{show.id}/metrics", headers=bearer(token)).json()
    r = client.get(f"/api/v1/shows/{show.id}/review", headers=bearer(token))
    assert r.status_code == 200 and r.json()["state"] == "final" and r.json()["metrics"] == metrics
    assert build_waiting(client) == 0


def test_a_build_asked_again_while_it_ran_is_done_again(db: Session, clock: FakeClock, factory: Factory) -> None:
    show, _token = _live_show(db, clock, factory)
    builds.request_build(db, clock.now(), show.workspace_id, show.id)
    db.commit()
    assert builds.claim(db, clock.now(), "a") is not None
    db.commit()
    assert builds.claim(db, clock.now(), "b") is None  # leased to "a"
    builds.request_build(db, clock.now(), show.workspace_id, show.id)  # asked again meanwhile
    db.commit()
    row = db.get(ReviewBuild, show.id)
    assert row is not None and row.requests == 2


def _app(url: str, tmp_path: Path, clock: FakeClock, *, job: bool) -> Any:
    made = create_app(Settings(data_dir=tmp_path / "data", log_level="WARNING"), clock=clock, engine=make_engine(url))
    made.state.review_job_off = not job
    return made


def test_a_build_missed_by_a_stopped_server_is_done_after_the_restart(
    db_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    upgrade(db_url)
    sessions = make_sessionmaker(make_engine(db_url))
    with sessions() as db:
        factory = Factory(db, clock)
        show, token = _live_show(db, clock, factory)
        show_id = show.id
    with TestClient(_app(db_url, tmp_path, clock, job=False)) as client:  # the job never runs: a stop
        _feed(client, show_id, token, clock)
        r = client.post(f"/api/v1/shows/{show_id}/transitions", json={"to": "ended"}, headers=bearer(token))
        assert r.status_code == 200, r.text
        assert client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token)).status_code == 202
    with sessions() as db:
        assert db.scalar(select(ReviewBuild.show_id)) == show_id
    with TestClient(_app(db_url, tmp_path, clock, job=True)) as client:  # the restart: its job finds the row
        deadline = time.monotonic() + 60
        while (r := client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token))).status_code == 202:
            assert time.monotonic() < deadline, "the restarted server did not build the waiting review"
            time.sleep(0.2)
        assert r.status_code == 200 and r.json()["state"] == "final"
    with sessions() as db:
        assert db.get(ReviewBuild, show_id) is None and db.get(ShowFigures, show_id) is not None


def test_the_cli_builds_a_waiting_review_itself(cli_db: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from livecrew import cli

    runner = CliRunner(env={"COLUMNS": "300"})
    ws = runner.invoke(cli.app, ["workspace", "create", "CLI 直播間"]).output.strip()
    start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 600))
    show = runner.invoke(cli.app, ["show", "create", "--workspace", ws, "--title", "命令列場", "--start", start]).output
    show_id = show.strip().splitlines()[-1]
    now = int(time.time() * 1000)
    events = [e for e in generate(minutes=3, seed=4, session="s", start_ms=now - 300_000) if e["ts"] <= now]
    feed_file = tmp_path / "events.jsonl"
    feed_file.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events), encoding="utf-8")
    assert runner.invoke(cli.app, ["replay", str(feed_file), "--show", show_id]).exit_code == 0
    sessions = make_sessionmaker(make_engine(cli_db))
    with sessions() as db:
        db.execute(update(Show).where(Show.id == show_id).values(status="live"))
        db.commit()
    r = runner.invoke(cli.app, ["show", "transition", show_id, "--to", "ended"])
    assert r.exit_code == 0, r.output
    with sessions() as db:
        assert db.get(ReviewBuild, show_id) is not None and db.get(ShowFigures, show_id) is None
    out = tmp_path / "review.json"
    r = runner.invoke(cli.app, ["review", show_id, "--format", "json", "--out", str(out)])
    assert r.exit_code == 0 and "built and stored" in r.output, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["state"] == "final"
    with sessions() as db:
        assert db.get(ReviewBuild, show_id) is None and db.get(ShowFigures, show_id) is not None


def test_the_job_in_a_server_takes_its_live_engine_for_the_replay_and_stores_the_same_review(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from livecrew.live import public as live
    from livecrew.review import jobs

    show, token = _live_show(db, clock, factory)
    _feed(client, show.id, token, clock)  # the server's registry now holds the show's engine, fed
    r = client.post(f"/api/v1/shows/{show.id}/transitions", json={"to": "ended"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    replay = live.replay_engine

    def no_replay(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the log was replayed although the server's engine was at the version")

    monkeypatch.setattr(live, "replay_engine", no_replay)
    assert jobs.drain(client.app.state.ctx, "test", client.app) == 1  # type: ignore[attr-defined]
    db.expire_all()
    held = db.get(ShowFigures, show.id)
    assert held is not None and held.review_part
    from_engine = (held.log_version, held.figures, held.scores, held.review_part)
    # The same build by a replay of the log (the job of a process that holds no engine for the show).
    monkeypatch.setattr(live, "replay_engine", replay)
    db.execute(delete(ShowFigures).where(ShowFigures.show_id == show.id))
    builds.request_build(db, clock.now(), show.workspace_id, show.id)
    db.commit()
    assert jobs.drain(client.app.state.ctx, "test") == 1  # type: ignore[attr-defined]
    db.expire_all()
    replayed = db.get(ShowFigures, show.id)
    assert replayed is not None
    assert (replayed.log_version, replayed.figures, replayed.scores, replayed.review_part) == from_engine
