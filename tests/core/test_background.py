"""Background jobs' thread work is never abandoned: a cancelled job waits for its thread, then stops."""

from __future__ import annotations

import asyncio
import threading

import pytest

from livecrew.core.background import in_thread


def test_a_cancelled_job_waits_for_its_thread_work() -> None:
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def work(name: str) -> str:
        started.set()
        release.wait(5)
        finished.append(name)
        return name

    async def scenario() -> None:
        job = asyncio.create_task(in_thread(work, "tick"))
        await asyncio.to_thread(started.wait, 5)
        job.cancel()
        await asyncio.sleep(0.05)
        assert not job.done()  # still waiting for the thread, not abandoning it
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert finished == ["tick"]

    asyncio.run(scenario())


def test_the_result_comes_back_when_not_cancelled() -> None:
    assert asyncio.run(in_thread(sum, [1, 2, 3])) == 6
