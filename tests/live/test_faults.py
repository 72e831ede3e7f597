"""One event must not break a show: what ingest stores reads back everywhere, a failed rebuild is reported
and retried, one show's failure never stops another's tick, and an export that cannot finish fails loudly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.live import log as event_log
from livecrew.live.api import ExportFailed
from livecrew.live.engine import compute
from livecrew.live.events import MAX_TEXT, parse_body
from livecrew.live.jobs import tick
from livecrew.live.models import LiveEvent, LiveLogHead
from livecrew.live.state import registry_of
from livecrew.shows import service
from support import Factory, bearer

T0 = 1_781_245_800_000
JSONL = {"Content-Type": "application/x-ndjson"}


def ev(i: int, kind: str, ts: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"e{i}", "type": kind, "ts": T0 + ts, **extra}


def stream(n: int = 15) -> list[dict[str, Any]]:
    events = [ev(0, "live_start", 0)]
    for i in range(1, n):
        events.append(ev(i, "enter", i * 1000, user=f"u{i}", source="recommend"))
    return events


def nested(depth: int) -> Any:
    value: Any = {"region": "台北"}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def jsonl(events: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()


@pytest.fixture
def setup(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    ws = factory.workspace()
    tech = factory.user(ws, "tech")
    show = service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=60)
    other = service.create_show(db, clock, ws, title="另一場", starts_at=clock.now(), minutes=60)
    db.commit()
    return {"show": show, "other": other, "token": factory.token(tech)}


def _logged(db: Session, show_id: str) -> int:
    return int(db.scalar(select(func.count()).select_from(LiveEvent).where(LiveEvent.show_id == show_id)) or 0)


@pytest.mark.parametrize("as_array", [False, True])
def test_deep_nesting_is_refused_with_the_reason_and_the_rest_is_kept(
    client: TestClient, setup: dict[str, Any], db: Session, as_array: bool
) -> None:
    show_id = setup["show"].id
    good = stream(15)
    deep_profile = ev(100, "enter", 500, user="deep", profile=nested(300))
    deep_extra = ev(101, "like", 600, user="u1", extra=nested(40))  # an unknown field, deep
    events = [*good[:5], deep_profile, *good[5:], deep_extra]
    if as_array:
        content, headers = json.dumps(events).encode(), {"Content-Type": "application/json"}
    else:
        content, headers = jsonl(events), JSONL
    r = client.post(f"/api/v1/shows/{show_id}/events", content=content, headers={**headers, **bearer(setup["token"])})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["accepted"] == 15
    assert [x["index"] for x in out["rejected"]] == [5, 16]
    assert all("nest" in x["error"] for x in out["rejected"])
    assert _logged(db, show_id) == 15

    exported = client.get(f"/api/v1/shows/{show_id}/events", headers=bearer(setup["token"]))
    assert exported.status_code == 200
    assert len(exported.text.splitlines()) == 15
    metrics = client.get(f"/api/v1/shows/{show_id}/metrics", headers=bearer(setup["token"])).json()
    assert metrics["uv"] == 14
    assert metrics == json.loads(json.dumps(compute(parse_body(exported.content).events)[show_id]))


def test_an_array_body_nested_beyond_the_decoder_is_refused_whole(client: TestClient, setup: dict[str, Any]) -> None:
    deep = b"[" + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"]"
    r = client.post(
        f"/api/v1/shows/{setup['show'].id}/events",
        content=deep,
        headers={"Content-Type": "application/json", **bearer(setup["token"])},
    )
    assert r.status_code == 422 and "nest" in r.json()["message"]


def test_comments_and_events_have_a_size_cap(client: TestClient, setup: dict[str, Any], db: Session) -> None:
    show_id = setup["show"].id
    events = [
        ev(1, "comment", 1000, user="u1", text="好" * MAX_TEXT),
        ev(2, "comment", 2000, user="u1", text="x" * 1_000_000),
        ev(3, "speech", 3000, text="y" * (MAX_TEXT + 1)),
        ev(4, "like", 4000, user="u1", padding="z" * 40_000),
    ]
    r = client.post(
        f"/api/v1/shows/{show_id}/events", content=jsonl(events), headers={**JSONL, **bearer(setup["token"])}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["accepted"] == 1
    reasons = {x["index"]: x["error"] for x in out["rejected"]}
    assert set(reasons) == {1, 2, 3}
    assert "at most 2,000" in reasons[2] and "bytes" in reasons[1] and "bytes" in reasons[3]
    assert _logged(db, show_id) == 1


def _store_unreadable_row(db: Session, show_id: str) -> None:
    """A row as the old ingest stored it (nested 2,000 deep), written straight into the log."""
    body = ev(50, "enter", 50_000, user="deep")
    deep = '{"a":' * 2000 + "1" + "}" * 2000
    raw = json.dumps(body)[:-1] + f', "profile": {deep}}}'
    head = int(db.scalar(select(LiveLogHead.pos).where(LiveLogHead.show_id == show_id)) or 0)
    as_json = "CAST(:body AS json)" if db.get_bind().dialect.name == "postgresql" else ":body"
    db.execute(
        text(
            'INSERT INTO live_events (show_id, event_id, type, ts, "user", body, received_at, pos) '
            f"VALUES (:show, 'e50', 'enter', :ts, 'deep', {as_json}, :at, :pos)"
        ),
        {"show": show_id, "ts": body["ts"], "body": raw, "at": datetime.now(UTC), "pos": head + 1},
    )
    db.execute(LiveLogHead.__table__.update().values(pos=head + 1).where(LiveLogHead.show_id == show_id))
    db.commit()


def test_an_unreadable_logged_row_is_reported_not_a_show_left_empty(
    client: TestClient, setup: dict[str, Any], db: Session
) -> None:
    show_id = setup["show"].id
    headers = {**JSONL, **bearer(setup["token"])}
    assert client.post(f"/api/v1/shows/{show_id}/events", content=jsonl(stream(10)), headers=headers).status_code == 200
    _store_unreadable_row(db, show_id)
    registry = registry_of(client.app)  # type: ignore[arg-type]
    registry.forget(show_id)  # as after a restart
    metrics = client.get(f"/api/v1/shows/{show_id}/metrics", headers=bearer(setup["token"])).json()
    assert metrics["uv"] == 9  # the readable rows count; the unreadable one is reported
    assert registry.get(show_id).unreadable == 1
    # The export cannot write that row: it fails instead of answering a cut-off log with a 200.
    with pytest.raises(ExportFailed):
        client.get(f"/api/v1/shows/{show_id}/events", headers=bearer(setup["token"]))


def test_a_failed_rebuild_is_answered_unavailable_and_tried_again(
    client: TestClient, setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    show_id = setup["show"].id
    headers = {**JSONL, **bearer(setup["token"])}
    assert client.post(f"/api/v1/shows/{show_id}/events", content=jsonl(stream(10)), headers=headers).status_code == 200
    registry = registry_of(client.app)  # type: ignore[arg-type]
    registry.forget(show_id)
    real = event_log.rows_after
    calls = {"n": 0}

    def broken(*args: Any, **kwargs: Any) -> list[tuple[int, str]]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(event_log, "rows_after", broken)
    failed = client.get(f"/api/v1/shows/{show_id}/metrics", headers=bearer(setup["token"]))
    assert failed.status_code == 503
    assert failed.json()["error"] == "live_state_unavailable"
    assert show_id not in {live.show_id for live in registry.loaded()}  # not registered empty
    again = client.get(f"/api/v1/shows/{show_id}/metrics", headers=bearer(setup["token"]))
    assert again.status_code == 200 and again.json()["uv"] == 9


def test_one_show_failing_does_not_stop_the_others_ticks(
    client: TestClient, setup: dict[str, Any], db: Session, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    from livecrew.live import ingest

    show, other = setup["show"], setup["other"]
    registry = registry_of(client.app)  # type: ignore[arg-type]
    broken, healthy = registry.get(show.id), registry.get(other.id)
    # Rows of the healthy show written by "another process": only the tick's catch-up brings them in.
    ingest.ingest_body(db, clock, other, jsonl(stream(8)), content_type="application/x-ndjson", max_bytes=1 << 20)
    db.commit()
    real = registry.catch_up

    def catch_up(session: Session, live: Any) -> int:
        if live is broken:
            raise RecursionError("maximum recursion depth exceeded")
        return real(session, live)

    monkeypatch.setattr(registry, "catch_up", catch_up)
    tick(client.app, registry)  # type: ignore[arg-type]
    assert healthy.snapshot()["uv"] == 7
