"""Trends across shows, from the figures stored when each show ended (docs/metrics.md, "Trends")."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.errors import ValidationFailed
from livecrew.review.models import ShowFigures
from livecrew.review.scorecards import PERIODS, period_key

TREND_KEYS = ("gmv", "uv_value", "gpm", "conversion_rate", "follow_rate", "avg_watch_seconds", "refund_rate")


def quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def band(values: list[float]) -> dict[str, float | None]:
    return {"p25": quantile(values, 0.25), "median": quantile(values, 0.5), "p75": quantile(values, 0.75)}


def trends(
    db: Session,
    workspace: Workspace,
    *,
    room: str = "",
    host: str = "",
    period: str = "week",
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    if period not in PERIODS:
        raise ValidationFailed(f'unknown period "{period}"; use week or month', key="review.err.period")
    tz = ZoneInfo(workspace.timezone)
    stmt = select(
        ShowFigures.show_id, ShowFigures.title, ShowFigures.room, ShowFigures.host_ids, ShowFigures.starts_at,
        ShowFigures.figures,
    ).where(ShowFigures.workspace_id == workspace.id)  # fmt: skip
    if room:
        stmt = stmt.where(ShowFigures.room == room)
    if since is not None:
        stmt = stmt.where(ShowFigures.starts_at >= datetime.combine(since, time.min, tz))
    if until is not None:
        stmt = stmt.where(ShowFigures.starts_at < datetime.combine(until, time.max, tz))
    shows = []
    rooms: set[str] = set()
    for show_id, title, show_room, host_ids, starts_at, figures in db.execute(stmt.order_by(ShowFigures.starts_at)):
        rooms.add(show_room)
        if host and host not in (host_ids or []):
            continue
        shows.append(
            {
                "show_id": show_id,
                "title": title,
                "room": show_room,
                "starts_at": starts_at.isoformat(),
                "period": period_key(starts_at, period, tz),
                **{k: figures.get(k) for k in TREND_KEYS},
            }
        )
    bands = {k: band([s[k] for s in shows if s[k] is not None]) for k in TREND_KEYS}
    periods: dict[str, list[dict[str, Any]]] = {}
    for s in shows:
        periods.setdefault(s["period"], []).append(s)
    by_period = []
    for key in sorted(periods):
        group = periods[key]
        row: dict[str, Any] = {"period": key, "shows": len(group), "gmv": sum(s["gmv"] or 0 for s in group)}
        for k in TREND_KEYS[1:]:
            row[k] = quantile([s[k] for s in group if s[k] is not None], 0.5)
        by_period.append(row)
    ranked = sorted((s for s in shows if s["gmv"] is not None), key=lambda s: (-s["gmv"], s["starts_at"]))
    return {
        "filters": {"room": room, "host": host, "period": period},
        "rooms": sorted(rooms),
        "shows": shows,
        "bands": bands,
        "periods": by_period,
        "best": ranked[:3],
        "worst": list(reversed(ranked[-3:])) if ranked else [],
    }
