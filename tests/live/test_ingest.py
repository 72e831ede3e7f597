"""Ingest: each event on its own, durable before acknowledged, duplicates dropped at the door, also across restarts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from livecrew.app import create_app
from livecrew.core.clock import FakeClock
from livecrew.core.config import Settings
from livecrew.live.engine import compute
from livecrew.live.events import parse_body
from livecrew.live.models import LiveEvent
from livecrew.shows import service
from support import Factory, bearer

T0 = 1_781_245_800_000
JSONL = {"Content-Type": "application/x-ndjson"}


def line(i: int, kind: str, ts: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"e{i}", "type": kind, "ts": T0 + ts, **extra}


STREAM = [
    line(1, "live_start", 0),
    line(
        2, "enter", 1000, user="u1", source="recommend", profile={"gender": "f", "age_band": "24-30", "region": "台北"}
    ),
    line(3, "enter", 2000, user="u2", source="follow"),
    line(4, "comment", 5000, user="u1", text="尺碼怎麼選？"),
    line(5, "product_view", 6000, user="u1", product="p1"),
    line(6, "product_click", 7000, user="u1", product="p1"),
    line(7, "order", 60_000, user="u1", order="o1", product="p1", qty=1, amount=19900),
    line(8, "pay", 61_000, user="u1", order="o1", amount=19900),
    line(9, "leave", 90_000, user="u2"),
    line(10, "live_end", 120_000),
]


def body(events: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()


@pytest.fixture
def setup(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    ws = factory.workspace()
    tech = factory.user(ws, "tech")
    show = service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=60)
    db.commit()
    return {"ws": ws, "show": show, "token": factory.token(tech), "host": factory.token(factory.user(ws, "host"))}


def test_half_broken_batch_accepts_exactly_the_valid_half(
    client: TestClient, setup: dict[str, Any], db: Session
) -> None:
    bad = [
        {"type": "enter", "ts": T0, "user": "x"},  # no id
        {"id": "b2", "type": "teleport", "ts": T0},
        {"id": "b3", "type": "pay", "ts": T0, "user": "x", "order": "o", "amount": -5},
        {"id": "b4", "type": "comment", "ts": "yesterday", "user": "x", "text": "hi"},
        {"id": "b5", "type": "comment", "ts": T0, "text": "no user"},
    ]
    mixed = [STREAM[0], bad[0], STREAM[1], bad[1], STREAM[2], bad[2], STREAM[3], bad[3], STREAM[4], bad[4]]
    r = client.post(
        f"/api/v1/shows/{setup['show'].id}/events", content=body(mixed), headers={**JSONL, **bearer(setup["token"])}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["accepted"] == 5 and out["duplicates"] == 0
    assert [x["index"] for x in out["rejected"]] == [1, 3, 5, 7, 9]
    reasons = " | ".join(x["error"] for x in out["rejected"])
    for words in ['"id" is required', "unknown type", "minor units", "RFC 3339", '"user" is required']:
        assert words in reasons
    assert db.scalar(select(func.count()).select_from(LiveEvent)) == 5


def test_json_array_and_duplicates(client: TestClient, setup: dict[str, Any]) -> None:
    url = f"/api/v1/shows/{setup['show'].id}/events"
    headers = {"Content-Type": "application/json", **bearer(setup["token"])}
    first = client.post(url, content=json.dumps(STREAM[:4]), headers=headers).json()
    assert first == {"accepted": 4, "duplicates": 0, "rejected": []}
    again = client.post(url, content=json.dumps([*STREAM[2:6], STREAM[5]]), headers=headers).json()
    assert again == {"accepted": 2, "duplicates": 3, "rejected": []}


@pytest.mark.parametrize(
    ("content", "ctype", "status", "words"),
    [
        (b"this is not json", "application/x-ndjson", 422, "not JSON"),
        (b"[1, 2", "application/json", 422, "not a valid JSON array"),
        (b"", "application/x-ndjson", 422, "empty"),
        (b'{"id": "1"}', "application/x-www-form-urlencoded", 415, "application/x-ndjson"),
    ],
)
def test_malformed_bodies_store_nothing(
    client: TestClient, setup: dict[str, Any], db: Session, content: bytes, ctype: str, status: int, words: str
) -> None:
    r = client.post(
        f"/api/v1/shows/{setup['show'].id}/events",
        content=content,
        headers={"Content-Type": ctype, **bearer(setup["token"])},
    )
    assert r.status_code == status and words in r.json()["message"]
    assert db.scalar(select(func.count()).select_from(LiveEvent)) == 0


def test_size_limit(client: TestClient, setup: dict[str, Any]) -> None:
    r = client.post(
        f"/api/v1/shows/{setup['show'].id}/events",
        content=b" " * (9 * 1024 * 1024),
        headers={**JSONL, **bearer(setup["token"])},
    )
    assert r.status_code == 413


def test_permissions_and_isolation(client: TestClient, setup: dict[str, Any], factory: Factory) -> None:
    url = f"/api/v1/shows/{setup['show'].id}/events"
    assert client.post(url, content=body(STREAM), headers={**JSONL, **bearer(setup["host"])}).status_code == 403
    stranger = factory.token(factory.user(factory.workspace("別家"), "tech"))
    assert client.post(url, content=body(STREAM), headers={**JSONL, **bearer(stranger)}).status_code == 404
    assert client.get(f"/api/v1/shows/{setup['show'].id}/metrics", headers=bearer(stranger)).status_code == 404
    # A body that does not parse, to a show that is not there (or not theirs): the show is what is wrong first.
    for show_url in (url, "/api/v1/shows/no-such-show/events"):
        r = client.post(show_url, content=b"not json", headers={**JSONL, **bearer(stranger)})
        assert r.status_code == 404, r.text
    r = client.post(url, content=b"not json", headers={**JSONL, **bearer(setup["token"])})
    assert r.status_code == 422


def test_metrics_equal_the_file_after_ingest_restart_and_repost(
    client: TestClient, setup: dict[str, Any], settings: Settings, clock: FakeClock, engine: Engine
) -> None:
    show_id = setup["show"].id
    url = f"/api/v1/shows/{show_id}"
    headers = {**JSONL, **bearer(setup["token"])}
    # In two batches, the second out of order.
    assert client.post(f"{url}/events", content=body(STREAM[:5]), headers=headers).json()["accepted"] == 5
    assert (
        client.post(f"{url}/events", content=body(list(reversed(STREAM[5:]))), headers=headers).json()["accepted"] == 5
    )
    expected = compute(parse_body(body(STREAM), session=show_id).events)[show_id]
    live = client.get(f"{url}/metrics", headers=bearer(setup["token"])).json()
    assert live == json.loads(json.dumps(expected))
    assert live["gmv"] == 19900 and live["uv"] == 2

    exported = client.get(f"{url}/events", headers=bearer(setup["token"]))
    assert exported.status_code == 200
    assert [json.loads(x)["id"] for x in exported.text.splitlines()] == [e["id"] for e in STREAM[:5]] + [
        e["id"] for e in reversed(STREAM[5:])
    ]
    from_export = compute(parse_body(exported.content).events)[show_id]
    assert json.loads(json.dumps(from_export)) == live

    # A restart: a new app over the same database rebuilds the live state from the log.
    restarted: FastAPI = create_app(settings, clock=clock, engine=engine)
    with TestClient(restarted) as again:
        assert again.get(f"{url}/metrics", headers=bearer(setup["token"])).json() == live
        repost = again.post(f"{url}/events", content=body(STREAM), headers=headers).json()
        assert repost == {"accepted": 0, "duplicates": len(STREAM), "rejected": []}
        assert again.get(f"{url}/metrics", headers=bearer(setup["token"])).json() == live


def test_live_state_skips_log_rows_it_already_applied(client: TestClient, setup: dict[str, Any], db: Session) -> None:
    """The engine keeps no id set; a show applies the log up to its cursor once (catch-up, own batches)."""
    from livecrew.live import log as ingest_log
    from livecrew.live.state import registry_of

    show_id = setup["show"].id
    url = f"/api/v1/shows/{show_id}"
    headers = {**JSONL, **bearer(setup["token"])}
    assert client.post(f"{url}/events", content=body(STREAM), headers=headers).json()["accepted"] == len(STREAM)
    before = client.get(f"{url}/metrics", headers=bearer(setup["token"])).json()
    registry = registry_of(client.app)  # type: ignore[arg-type]
    live = registry.get(show_id)
    assert registry.catch_up(db, live) == 0  # nothing above the cursor
    with live.lock:  # rows read again from below the cursor are skipped
        assert live.apply_rows(ingest_log.rows_after(db, show_id, 0)) == 0
    assert client.get(f"{url}/metrics", headers=bearer(setup["token"])).json() == before
    registry.forget(show_id)  # a fresh rebuild from the log gives the same
    assert client.get(f"{url}/metrics", headers=bearer(setup["token"])).json() == before


def test_the_live_state_keeps_the_newest_comment_time(client: TestClient, setup: dict[str, Any]) -> None:
    """The no-comments alert reads it: the newest comment's ts, whatever order the batches come in."""
    from livecrew.live.state import registry_of

    show_id = setup["show"].id
    headers = {**JSONL, **bearer(setup["token"])}
    live = registry_of(client.app).get(show_id)  # type: ignore[arg-type]
    assert live.last_comment_ts is None
    client.post(f"/api/v1/shows/{show_id}/events", content=body(STREAM), headers=headers)
    assert live.last_comment_ts == T0 + 5000  # e4; later events are no comments
    late = [line(90, "comment", 400_000, user="u2", text="+1"), line(91, "like", 500_000, user="u2")]
    client.post(f"/api/v1/shows/{show_id}/events", content=body(late), headers=headers)
    assert live.last_comment_ts == T0 + 400_000
    older = [line(92, "comment", 200_000, user="u1", text="還有貨嗎")]
    client.post(f"/api/v1/shows/{show_id}/events", content=body(older), headers=headers)
    assert live.last_comment_ts == T0 + 400_000  # an older comment arriving late does not move it back


def test_each_new_event_carries_the_position_of_its_log_row(
    setup: dict[str, Any], db: Session, clock: FakeClock
) -> None:
    from livecrew.live import ingest

    show, jsonl = setup["show"], "application/x-ndjson"
    first = ingest.ingest_body(db, clock, show, body(STREAM[:3]), content_type=jsonl, max_bytes=1 << 20)
    # Old ids interleaved with new ones: the new rows' positions must be matched to the right ids.
    mixed = [STREAM[3], STREAM[0], STREAM[4], STREAM[2], STREAM[5]]
    second = ingest.ingest_body(db, clock, show, body(mixed), content_type=jsonl, max_bytes=1 << 20)
    db.commit()
    logged = dict(db.execute(select(LiveEvent.event_id, LiveEvent.pos).where(LiveEvent.show_id == show.id)).all())
    assert (first.accepted, second.accepted, second.duplicates) == (3, 3, 2)
    for result in (first, second):
        assert {e.id: e.pos for e in result.new_events} == {e.id: logged[e.id] for e in result.new_events}
        assert result.base < min(logged[e.id] for e in result.new_events)
        assert result.top >= max(logged[e.id] for e in result.new_events)
    assert (first.base, first.top, second.base, second.top) == (0, 3, 3, 8)
    # Positions follow the order of the batch (arrival order), numbered above the show's head.
    assert sorted(logged, key=logged.__getitem__) == ["e1", "e2", "e3", "e4", "e5", "e6"]
    assert [e.id for e in second.new_events] == ["e4", "e5", "e6"]
