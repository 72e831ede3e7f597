"""Events that reach a show after it ended (a late refund) ask the review job to build its final review again."""

from __future__ import annotations

from typing import Any

from livecrew.core.clock import Clock
from livecrew.review import builds
from livecrew.shows import public as shows


def on_events(db: Any, clock: Clock, show: Any, events: list[Any]) -> None:
    """Live listener (the ingest's transaction): new events for an ended show make its stored final review out of
    date; the review job rebuilds it, so no request replays the log (they answer "being built" meanwhile)."""
    if events and show.status in shows.ENDED_STATUSES:
        builds.request_build(db, clock.now(), show.workspace_id, show.id)
