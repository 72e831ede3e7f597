"""The final review's build, out of the request that ends the show.

Ending a show (or marking it reviewed) writes a ``ReviewBuild`` row in that transaction; the review job
(``review.jobs``) builds the review from the event log and stores it (``service.store_figures``), then removes
the row (``livecrew review`` builds a waiting one itself: ``service.build_waiting``). This module keeps the
table. What is still to build is read from it, never from memory: a row left by a server that stopped is built
by the next one. Until the row is gone, the console and the API say the review is being built.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from livecrew.core.wake import AfterCommit
from livecrew.review.models import ReviewBuild

LEASE = timedelta(minutes=5)  # a build under way; longer than any build, so a stopped runner's row is retaken
RETRY = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))  # after a failed build

BUILD_WAKE = AfterCommit("review.builds")
on_build_requested = BUILD_WAKE.subscribe  # the review job of this process wakes after a commit asked for a build


def request_build(db: Session, now: datetime, workspace_id: str, show_id: str) -> None:
    """Ask for the show's final review to be built (in the caller's transaction)."""
    row = db.get(ReviewBuild, show_id)
    if row is None:
        db.add(ReviewBuild(show_id=show_id, workspace_id=workspace_id, wanted_at=now, requests=1, attempts=0))
    else:
        row.wanted_at = now
        row.requests += 1
        row.lease_until = row.lease_until if row.runner else None  # a failed build waiting: try again now
    db.flush()
    BUILD_WAKE.request(db)


def done(db: Session, show_id: str, requests: int) -> None:
    """The build taken with ``requests`` is stored: remove the row, or free it when someone asked again since."""
    row = db.get(ReviewBuild, show_id)
    if row is None:
        return
    if row.requests == requests:
        db.delete(row)
    else:
        row.runner = row.lease_until = None
    db.flush()


def failed(db: Session, now: datetime, show_id: str, error: str) -> None:
    """The build failed: recorded, and put off for a while (longer after each failure)."""
    row = db.get(ReviewBuild, show_id)
    if row is not None:
        row.attempts += 1
        row.last_error = error[:500]
        row.runner = None
        row.lease_until = now + RETRY[min(row.attempts, len(RETRY)) - 1]
        db.flush()


def requests_of(db: Session, show_id: str) -> int:
    row = db.get(ReviewBuild, show_id)
    return row.requests if row is not None else 0


def pending(db: Session, show_id: str) -> bool:
    """Whether the show's final review waits for the job."""
    return db.get(ReviewBuild, show_id) is not None


def claim(db: Session, now: datetime, runner: str) -> tuple[str, int] | None:
    """Take the oldest build nobody holds: (show id, its ``requests`` as taken), leased to ``runner``."""
    stmt = (
        select(ReviewBuild)
        .where(or_(ReviewBuild.lease_until.is_(None), ReviewBuild.lease_until < now))
        .order_by(ReviewBuild.wanted_at, ReviewBuild.show_id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = db.scalar(stmt)
    if row is None:
        return None
    row.runner, row.lease_until = runner, now + LEASE
    db.flush()
    return row.show_id, row.requests
