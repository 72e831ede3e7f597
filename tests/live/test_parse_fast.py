"""parse_body's fast path (typed msgspec records) gives exactly what validate gives on every line:
the same events (fields and stored object), the same rejections with the same reasons."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livecrew.live import events
from livecrew.live.events import parse_body
from livecrew.simulate import generate

LINES = list(generate(minutes=3, seed=11, session="s"))
WRONG: list[Any] = [None, True, 1.5, -3, 0, "", "x", "2026-06-12T20:00:00+08:00", 7, [], {}, {"gender": "q"}]


def same(data: bytes, session: str | None) -> None:
    fast, plain = parse_body(data, session=session), parse_body(data, session=session, fast=False)
    # The fast path keeps the line and makes the object only when asked: the same object.
    assert [e.body() for e in fast.events] == [e.raw for e in plain.events]
    assert fast.events == plain.events
    assert [(r.index, r.error) for r in fast.rejected] == [(r.index, r.error) for r in plain.rejected]


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from([None, "url-session"]))
def test_fast_and_plain_agree_on_broken_lines(rng: random.Random, session: str | None) -> None:
    lines = []
    for event in rng.sample(LINES, 40):
        event = dict(event)
        for _ in range(rng.choice([0, 0, 1, 2])):
            key = rng.choice([*event, "profile", "source", "qty", "product", "count", "session"])
            if rng.random() < 0.3:
                event.pop(key, None)
            else:
                event[key] = rng.choice(WRONG)
        lines.append(orjson.dumps(event))
    if rng.random() < 0.3:
        lines.insert(rng.randrange(len(lines)), rng.choice([b"", b"   ", b"not json", b'{"id": "x"']))
    same(b"\n".join(lines), session)


def test_the_fast_path_keeps_the_event_as_it_came() -> None:
    data = b"\n".join(orjson.dumps(e) for e in LINES)
    parsed = parse_body(data, session="url")
    assert len(parsed.events) == len(LINES) and not parsed.rejected
    first = parsed.events[0]
    assert first.raw is None and first.line is not None and orjson.loads(first.line) == LINES[0]  # the log keeps this
    assert first.body() == {**LINES[0], "session": "url"} and first.session == "url"
    same(data, None)
    same(data, "url")


def test_unhashable_values_are_rejected_with_a_reason_not_a_crash() -> None:
    base = '{"id": "e", "session": "s", "type": "enter", "ts": 1, "user": "u", '
    for tail in ('"source": []}', '"profile": {"gender": []}}', '"profile": {"age_band": {}}}'):
        parsed = parse_body((base + tail).encode())
        assert not parsed.events and len(parsed.rejected) == 1
        assert "must be" in parsed.rejected[0].error


def test_a_body_of_clean_lines_is_read_whole_with_the_same_events(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\n".join(orjson.dumps(e) for e in LINES)
    taken: list[bool] = []
    whole_body = events._whole_body

    def spy(body: bytes, session: str) -> Any:
        out = whole_body(body, session)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(events, "_whole_body", spy)
    whole = parse_body(data, session="url")
    assert taken == [True]
    monkeypatch.setattr(events, "_whole_body", lambda body, session: None)
    by_line = parse_body(data, session="url")
    assert whole.events == by_line.events and not whole.rejected
    assert [(e.line, e.record, e.index) for e in whole.events] == [(e.line, e.record, e.index) for e in by_line.events]


def test_each_line_is_one_event_even_where_joined_lines_would_decode() -> None:
    a, b, c = (orjson.dumps(e) for e in LINES[1:4])
    # Two objects on one line, then an object whose array starts on one line and ends on the next: joined
    # with commas into one array, these would decode as two records for two lines.
    first = parse_body(a + b"," + b + b"\n" + c, session="s")
    assert [e.line for e in first.events] == [c.decode()] and [r.index for r in first.rejected] == [0]
    spanning = a[:-1] + b',"x":[{}' + b"\n" + b"{}]}\n" + c
    second = parse_body(spanning, session="s")
    assert [e.line for e in second.events] == [c.decode()] and [r.index for r in second.rejected] == [0, 1]
    same(spanning, "s")
