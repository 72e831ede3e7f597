"""The data analyst's card on the home page (extension point ``web.home_card``): ended shows whose review is
not finished (no follow-up and not signed off as "nothing to change")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal
from livecrew.review.service import review_done
from livecrew.shows.public import recent_shows

ROWS = 6


def reviews_card(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    if "analyst" not in principal.roles:
        return []
    ended = recent_shows(db, principal.workspace.id, ("ended",), limit=30)
    todo = [s for s in ended if not review_done(db, s["id"])]
    return [
        {
            "id": "reviews-todo",
            "order": 10,
            "template": "review/_home_todo.html",
            "rows": todo[:ROWS],
            "more": max(0, len(todo) - ROWS),
        }
    ]
