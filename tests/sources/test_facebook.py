"""Facebook Live through a stand-in Graph API: every comment counted once across a dropped connection and a
replay; garbage skipped and counted; a revoked token stops the source with the platform's words."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from fake_graph import FakeGraph, comment
from livecrew.core.clock import FakeClock
from livecrew.live.state import registry_of
from livecrew.shows import service as shows
from livecrew.sources import facebook
from livecrew.sources.base import Backoff, SourceState, run
from livecrew.sources.sinks import ServerSink
from support import Factory

TOKEN = "EAAB-test-token"


def _quick() -> Backoff:
    return Backoff(base=0.01, cap=0.05)


def _run(
    streams: list[Any], app: FastAPI, show_id: str, clock: FakeClock, max_reconnects: int | None = None
) -> SourceState:
    sink = ServerSink(app, show_id)
    return asyncio.run(run(streams, sink, SourceState(), clock, backoff=_quick, max_reconnects=max_reconnects))


@pytest.fixture
def live_show(db: Session, clock: FakeClock, factory: Factory) -> str:
    ws = factory.workspace()
    show = shows.create_show(db, clock, ws, title="FB 直播", starts_at=clock.now(), minutes=120)
    show.status = "live"
    db.commit()
    return show.id


def _first_then_replay(n: int) -> Iterator[bytes]:
    if n == 0:  # 600 comments, then the connection drops without a word
        for i in range(600):
            yield comment(i)
    elif n == 1:  # after the reconnect the stream replays the last 50 it sent, then goes on to 1,000
        for i in range(550, 1000):
            yield comment(i)


def test_a_thousand_comments_from_three_hundred_viewers_count_once_across_a_drop_and_a_replay(
    app: FastAPI, live_show: str, clock: FakeClock
) -> None:
    graph = FakeGraph(TOKEN, {"live_comments": _first_then_replay})
    try:
        streams = facebook.connectors("9911", TOKEN, clock, graph_url=graph.url, reactions=False)
        state = asyncio.run(
            run(streams, ServerSink(app, live_show), SourceState(), clock, backoff=_quick, max_reconnects=2)
        )
    finally:
        graph.close()
    metrics = registry_of(app).get(live_show).snapshot()
    assert metrics["comments"] == 1000 and metrics["commenters"] == 300 and metrics["uv"] == 300
    assert state.events == 1000 and state.duplicates == 50 and state.reconnects >= 1
    assert graph.queries[0]["access_token"] == [TOKEN] and "message" in graph.queries[0]["fields"][0]


def test_garbage_lines_are_skipped_and_counted_never_a_crash(app: FastAPI, live_show: str, clock: FakeClock) -> None:
    def noisy(n: int) -> Iterator[bytes]:
        if n == 0:
            yield comment(1)
            yield b"this is not an event line\n"
            yield b"data: {not json\n\n"
            yield b'data: {"id": "x"}\n\n'  # no message
            yield b"data: [1, 2]\n\n"
            yield b": a comment line, fine\n"
            yield comment(2)

    graph = FakeGraph(TOKEN, {"live_comments": noisy})
    try:
        streams = facebook.connectors("9911", TOKEN, clock, graph_url=graph.url, reactions=False)
        state = asyncio.run(
            run(streams, ServerSink(app, live_show), SourceState(), clock, backoff=_quick, max_reconnects=0)
        )
    finally:
        graph.close()
    assert state.events == 2 and state.garbage == 4
    assert registry_of(app).get(live_show).snapshot()["comments"] == 2


def test_reactions_arrive_as_likes_of_one_aggregate_viewer(app: FastAPI, live_show: str, clock: FakeClock) -> None:
    def reactions(n: int) -> Iterator[bytes]:
        if n == 0:
            yield b'data: {"reaction_stream": [{"key": "LIKE", "value": 7}, {"key": "LOVE", "value": 2}]}\n\n'
            yield b'data: {"reaction_stream": [{"key": "WOW", "value": 1}]}\n\n'

    graph = FakeGraph(
        TOKEN, {"live_reactions": reactions, "live_comments": lambda n: iter([comment(5)] if n == 0 else [])}
    )
    try:
        streams = facebook.connectors("9911", TOKEN, clock, graph_url=graph.url)
        state = asyncio.run(
            run(streams, ServerSink(app, live_show), SourceState(), clock, backoff=_quick, max_reconnects=0)
        )
    finally:
        graph.close()
    metrics = registry_of(app).get(live_show).snapshot()
    assert metrics["likes"] == 10 and metrics["comments"] == 1
    assert state.events == 4


def test_a_revoked_token_stops_the_source_with_the_platforms_message(
    app: FastAPI, live_show: str, clock: FakeClock
) -> None:
    graph = FakeGraph("another-token", {"live_comments": lambda n: iter([])})
    try:
        streams = facebook.connectors("9911", TOKEN, clock, graph_url=graph.url)
        state = _run(streams, app, live_show, clock)
    finally:
        graph.close()
    assert state.status == "failed"
    assert "Error validating access token" in state.last_error
    assert TOKEN not in state.last_error


def test_comment_mapping_keeps_the_platforms_ids_and_names(clock: FakeClock) -> None:
    event = facebook.map_comment(
        {
            "id": "1_2",
            "message": "還有貨嗎",
            "from": {"id": "77", "name": "小美"},
            "created_time": "2026-12-05T12:00:00+0000",
        },
        clock,
    )
    assert event == {
        "id": "fb:c:1_2",
        "type": "comment",
        "ts": 1796472000000,
        "user": "fb:77",
        "text": "還有貨嗎",
        "nickname": "小美",
    }
    assert facebook.map_comment({"id": "1_3"}, clock) is None
    anonymous = facebook.map_comment({"id": "1_4", "message": "hi"}, clock)
    assert anonymous is not None and anonymous["user"] == "fb:anon-1_4"
