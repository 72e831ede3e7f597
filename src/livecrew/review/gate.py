"""The review's gate check: a show becomes ``reviewed`` only with an action or a "nothing to change" sign-off."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from livecrew.review.service import review_done
from livecrew.shows.public import Problem, ShowStatus, gate_check


@gate_check("review_has_outcome", applies_to=(ShowStatus.reviewed,))
def review_has_outcome(db: Session, show: Any) -> list[Problem]:
    if review_done(db, show.id):
        return []
    return [
        Problem(
            "review_has_outcome",
            'the review has no action yet; add at least one action, or sign it off with "nothing to change"',
            "review.gate.no_outcome",
        )
    ]
