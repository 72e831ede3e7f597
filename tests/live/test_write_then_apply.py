"""write_then_apply: one ingest transaction at a time, live updates in commit order, and the next batch's
write overlapping this one's live update."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from livecrew.live.ingest import write_then_apply

SHOW = "one-show"  # both batches of a test are one show's: one lane, on either database


def test_the_next_write_runs_during_an_apply_and_applies_keep_commit_order(db: Session) -> None:
    order: list[str] = []
    first_applying, release_first, second_written = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        def apply(_: str) -> None:
            first_applying.set()
            assert release_first.wait(10)
            order.append("apply 1")

        write_then_apply(db, SHOW, lambda: order.append("write 1") or "1", apply)

    def second() -> None:
        def write() -> str:
            order.append("write 2")
            second_written.set()
            return "2"

        write_then_apply(db, SHOW, write, lambda _: order.append("apply 2"))

    a = threading.Thread(target=first)
    a.start()
    assert first_applying.wait(10)
    b = threading.Thread(target=second)
    b.start()
    # The second batch is written while the first is still being applied ...
    assert second_written.wait(10)
    # ... but its live update waits for the first one's.
    assert order == ["write 1", "write 2"]
    release_first.set()
    a.join(10)
    b.join(10)
    assert order == ["write 1", "write 2", "apply 1", "apply 2"]


def test_a_failed_write_or_apply_frees_both_locks(db: Session) -> None:
    applied: list[str] = []

    def broken_write() -> str:
        raise RuntimeError("no")

    def broken_apply(_: str) -> None:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        write_then_apply(db, SHOW, broken_write, applied.append)
    with pytest.raises(RuntimeError):
        write_then_apply(db, SHOW, lambda: "x", broken_apply)
    assert write_then_apply(db, SHOW, lambda: "ok", applied.append) == "ok"  # would hang if a lock were still held
    assert applied == ["ok"]
