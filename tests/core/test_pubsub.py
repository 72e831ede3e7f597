"""Publish after commit: a committed change reaches subscribers; a rolled-back one never does."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.clock import FakeClock
from livecrew.core.pubsub import LocalHub, publish_after_commit


def test_commit_delivers_and_rollback_drops(db: Session, hub: LocalHub, clock: FakeClock) -> None:
    async def scenario() -> list[dict[str, object]]:
        await hub.start()
        received: list[dict[str, object]] = []
        subscription = hub.subscribe("ws:x")

        async def collect() -> None:
            async for message in subscription:
                received.append(message)
                if message.get("id") == 2:
                    return

        task = asyncio.create_task(collect())
        await asyncio.sleep(0)
        service.create_workspace(db, clock, "rolled back")
        publish_after_commit(db, "ws:x", {"kind": "task.changed", "id": 1})
        db.rollback()
        service.create_workspace(db, clock, "kept")
        publish_after_commit(db, "ws:x", {"kind": "task.changed", "id": 2})
        assert received == []  # nothing before the commit
        db.commit()
        await asyncio.wait_for(task, timeout=2)
        return received

    assert asyncio.run(scenario()) == [{"kind": "task.changed", "id": 2}]


def test_unsubscribed_channels_are_forgotten() -> None:
    hub = LocalHub()

    async def scenario() -> int:
        await hub.start()
        sub = hub.subscribe("show:1")
        task = asyncio.create_task(anext(sub))
        await asyncio.sleep(0)
        assert hub.subscriber_count("show:1") == 1
        hub.publish("show:1", {"kind": "workspace.updated"})
        await task
        await sub.aclose()  # type: ignore[attr-defined]
        return hub.subscriber_count("show:1")

    assert asyncio.run(scenario()) == 0


def test_slow_subscriber_drops_oldest_instead_of_blocking() -> None:
    from livecrew.core.pubsub import QUEUE_SIZE

    hub = LocalHub()

    async def scenario() -> list[int]:
        await hub.start()
        sub = hub.subscribe("show:2")
        first = asyncio.create_task(anext(sub))
        await asyncio.sleep(0)
        for n in range(QUEUE_SIZE * 4):
            hub.publish("show:2", {"kind": "task.changed", "id": n})
        got = [int((await first)["id"])]
        while len(got) < QUEUE_SIZE:
            got.append(int((await anext(sub))["id"]))
        await sub.aclose()  # type: ignore[attr-defined]
        return got

    got = asyncio.run(scenario())
    assert got == list(range(QUEUE_SIZE * 3, QUEUE_SIZE * 4))
