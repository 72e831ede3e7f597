"""What the team feature offers other features for reading: the KPI definitions and the team goal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def kpi_definitions(db: Session, workspace_id: str) -> list[dict[str, Any]]:
    """The workspace's active KPIs (the team goal is the one with ``role == "team"``): key, role, name, metric,
    source (``metrics`` or ``team``), unit, direction (``higher``/``lower``), target and weight."""
    from livecrew.team.models import KpiDefinition

    rows = db.scalars(
        select(KpiDefinition)
        .where(KpiDefinition.workspace_id == workspace_id, KpiDefinition.active.is_(True))
        .order_by(KpiDefinition.id)
    ).all()
    return [
        {
            "key": k.key,
            "role": k.role,
            "name": k.name,
            "metric": k.metric,
            "source": k.source,
            "unit": k.unit,
            "direction": k.direction,
            "target": k.target,
            "weight": k.weight,
        }
        for k in rows
    ]
