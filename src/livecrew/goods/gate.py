"""Go-live gate checks from the goods: the lineup is not empty and every product in it is ready."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.clock import clock_of
from livecrew.goods import service
from livecrew.shows.public import Problem, Show, ShowStatus, gate_check


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


def script_lines(db: Session, show: Show) -> list[tuple[str, str, dict[str, Any], str]]:
    """The lineup's part of the show's script, for text analysis's compliance gate (``text.script_lines``):
    (where, where's catalog key, its params, the text) per product title, selling point and prepared answer."""
    lines: list[tuple[str, str, dict[str, Any], str]] = []
    for item, product in service.lineup(db, show.id):
        lines.append((f"{item.code} title", "scan.product_title", {"code": item.code}, product.title))
        for point in product.selling_points:
            lines.append((f"{item.code} selling point", "scan.product_point", {"code": item.code}, point))
        for qa in product.objections:
            lines.append((f"{item.code} prepared answer", "scan.product_answer", {"code": item.code}, qa["a"]))
    return lines
