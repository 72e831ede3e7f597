"""``core.wake.AfterCommit``: a job is woken once after a commit that asked, never after a rollback."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from livecrew.core.wake import AfterCommit


def test_wakes_once_after_commit_and_never_after_rollback(db: Session) -> None:
    wake = AfterCommit("test")
    calls: list[str] = []
    remove = wake.subscribe(lambda: calls.append("woken"))
    db.execute(text("SELECT 1"))
    wake.request(db)
    wake.request(db)  # asked twice in one transaction: woken once
    assert calls == []  # not before the commit
    db.commit()
    assert calls == ["woken"]
    db.execute(text("SELECT 1"))
    wake.request(db)
    db.rollback()
    db.commit()
    assert calls == ["woken"]  # the rolled-back request is forgotten
    wake.request(db)
    db.commit()
    assert calls == ["woken", "woken"]
    remove()
    wake.request(db)
    db.commit()
    assert calls == ["woken", "woken"]
