"""Reads of a show's event log for other features (the writer is ``live.ingest``)."""

from __future__ import annotations

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from livecrew.live.models import LiveEvent


def explaining(db: Session, show_id: str) -> str | None:
    """The product the host is explaining now, by the show's last ``explain`` event (None when stopped)."""
    body = db.scalar(
        select(LiveEvent.body)
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "explain")
        .order_by(LiveEvent.ts.desc(), LiveEvent.seq.desc())
        .limit(1)
    )
    if body is None or body.get("action") != "start":
        return None
    return str(body.get("product"))


def product_viewers(db: Session, show_id: str) -> dict[str, int]:
    """Per product reference (SKU or platform id): how many distinct viewers opened it in the show."""
    ref = LiveEvent.body["product"].as_string().label("ref")
    rows = db.execute(
        select(ref, func.count(func.distinct(LiveEvent.user)))
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "product_view")
        .group_by(literal_column("1"))  # by position: the JSON path is bound as a parameter on PostgreSQL
    ).all()
    return {str(r): int(n) for r, n in rows}
