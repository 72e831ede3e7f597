"""Thread work for background jobs that is never abandoned.

``anyio.to_thread.run_sync`` returns at once when its task is cancelled, and the thread runs on. At
shutdown that left a job's database work (the live ticker's alerts, the last token flush) running after
the app had stopped, racing whatever came next (found as a deadlock with the test suite's TRUNCATE).
``in_thread`` lets the work finish first and then passes the cancellation on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

import anyio.to_thread

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


async def in_thread(func: Callable[[*Ts], T], *args: *Ts) -> T:
    """Run ``func(*args)`` in a worker thread; if cancelled meanwhile, wait for it, then re-raise."""
    work = asyncio.ensure_future(anyio.to_thread.run_sync(func, *args))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        await asyncio.wait([work])
        raise
