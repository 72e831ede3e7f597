"""What the incidents feature offers other features: the domain events of an incident run.

Emitted in the transaction that changes the run; the channels feature posts them into the show's
emergency channel (and so to the pushes); the review lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from livecrew.incidents.facts import IncidentFact, IncidentOpened, IncidentTransitioned, StepOverdue

__all__ = ["IncidentFact", "IncidentOpened", "IncidentTransitioned", "StepOverdue"]


# ---------------------------------------------------------------------------------------------------------
# Reads for other features (the review lists a show's incidents)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentSummary:
    id: int
    show_id: str
    runbook: str
    title: dict[str, str]
    severity: str
    status: str
    drill: bool
    cause: str
    opened_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    seconds_to_acknowledge: float | None
    seconds_to_resolve: float | None
    steps_total: int
    steps_on_time: int
    steps_late: int
    steps_skipped: int


def incidents_of_show(db: Session, show_id: str) -> list[IncidentSummary]:
    """Every incident run of the show (drills included: see ``drill``), oldest first."""
    from sqlalchemy import select

    from livecrew.incidents.models import Incident
    from livecrew.incidents.service import score, seconds_to_acknowledge, seconds_to_resolve

    runs = db.scalars(select(Incident).where(Incident.show_id == show_id).order_by(Incident.opened_at, Incident.id))
    out = []
    for run in runs:
        s = score(run)
        out.append(
            IncidentSummary(
                id=run.id,
                show_id=run.show_id,
                runbook=run.runbook_key,
                title=dict(run.title),
                severity=run.severity,
                status=run.status,
                drill=run.drill,
                cause=run.cause,
                opened_at=run.opened_at,
                acknowledged_at=run.acknowledged_at,
                mitigated_at=run.mitigated_at,
                resolved_at=run.resolved_at,
                seconds_to_acknowledge=seconds_to_acknowledge(run),
                seconds_to_resolve=seconds_to_resolve(run),
                steps_total=s["steps_total"],
                steps_on_time=s["steps_on_time"],
                steps_late=s["steps_late"],
                steps_skipped=s["steps_skipped"],
            )
        )
    return out


def incident_stats_of_show(db: Session, workspace_id: str, show_id: str) -> dict[str, Any]:
    """The show's counts, MTTA, MTTR and p50 / p90 (seconds), real incidents and drills apart:
    ``{"real": {...}, "drills": {...}}``."""
    from livecrew.incidents.stats import of_show

    return of_show(db, workspace_id, show_id)


def incident_spans(db: Session, show_id: str) -> list[dict[str, Any]]:
    """The show's runs as time spans for charts: ``{"id", "title", "drill", "start", "end"}`` in epoch ms
    (``end`` None while the run is not resolved)."""
    from livecrew.core.clock import to_ms

    return [
        {
            "id": s.id,
            "title": s.title,
            "runbook": s.runbook,
            "drill": s.drill,
            "status": s.status,
            "start": to_ms(s.opened_at),
            "end": to_ms(s.resolved_at) if s.resolved_at else None,
        }
        for s in incidents_of_show(db, show_id)
        if s.status != "cancelled"
    ]


def incidents_for_review(db: Session, show_id: str) -> list[dict[str, Any]]:
    """The show's incident runs as the review lists them (its extension point ``review.incident_source``):
    title (in each language), runbook, severity, status, drill, and the lifecycle's times."""
    return [
        {
            "id": s.id,
            "runbook": s.runbook,
            "title": s.title,
            "severity": s.severity,
            "status": s.status,
            "drill": s.drill,
            "opened_at": s.opened_at,
            "acknowledged_at": s.acknowledged_at,
            "resolved_at": s.resolved_at,
        }
        for s in incidents_of_show(db, show_id)
    ]
