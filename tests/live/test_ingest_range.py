"""Ingest refuses an event far from the rest of its show (one stray ts would make millions of per-minute
entries) or more than a day ahead of the server's clock, with a reason; everything else is kept."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew import cli
from livecrew.core.auth import service as auth
from livecrew.core.clock import FakeClock
from livecrew.core.config import get_settings
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.live.models import LiveEvent
from livecrew.shows import service
from livecrew.shows.models import Show
from support import Factory, bearer

from .test_ingest import JSONL, T0, body, line

DAY = 86_400_000
YEARS = 5 * 365 * DAY


@pytest.fixture
def feed(factory: Factory, db: Session, clock: FakeClock, client: TestClient) -> Any:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "tech"))
    show = service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=60)
    db.commit()

    def post(events: list[dict[str, Any]]) -> dict[str, Any]:
        response = client.post(
            f"/api/v1/shows/{show.id}/events", content=body(events), headers={**bearer(token), **JSONL}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    post.show = show  # type: ignore[attr-defined]
    post.token = token  # type: ignore[attr-defined]
    return post


def test_an_event_years_after_the_show_is_refused_and_the_rest_kept(feed: Any, client: TestClient, db: Session) -> None:
    assert feed([line(1, "live_start", 0), line(2, "enter", 1000, user="u1")])["accepted"] == 2
    answer = feed([line(3, "comment", 2000, user="u1", text="hi"), line(4, "enter", -YEARS, user="u2")])
    assert answer["accepted"] == 1
    [refused] = answer["rejected"]
    assert refused["index"] == 1
    assert "too far from this show's other events" in refused["error"] and "60 days" in refused["error"]
    metrics = client.get(f"/api/v1/shows/{feed.show.id}/metrics", headers=bearer(feed.token)).json()
    assert len(metrics["minutes"]) == 1 and metrics["uv"] == 1
    stored = db.scalars(select(LiveEvent.event_id).where(LiveEvent.show_id == feed.show.id)).all()
    assert sorted(stored) == ["e1", "e2", "e3"]
    db.expire_all()
    show = db.get(Show, feed.show.id)
    assert show is not None and (show.events_ts_min, show.events_ts_max) == (T0, T0 + 2000)


def test_a_refund_weeks_later_still_counts(feed: Any, clock: FakeClock) -> None:
    feed([line(1, "live_start", 0), line(2, "order", 10, user="u", order="o", product="p", qty=1, amount=500)])
    clock.advance(days=30)
    assert feed([line(3, "refund", 30 * DAY, user="u", order="o", amount=500)])["accepted"] == 1


def test_one_stray_cannot_set_a_new_show_s_range(feed: Any, db: Session) -> None:
    events = [line(i, "enter", i * 1000, user=f"u{i}") for i in range(1, 6)]
    events.insert(2, line(99, "enter", 0, user="stray") | {"ts": 1_781_245})  # seconds, not milliseconds
    answer = feed(events)
    assert answer["accepted"] == 5
    assert [r["index"] for r in answer["rejected"]] == [2]
    assert "check that ts is in milliseconds" in answer["rejected"][0]["error"]


def test_an_event_more_than_a_day_ahead_of_the_clock_is_refused(feed: Any, clock: FakeClock) -> None:
    now_ms = int(clock.now().timestamp() * 1000)
    answer = feed([line(1, "enter", now_ms + 3 * DAY - T0, user="u"), line(2, "enter", now_ms - T0, user="v")])
    assert answer["accepted"] == 1
    assert "ahead of this server's clock" in answer["rejected"][0]["error"]


def test_replay_reports_the_refused_line(cli_db: str, tmp_path: Any, clock: FakeClock) -> None:
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(make_sessionmaker(engine)) as db:
        ws = auth.create_workspace(db, clock, "replay")
        show_id = service.create_show(db, clock, ws, title="重播", starts_at=clock.now(), minutes=60).id
    engine.dispose()
    path = tmp_path / "show.jsonl"
    path.write_bytes(
        body([line(1, "live_start", 0), line(2, "enter", 5, user="u"), line(3, "enter", -YEARS, user="x")])
    )
    result = CliRunner(env={"COLUMNS": "300"}).invoke(cli.app, ["replay", str(path), "--show", show_id])
    assert result.exit_code == 0, result.output
    assert "accepted 2, duplicates 0, rejected 1" in result.output
    assert "too far from this show's other events" in result.output
