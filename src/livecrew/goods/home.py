"""Product selection's card on the home page (extension point ``web.home_card``): the lineups of the coming
week still short of products, the lineup products that are not ready, and those the last show flagged for
replacement (汰換)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal
from livecrew.goods import reports, service
from livecrew.shows.public import Show, ShowSegment, recent_shows, shows_between

ROWS = 6
ACTIVE = ("planned", "rehearsing", "ready")


def selection_card(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    if "selection" not in principal.roles:
        return []
    workspace = principal.workspace
    coming = [s for s in shows_between(db, workspace.id, now - timedelta(hours=6), now + timedelta(days=7))]
    coming = [s for s in coming if s.status in ACTIVE]
    ids = [s.id for s in coming]
    have = service.lineup_counts(db, ids)
    slots = dict(
        db.execute(
            select(ShowSegment.show_id, func.count(func.distinct(ShowSegment.product_slot)))
            .where(ShowSegment.show_id.in_(ids), ShowSegment.product_slot.is_not(None))
            .group_by(ShowSegment.show_id)
        ).all()
    )
    to_fill = [
        {"show": s, "have": have.get(s.id, 0), "need": int(slots.get(s.id, 0))}
        for s in coming
        if have.get(s.id, 0) < max(1, int(slots.get(s.id, 0)))
    ]
    today = now.date()
    not_ready: dict[str, dict[str, Any]] = {}
    for s in coming:
        for _item, product in service.lineup(db, s.id):
            if product.id not in not_ready and not service.readiness(db, product, today).ready:
                not_ready[product.id] = {"product": product, "show": s}
    flagged: list[dict[str, Any]] = []
    last = recent_shows(db, workspace.id, ("ended", "reviewed"), limit=1)
    if last:
        show = db.get(Show, last[0]["id"])
        if show is not None:
            flagged = [
                {"sku": r["sku"], "title": r["title"], "show": last[0]}
                for r in reports.product_results(db, show)
                if r["replace"]
            ]
    return [
        {
            "id": "selection",
            "order": 10,
            "template": "goods/_home_selection.html",
            "to_fill": to_fill[:ROWS],
            "not_ready": list(not_ready.values())[:ROWS],
            "flagged": flagged[:ROWS],
        }
    ]
