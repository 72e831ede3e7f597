"""KPI definitions per role and the one shared team goal. The review scores them; here they are kept and edited."""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.team.duties import TEAM_ROLE_KEYS
from livecrew.team.models import DIRECTIONS, KpiDefinition
from livecrew.web.i18n import pick

KPIS_FILE = Path(__file__).parent / "data" / "kpis.json"
TEAM = "team"
SOURCES = ("metrics", "team")
UNITS = ("count", "ratio", "minor_units", "seconds")
# The session-level figures of METRICS.md a KPI may point at (source "metrics").
METRIC_KEYS = (
    "pv", "uv", "peak_online", "avg_online", "watch_seconds", "avg_watch_seconds",
    "comments", "commenters", "likes", "shares", "new_followers", "interacting_users", "interaction_rate",
    "follow_rate", "gift_value", "product_view_users", "product_click_users", "orders", "paid_orders", "units",
    "buyers", "gmv", "refund_amount", "refunded_orders", "net_gmv", "refund_rate", "conversion_rate",
    "click_rate", "click_to_pay_rate", "aov", "uv_value", "gpm", "ad_spend", "roi",
)  # fmt: skip
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,95}$")


@cache
def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(KPIS_FILE.read_text(encoding="utf-8"))
    return data


def install_shipped(db: Session, clock: Clock, workspace: Workspace) -> int:
    have = set(db.scalars(select(KpiDefinition.key).where(KpiDefinition.workspace_id == workspace.id)).all())
    data = shipped()
    rows = [*data["kpis"], {**data["team_goal"], "role": TEAM, "weight": 1.0}]
    added = 0
    for raw in rows:
        if raw["key"] in have:
            continue
        db.add(
            KpiDefinition(
                workspace_id=workspace.id,
                key=raw["key"],
                role=raw["role"],
                name=pick(raw["name"], workspace.default_language),
                description=pick(raw.get("description", ""), workspace.default_language),
                metric=raw["metric"],
                source=raw["source"],
                unit=raw["unit"],
                direction=raw["direction"],
                target=raw.get("target"),
                weight=float(raw.get("weight", 0)),
                active=True,
                updated_at=clock.now(),
            )
        )
        added += 1
    db.flush()
    return added


def list_kpis(
    db: Session, workspace: Workspace, *, role: str | None = None, include_retired: bool = False
) -> list[KpiDefinition]:
    stmt = select(KpiDefinition).where(KpiDefinition.workspace_id == workspace.id)
    if role:
        stmt = stmt.where(KpiDefinition.role == _check_role(role))
    if not include_retired:
        stmt = stmt.where(KpiDefinition.active.is_(True))
    order = {r: i for i, r in enumerate((TEAM, *TEAM_ROLE_KEYS))}
    return sorted(db.scalars(stmt).all(), key=lambda k: (order.get(k.role, 99), -k.weight, k.id))


def get_kpi(db: Session, workspace: Workspace, key: str) -> KpiDefinition:
    row = db.scalar(select(KpiDefinition).where(KpiDefinition.workspace_id == workspace.id, KpiDefinition.key == key))
    if row is None:
        raise NotFound(f'no KPI with key "{key}" in this workspace', key="err.no_kpi", params={"key": key})
    return row


def team_goal(db: Session, workspace: Workspace) -> KpiDefinition | None:
    return db.scalar(
        select(KpiDefinition).where(
            KpiDefinition.workspace_id == workspace.id, KpiDefinition.role == TEAM, KpiDefinition.active.is_(True)
        )
    )


def weight_sums(kpis: list[KpiDefinition]) -> dict[str, float]:
    sums: dict[str, float] = {}
    for k in kpis:
        if k.role != TEAM and k.active:
            sums[k.role] = round(sums.get(k.role, 0.0) + k.weight, 6)
    return sums


def _check_role(role: str) -> str:
    if role != TEAM and role not in TEAM_ROLE_KEYS:
        raise ValidationFailed(
            f'unknown role "{role}"; use one of: team, {", ".join(TEAM_ROLE_KEYS)}',
            key="err.bad_role",
            params={"role": role},
        )
    return role


def _validate(fields: dict[str, Any]) -> None:
    name = " ".join(str(fields.get("name", "")).split())
    if not name:
        raise ValidationFailed("a KPI needs a name", key="err.kpi_name")
    if len(name) > 120:
        raise ValidationFailed("a KPI's name must be at most 120 characters", key="err.kpi_name")
    fields["name"] = name
    _check_role(fields["role"])
    if fields["source"] not in SOURCES:
        raise ValidationFailed(
            f'unknown source "{fields["source"]}"; use metrics (a show figure, docs/metrics.md) or team',
            key="err.kpi_source",
            params={"value": fields["source"]},
        )
    metric = str(fields["metric"]).strip()
    if fields["source"] == "metrics" and metric not in METRIC_KEYS:
        raise ValidationFailed(
            f'"{metric}" is not a show figure (docs/metrics.md); use one of: {", ".join(METRIC_KEYS)}',
            key="err.kpi_metric",
            params={"value": metric},
        )
    if fields["source"] == "team" and not _KEY.match(metric):
        raise ValidationFailed(
            f'"{metric}" is not a usable team-metric key; use lower-case letters, digits, dots or underscores',
            key="err.kpi_metric_key",
            params={"value": metric},
        )
    fields["metric"] = metric
    if fields["direction"] not in DIRECTIONS:
        raise ValidationFailed(
            f'unknown direction "{fields["direction"]}"; use higher or lower',
            key="err.kpi_direction",
            params={"value": fields["direction"]},
        )
    if fields["unit"] not in UNITS:
        raise ValidationFailed(
            f'unknown unit "{fields["unit"]}"; use one of: {", ".join(UNITS)}',
            key="err.kpi_unit",
            params={"value": fields["unit"]},
        )
    target = fields.get("target")
    if target is not None and (not math.isfinite(float(target)) or float(target) < 0):
        raise ValidationFailed("a KPI's target is a number of zero or more", key="err.kpi_target")
    if fields["unit"] == "ratio" and target is not None and float(target) > 1:
        raise ValidationFailed(
            "a ratio target is between 0 and 1 (write 0.05 for 5%)", key="err.kpi_ratio", params={"value": target}
        )
    weight = float(fields.get("weight", 0))
    if not 0 <= weight <= 1:
        raise ValidationFailed("a KPI's weight is between 0 and 1", key="err.kpi_weight", params={"value": weight})


def create_kpi(db: Session, clock: Clock, workspace: Workspace, *, actor: User | None, **fields: Any) -> KpiDefinition:
    key = str(fields.get("key") or "").strip()
    if not _KEY.match(key):
        raise ValidationFailed(
            f'"{key}" is not a usable KPI key; use lower-case letters, digits, dots or underscores',
            key="err.kpi_key",
            params={"value": key},
        )
    fields = {"description": "", "target": None, "weight": 0.0, **fields}
    _validate(fields)
    if fields["role"] == TEAM and team_goal(db, workspace) is not None:
        raise Conflict("the workspace already has its team goal; edit that one", key="err.kpi_team_goal")
    if db.scalar(select(KpiDefinition.id).where(KpiDefinition.workspace_id == workspace.id, KpiDefinition.key == key)):
        raise Conflict(f'a KPI with key "{key}" already exists', key="err.kpi_exists", params={"value": key})
    row = KpiDefinition(
        workspace_id=workspace.id,
        key=key,
        role=fields["role"],
        name=fields["name"],
        description=str(fields["description"]).strip(),
        metric=fields["metric"],
        source=fields["source"],
        unit=fields["unit"],
        direction=fields["direction"],
        target=None if fields["target"] is None else float(fields["target"]),
        weight=float(fields["weight"]),
        active=True,
        updated_at=clock.now(),
        updated_by=actor.id if actor else None,
    )
    db.add(row)
    db.flush()
    return row


EDITABLE_FIELDS = ("name", "description", "metric", "source", "unit", "direction", "target", "weight", "active")


def update_kpi(
    db: Session, clock: Clock, workspace: Workspace, kpi: KpiDefinition, *, actor: User | None, **changes: Any
) -> KpiDefinition:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"these KPI fields cannot be changed: {', '.join(sorted(unknown))}",
            key="err.kpi_fields",
            params={"fields": ", ".join(sorted(unknown))},
        )
    fields = {f: getattr(kpi, f) for f in EDITABLE_FIELDS} | {"role": kpi.role} | changes
    _validate(fields)
    if kpi.role == TEAM and fields["active"] and not kpi.active:
        other = team_goal(db, workspace)
        if other is not None and other.id != kpi.id:
            raise Conflict("the workspace already has an active team goal; retire it first", key="err.kpi_team_goal")
    for name in EDITABLE_FIELDS:
        value = fields[name]
        if name in ("target",) and value is not None:
            value = float(value)
        if name == "weight":
            value = float(value)
        setattr(kpi, name, value)
    kpi.updated_at = clock.now()
    kpi.updated_by = actor.id if actor else None
    db.flush()
    return kpi
