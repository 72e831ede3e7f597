"""Scorecards: each rostered person's KPIs (team/kpis.py definitions) scored from the show's figures
(docs/metrics.md, "Scorecards"), and their scores per week or month from the stored show figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.auth.permissions import Action
from livecrew.core.errors import ValidationFailed
from livecrew.team import public as team

ON_TIME = timedelta(hours=24)
PERIODS = ("week", "month")


def definitions(db: Session, workspace_id: str) -> list[dict[str, Any]]:
    return team.kpi_definitions(db, workspace_id)


def sees_all(principal: Any) -> bool:
    return bool(principal.can(Action.review_scores_all))


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def team_figures(review: dict[str, Any], info: dict[str, Any]) -> dict[str, float | None]:
    """The team figures (source ``team``) the review measures; the others stay unmeasured."""
    comments = review["comments"]
    products = review["products"]
    metrics = review["metrics"]
    alerts = review["incidents"]["alerts"]
    silent = [a for a in alerts if a["rule"] == "feed_silent"]
    resolved = [a["seconds_to_resolve"] for a in alerts if a["seconds_to_resolve"] is not None]
    answered: float | None = None
    if comments["answers_known"] and comments["question_cards"]:
        answered = comments["answered_cards"] / comments["question_cards"]
    ended = info.get("ended_at")
    signed = _parse(review["notes"].get("signed_at"))
    done_at = min((d for d in (signed, info.get("reviewed_at")) if d is not None), default=None)
    on_time: float | None = None
    if ended is not None and done_at is not None:
        on_time = 1.0 if done_at - ended <= ON_TIME else 0.0
    in_lineup = [p for p in products if p["in_lineup"]]
    return {
        "assistant.question_answer_rate": answered,
        "controller.compliance_warnings": float(len(comments["compliance_hits"])),
        "selection.return_rate": (metrics["refund_amount"] / metrics["gmv"]) if metrics["gmv"] else None,
        "selection.stockouts": float(sum(1 for p in in_lineup if p["stock_left"] == 0)) if in_lineup else None,
        "tech.interruption_seconds": float(sum(a["seconds_to_resolve"] or 0 for a in silent)),
        "tech.recovery_seconds": (sum(resolved) / len(resolved)) if resolved else None,
        "operations.review_on_time": on_time,
        "analyst.diagnosis_on_time": on_time,
    }


def attainment(actual: float | None, target: float | None, direction: str) -> float | None:
    if actual is None or target is None:
        return None
    if direction == "lower":
        if actual <= target:
            return 1.0
        return target / actual if target else 1 / (1 + actual)
    return actual / target if target else None


def score_show(
    info: dict[str, Any], snapshot: dict[str, Any], team_values: dict[str, float | None], kpis: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for entry in info["roster"]:
        person = people.setdefault(entry["user_id"], {"user_id": entry["user_id"], "name": entry["name"], "roles": []})
        if entry["role"] not in person["roles"]:
            person["roles"].append(entry["role"])
    out = []
    for person in people.values():
        rows = []
        for k in kpis:
            if k["role"] not in person["roles"]:
                continue
            if k["source"] == "metrics":
                raw = snapshot.get(k["metric"])
                actual = float(raw) if isinstance(raw, int | float) else None
            else:
                actual = team_values.get(k["metric"])
            got = attainment(actual, k["target"], k["direction"])
            rows.append({**k, "actual": actual, "attainment": got, "measured": got is not None})
        measured = [r for r in rows if r["measured"] and r["weight"] > 0]
        weight = sum(r["weight"] for r in measured)
        score = 100 * sum(r["weight"] * min(r["attainment"], 1.0) for r in measured) / weight if weight else None
        out.append({**person, "score": score, "kpis": rows})
    return sorted(out, key=lambda p: (p["roles"][0] if p["roles"] else "", p["name"]))


def team_goal(kpis: list[dict[str, Any]], info: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any] | None:
    goal = next((k for k in kpis if k["role"] == "team"), None)
    if goal is None:
        return None
    target = info["targets"].get(goal["metric"], goal["target"])
    actual = snapshot.get(goal["metric"])
    return {
        "name": goal["name"],
        "metric": goal["metric"],
        "target": target,
        "actual": actual,
        "attainment": attainment(actual, target, goal["direction"]) if isinstance(target, int | float) else None,
    }


def period_key(when: datetime, period: str, tz: ZoneInfo) -> str:
    local = when.astimezone(tz)
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def period_scores(
    db: Session, workspace: Workspace, period: str, *, user_id: str | None = None, limit: int = 12
) -> list[dict[str, Any]]:
    """Per person and period: the mean of their show scores, with the shows behind it."""
    from livecrew.review.models import ShowFigures

    if period not in PERIODS:
        raise ValidationFailed(f'unknown period "{period}"; use week or month', key="review.err.period")
    tz = ZoneInfo(workspace.timezone)
    rows = db.scalars(
        select(ShowFigures).where(ShowFigures.workspace_id == workspace.id).order_by(ShowFigures.starts_at)
    ).all()
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = period_key(row.starts_at, period, tz)
        for card in row.scores or []:
            if user_id is not None and card["user_id"] != user_id:
                continue
            group = groups.setdefault(
                (key, card["user_id"]),
                {"period": key, "user_id": card["user_id"], "name": card["name"], "roles": card["roles"], "shows": []},
            )
            group["shows"].append({"show_id": row.show_id, "title": row.title, "score": card["score"]})
    out = []
    for group in groups.values():
        scored = [s["score"] for s in group["shows"] if s["score"] is not None]
        group["score"] = sum(scored) / len(scored) if scored else None
        out.append(group)
    out.sort(key=lambda g: (g["period"], g["name"]), reverse=True)
    periods = sorted({g["period"] for g in out}, reverse=True)[:limit]
    return [g for g in out if g["period"] in periods]
