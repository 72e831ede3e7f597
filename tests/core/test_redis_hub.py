"""Scale-out: live updates published in one process reach subscribers in another through Redis pub/sub."""

from __future__ import annotations

import asyncio
import os

import pytest

from livecrew.core.pubsub import RedisHub

REDIS_URL = os.environ.get("LIVECREW_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _redis_url() -> str:
    if not REDIS_URL:
        if IN_CI:
            pytest.fail("CI must run the Redis tests: set LIVECREW_TEST_REDIS_URL")
        pytest.skip("Redis tests need LIVECREW_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    return REDIS_URL


def test_two_processes_share_messages_through_redis() -> None:
    url = _redis_url()

    async def scenario() -> list[dict[str, object]]:
        web_a, web_b = RedisHub(url), RedisHub(url)
        await web_a.start()
        await web_b.start()
        try:
            subscription = web_b.subscribe("show:redis-test")
            first = asyncio.create_task(anext(subscription))
            await asyncio.sleep(0.05)
            web_a.publish("show:redis-test", {"kind": "metrics", "show": "s", "metrics": {"n": 1}})
            got = [await asyncio.wait_for(first, timeout=5)]
            web_a.publish("show:other", {"kind": "metrics", "show": "s", "metrics": {"n": 2}})
            web_a.publish("show:redis-test", {"kind": "metrics", "show": "s", "metrics": {"n": 3}})
            got.append(await asyncio.wait_for(anext(subscription), timeout=5))
            await subscription.aclose()  # type: ignore[attr-defined]
            return got
        finally:
            await web_a.stop()
            await web_b.stop()

    assert asyncio.run(scenario()) == [
        {"kind": "metrics", "show": "s", "metrics": {"n": 1}},
        {"kind": "metrics", "show": "s", "metrics": {"n": 3}},
    ]
