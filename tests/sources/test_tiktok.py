"""TikTok LIVE: each kind of TikTokLive event object maps to the documented live event (docs/sources.md), and a
room's stream, fed through a stand-in client, counts every message once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from TikTokLive import events as tt
from TikTokLive.proto.custom_proto import ExtendedGift, ExtendedUser
from TikTokLiveProto.v3.webcast.shared.message import CommonMessageData

from livecrew.core.clock import FakeClock
from livecrew.live.state import registry_of
from livecrew.shows import service as shows
from livecrew.sources.base import SourceState, run
from livecrew.sources.sinks import ServerSink
from livecrew.sources.tiktok import TikTokStream, map_event
from support import Factory

T0 = 1781229600000  # the fake clock's hour, in ms


def _common(msg_id: int, offset: int = 0) -> CommonMessageData:
    return CommonMessageData(msg_id=msg_id, create_time=T0 + offset)


def _user(uid: int, nickname: str = "小美") -> ExtendedUser:
    return ExtendedUser(id=uid, nickname=nickname, unique_id=f"fan{uid}")


def examples() -> list[tuple[Any, dict[str, Any] | None]]:
    rose = ExtendedGift(name="Rose", diamond_count=1, type=1)
    lion = ExtendedGift(name="Lion", diamond_count=29999, type=2)
    return [
        (
            tt.CommentEvent(common=_common(1), user=_user(7), content="有 M 號嗎"),
            {"id": "tt:1", "type": "comment", "ts": T0, "user": "tt:7", "nickname": "小美", "text": "有 M 號嗎"},
        ),
        (
            tt.LikeEvent(common=_common(2, 5), user=_user(7), count=15),
            {"id": "tt:2", "type": "like", "ts": T0 + 5, "user": "tt:7", "nickname": "小美", "count": 15},
        ),
        (tt.GiftEvent(common=_common(3), user=_user(8, "阿明"), gift=rose, repeat_count=3, repeat_end=0), None),
        (
            tt.GiftEvent(common=_common(4), user=_user(8, "阿明"), gift=rose, repeat_count=5, repeat_end=1),
            {
                "id": "tt:4",
                "type": "gift",
                "ts": T0,
                "user": "tt:8",
                "nickname": "阿明",
                "gift": "Rose",
                "count": 5,
                "value": 5 * 16,
            },
        ),
        (
            tt.GiftEvent(common=_common(5), user=_user(9), gift=lion, repeat_count=1),
            {
                "id": "tt:5",
                "type": "gift",
                "ts": T0,
                "user": "tt:9",
                "nickname": "小美",
                "gift": "Lion",
                "count": 1,
                "value": 29999 * 16,
            },
        ),
        (
            tt.FollowEvent(common=_common(6), user=_user(7)),
            {"id": "tt:6", "type": "follow", "ts": T0, "user": "tt:7", "nickname": "小美"},
        ),
        (
            tt.ShareEvent(common=_common(7), user=_user(7)),
            {"id": "tt:7", "type": "share", "ts": T0, "user": "tt:7", "nickname": "小美"},
        ),
        (
            tt.JoinEvent(common=_common(8), user=_user(10, "新朋友")),
            {"id": "tt:8", "type": "enter", "ts": T0, "user": "tt:10", "nickname": "新朋友"},
        ),
        (tt.RoomUserSeqEvent(common=_common(9), total=321), {"id": "tt:9", "type": "online", "ts": T0, "count": 321}),
        (tt.LiveEndEvent(common=_common(10)), {"id": "tt:10", "type": "live_end", "ts": T0}),
        (tt.CommentEvent(common=_common(0), user=_user(7), content="no id"), None),
        (tt.ConnectEvent(unique_id="@host", room_id=1) if hasattr(tt, "ConnectEvent") else object(), None),
    ]


@pytest.mark.parametrize(("obj", "expected"), examples())
def test_each_kind_maps_to_the_documented_event(obj: Any, expected: dict[str, Any] | None, clock: FakeClock) -> None:
    assert map_event(obj, clock, diamond_value=16) == expected


class StandInClient:
    """The two calls TikTokStream makes of TikTokLive's client, playing prepared event objects."""

    def __init__(self, objects: list[Any]) -> None:
        self.objects = objects
        self.handlers: dict[str, Callable[[Any], None]] = {}

    def listen(self, name: str, fn: Callable[[Any], None]) -> None:
        self.handlers[name] = fn

    async def run(self) -> None:
        for obj in self.objects:
            handler = self.handlers.get(type(obj).__name__)
            if handler:
                handler(obj)
            await asyncio.sleep(0)


def test_a_room_fed_through_the_client_counts_each_message_once(
    app: FastAPI, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    show = shows.create_show(db, clock, ws, title="TikTok 直播", starts_at=clock.now(), minutes=60)
    show.status = "live"
    db.commit()
    objects: list[Any] = []
    for i in range(200):
        objects.append(tt.JoinEvent(common=_common(10_000 + i, i), user=_user(1 + i % 80)))
        objects.append(tt.CommentEvent(common=_common(20_000 + i, i), user=_user(1 + i % 80), content=f"第{i}則"))
    objects += objects[-20:]  # the platform sends some messages twice
    objects.append(tt.LiveEndEvent(common=_common(99_999, 500)))
    stream = TikTokStream("@host", clock, client_factory=lambda _name: StandInClient(objects))
    state = asyncio.run(run([stream], ServerSink(app, show.id), SourceState(), clock, max_reconnects=0))
    metrics = registry_of(app).get(show.id).snapshot()
    assert metrics["comments"] == 200 and metrics["commenters"] == 80 and metrics["uv"] == 80
    assert state.events == 401 and state.duplicates == 20
