"""Ingest's writer lanes: the whole process on SQLite (one writer at a time), one show on PostgreSQL, where
a batch of one show is not held behind another show's transaction."""

from __future__ import annotations

import threading

import orjson
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.support import Factory, bearer

from livecrew.core.clock import FakeClock
from livecrew.live import ingest
from livecrew.shows import service


def test_a_lane_has_one_pair_of_locks() -> None:
    assert ingest._locks("a") is ingest._locks("a")
    assert ingest._locks("a")[0] is not ingest._locks("b")[0]
    assert ingest._locks(None)[0] is not ingest._locks("a")[0]


def test_one_show_is_not_held_behind_another_on_postgresql(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    held, free = (
        service.create_show(db, clock, ws, title=f"直播 {n}", starts_at=clock.now(), minutes=60) for n in (1, 2)
    )
    db.commit()
    postgres = db.get_bind().dialect.name == "postgresql"
    assert ingest.lane_of(db, held.id) == (held.id if postgres else None)
    ts = int(clock.now().timestamp() * 1000)
    body = b"\n".join(orjson.dumps({"id": f"e{i}", "type": "enter", "ts": ts + i, "user": f"u{i}"}) for i in range(5))
    answers: dict[str, int] = {}

    def post(show_id: str) -> None:
        answers[show_id] = client.post(
            f"/api/v1/shows/{show_id}/events",
            content=body,
            headers={"Content-Type": "application/x-ndjson", **bearer(token)},
        ).status_code

    writer, _applying = ingest._locks(ingest.lane_of(db, held.id))
    with writer:  # as if a batch of the first show were being written
        other = threading.Thread(target=post, args=(free.id,))
        other.start()
        other.join(timeout=60 if postgres else 1)  # SQLite: it must still be waiting after a second
        # PostgreSQL: the other show's batch went through meanwhile. SQLite: it waits for the process's lane.
        assert (answers.get(free.id) == 200) is postgres
    other.join(timeout=60)
    assert answers[free.id] == 200
