"""Go-live gate checks from the goods: the lineup is not empty and every product in it is ready."""

from __future__ import annotations

from sqlalchemy.orm import Session

from livecrew.core.clock import clock_of
from livecrew.goods import service
from livecrew.shows.gate import Problem, gate_check
from livecrew.shows.models import Show, ShowStatus


@gate_check("lineup_not_empty", applies_to=(ShowStatus.ready, ShowStatus.live))
def lineup_not_empty(db: Session, show: Show) -> list[Problem]:
    if service.lineup(db, show.id):
        return []
    return [Problem("lineup_not_empty", "the lineup is empty; add the products to sell", "gate.lineup_empty")]


@gate_check("lineup_ready", applies_to=(ShowStatus.ready, ShowStatus.live))
def lineup_ready(db: Session, show: Show) -> list[Problem]:
    today = clock_of(db).now().date()
    required = service.settings_of(db, show.workspace_id).required_docs
    problems = []
    for item, product in service.lineup(db, show.id):
        state = service.readiness(db, product, today, required)
        for reason in state.reasons:
            problems.append(
                Problem(
                    "lineup_ready",
                    f"{item.code}: {reason['message']}; fix it or take the product out of the lineup",
                    "gate." + reason["key"],
                    {"code": item.code, **reason["params"]},
                )
            )
    return problems
