"""The numbers of incident response, read from the stored timestamps: counts, MTTA, MTTR, p50 / p90.

Drills and real incidents are counted apart. Per show, per runbook, and per workspace by week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.incidents.models import Incident, RunStatus


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return round(ordered[0], 3)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (pos - low), 3)


@dataclass(frozen=True)
class Figures:
    count: int
    cancelled: int
    acknowledged: int
    resolved: int
    mtta: float | None  # mean seconds to acknowledge
    mttr: float | None  # mean seconds to resolve
    tta_p50: float | None
    tta_p90: float | None
    ttr_p50: float | None
    ttr_p90: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def figures(runs: Iterable[Incident]) -> Figures:
    runs = list(runs)
    counted = [r for r in runs if r.status != RunStatus.cancelled]
    tta = [(r.acknowledged_at - r.opened_at).total_seconds() for r in counted if r.acknowledged_at]
    ttr = [(r.resolved_at - r.opened_at).total_seconds() for r in counted if r.resolved_at]
    return Figures(
        count=len(counted),
        cancelled=len(runs) - len(counted),
        acknowledged=len(tta),
        resolved=len(ttr),
        mtta=_mean(tta),
        mttr=_mean(ttr),
        tta_p50=percentile(tta, 0.5),
        tta_p90=percentile(tta, 0.9),
        ttr_p50=percentile(ttr, 0.5),
        ttr_p90=percentile(ttr, 0.9),
    )


def split(runs: Iterable[Incident]) -> dict[str, dict[str, Any]]:
    """Real incidents and drills apart."""
    runs = list(runs)
    return {
        "real": figures(r for r in runs if not r.drill).to_dict(),
        "drills": figures(r for r in runs if r.drill).to_dict(),
    }


def _runs(
    db: Session, workspace_id: str, *, since: datetime | None = None, show_id: str | None = None
) -> list[Incident]:
    stmt = select(Incident).where(Incident.workspace_id == workspace_id)
    if since is not None:
        stmt = stmt.where(Incident.opened_at >= since)
    if show_id is not None:
        stmt = stmt.where(Incident.show_id == show_id)
    return list(db.scalars(stmt.order_by(Incident.opened_at)).all())


def of_show(db: Session, workspace_id: str, show_id: str) -> dict[str, dict[str, Any]]:
    return split(_runs(db, workspace_id, show_id=show_id))


def by_runbook(db: Session, workspace_id: str, *, since: datetime | None = None) -> dict[str, dict[str, Any]]:
    runs = _runs(db, workspace_id, since=since)
    keys = sorted({r.runbook_key for r in runs})
    return {k: split(r for r in runs if r.runbook_key == k) for k in keys}


def week_of(when: datetime) -> date:
    day = when.date()
    return day - timedelta(days=day.weekday())


def by_week(db: Session, workspace_id: str, *, since: datetime | None = None) -> list[dict[str, Any]]:
    """Per ISO week (its Monday, UTC), oldest first."""
    runs = _runs(db, workspace_id, since=since)
    weeks = sorted({week_of(r.opened_at) for r in runs})
    return [{"week": w.isoformat(), **split(r for r in runs if week_of(r.opened_at) == w)} for w in weeks]


def workspace_stats(db: Session, workspace_id: str, *, since: datetime | None = None) -> dict[str, Any]:
    runs = _runs(db, workspace_id, since=since)
    return {
        "total": split(runs),
        "by_runbook": by_runbook(db, workspace_id, since=since),
        "by_week": by_week(db, workspace_id, since=since),
    }


def last_drilled(db: Session, workspace_id: str) -> dict[str, datetime]:
    """runbook key -> when its latest drill was opened."""
    rows = db.execute(
        select(Incident.runbook_key, Incident.opened_at).where(
            Incident.workspace_id == workspace_id, Incident.drill.is_(True), Incident.status != RunStatus.cancelled
        )
    ).all()
    out: dict[str, datetime] = {}
    for key, at in rows:
        if key not in out or at > out[key]:
            out[key] = at
    return out
