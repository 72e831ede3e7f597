"""``LiveRegistry.with_engine_at``: the process's live engine of a show, brought to one log position exactly, stands
for a replay of the log up to it (the review job uses it); anything else is refused, never approximated."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock, to_ms
from livecrew.live import public as live
from livecrew.live.events import parse_body
from livecrew.live.ingest import append_parsed
from livecrew.live.log import head
from livecrew.live.state import registry_of
from livecrew.shows import service as shows_service
from livecrew.simulate import generate
from support import Factory, bearer

JSONL = {"Content-Type": "application/x-ndjson"}


def _body(events: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()


def test_the_engine_at_a_position_is_the_replay_up_to_it_and_nothing_else_is_taken(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "tech"))
    show = shows_service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=30)
    db.commit()
    registry = registry_of(client.app)  # type: ignore[arg-type]

    def snap(engine: Any) -> dict[str, Any]:
        out: dict[str, Any] = engine.snapshot()
        return out

    assert registry.with_engine_at(db, show.id, 0, snap) is None  # this process holds no engine for the show
    events = list(generate(minutes=4, seed=3, session="s", start_ms=to_ms(clock.now())))
    half = len(events) // 2
    r = client.post(f"/api/v1/shows/{show.id}/events", content=_body(events[:half]), headers={**JSONL, **bearer(token)})
    assert r.status_code == 200, r.text
    first = head(db, show.id)
    # The rest written to the log as another process would: this process's engine has not seen it.
    append_parsed(db, clock, show, parse_body(_body(events[half:]), session=show.id))
    db.commit()
    last = head(db, show.id)
    assert last > first and registry.get(show.id).cursor == first
    # Brought to the head: it reads the rows above its cursor, and equals a replay up to the head.
    at_last = registry.with_engine_at(db, show.id, last, snap)
    assert at_last == live.replay_engine(db, show.id, upto=last).snapshot()
    assert registry.get(show.id).cursor == last
    # The review's texts beside that engine are bounded by the same position: those the replay up to it meets.
    gathered: list[tuple[int, str, str]] = []
    live.replay_engine(db, show.id, gathered, upto=first)
    assert live.texts_of_show(db, show.id, upto=first) == gathered
    assert len(live.texts_of_show(db, show.id)) > len(gathered) > 0
    # A position below what it applied: it cannot go back, so it declines (the caller replays).
    assert registry.with_engine_at(db, show.id, first, snap) is None
    # A position above the log's head: rows it cannot read, so it declines too.
    assert registry.with_engine_at(db, show.id, last + 5, snap) is None
    assert registry.get(show.id).cursor == last
    # A batch whose last events are duplicates: their positions are handed out but hold no row, so the cursor
    # stands above the log's version, with nothing in between; the engine still stands for the replay.
    fresh = {"id": "one-more", "type": "like", "ts": events[-1]["ts"], "user": "u-late", "count": 2}
    again = [fresh, *events[-2:]]
    r = client.post(f"/api/v1/shows/{show.id}/events", content=_body(again), headers={**JSONL, **bearer(token)})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    version = head(db, show.id)
    assert registry.get(show.id).cursor > version > last
    replayed = live.replay_engine(db, show.id, upto=version).snapshot()
    assert registry.with_engine_at(db, show.id, version, snap) == replayed != at_last
    # A row applied above the version: declined, whatever the reader's snapshot shows of the log.
    later = {**fresh, "id": "later", "user": "u-later"}
    r = client.post(f"/api/v1/shows/{show.id}/events", content=_body([later]), headers={**JSONL, **bearer(token)})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    assert registry.get(show.id).applied > version
    assert registry.with_engine_at(db, show.id, version, snap) is None


def test_a_show_built_again_from_its_log_is_the_show_fed_batch_by_batch(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    """After a restart, the registry's first build of a show from its log is the state the batches built as they
    came, late rows and all."""
    import random

    ws = factory.workspace()
    token = factory.token(factory.user(ws, "tech"))
    show = shows_service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=30)
    db.commit()
    events = list(generate(minutes=6, seed=11, session="s", start_ms=to_ms(clock.now())))
    rng = random.Random(5)
    for i in range(0, len(events), 97):
        batch = events[i : i + 97]
        rng.shuffle(batch)  # rows older than ones already applied: the engine replays them in ts order
        r = client.post(f"/api/v1/shows/{show.id}/events", content=_body(batch), headers={**JSONL, **bearer(token)})
        assert r.status_code == 200, r.text
    registry = registry_of(client.app)  # type: ignore[arg-type]
    fed = registry.get(show.id)
    before = (fed.snapshot(), fed.cursor, fed.last_comment_ts, fed.unreadable)
    assert fed.last_comment_ts is not None and fed.cursor == head(db, show.id)
    registry.forget(show.id)  # as after a restart
    built = registry.get(show.id)
    assert built is not fed
    assert (built.snapshot(), built.cursor, built.last_comment_ts, built.unreadable) == before
    assert built.last_received is not None
