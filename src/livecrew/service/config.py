"""A workspace's service settings (hours, SLA targets, automatic tickets, report time) and its agents' hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, UserRole, Workspace
from livecrew.core.auth.roles import Role
from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.service.hours import ServiceHours, parse_hhmm
from livecrew.service.models import ServiceAgent, ServiceSettings, TicketKind

DEFAULT_RESOLUTION_HOURS: dict[str, int] = {
    "consult": 24,
    "refund": 48,
    "return": 72,
    "exchange": 72,
    "reissue": 48,
    "logistics": 48,
    "complaint": 24,
}


@dataclass(frozen=True)
class Settings:
    """The effective settings (the defaults where the workspace has not changed them)."""

    hours_start: str
    hours_end: str
    first_reply_minutes: int
    next_reply_minutes: int
    resolution_hours: dict[str, int]
    auto_complaints: bool
    refund_tickets: bool
    report_time: str
    problem_threshold: int
    last_report_day: str | None
    timezone: str

    @property
    def hours(self) -> ServiceHours:
        return ServiceHours.of(self.hours_start, self.hours_end, self.timezone)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hours_start": self.hours_start,
            "hours_end": self.hours_end,
            "first_reply_minutes": self.first_reply_minutes,
            "next_reply_minutes": self.next_reply_minutes,
            "resolution_hours": self.resolution_hours,
            "auto_complaints": self.auto_complaints,
            "refund_tickets": self.refund_tickets,
            "report_time": self.report_time,
            "problem_threshold": self.problem_threshold,
            "timezone": self.timezone,
        }


def _timezone(db: Session, workspace_id: str) -> str:
    ws = db.get(Workspace, workspace_id)
    if ws is None:
        raise NotFound("no such workspace", key="err.no_workspace_here")
    return ws.timezone


def settings_for(db: Session, workspace_id: str) -> Settings:
    row = db.get(ServiceSettings, workspace_id)
    tz = _timezone(db, workspace_id)
    if row is None:
        row = ServiceSettings(workspace_id=workspace_id)
    return Settings(
        hours_start=row.hours_start or "08:00",
        hours_end=row.hours_end or "23:00",
        first_reply_minutes=row.first_reply_minutes if row.first_reply_minutes is not None else 3,
        next_reply_minutes=row.next_reply_minutes if row.next_reply_minutes is not None else 30,
        resolution_hours={**DEFAULT_RESOLUTION_HOURS, **(row.resolution_hours or {})},
        auto_complaints=bool(row.auto_complaints),
        refund_tickets=True if row.refund_tickets is None else bool(row.refund_tickets),
        report_time=row.report_time or "23:30",
        problem_threshold=row.problem_threshold or 3,
        last_report_day=row.last_report_day,
        timezone=tz,
    )


def _minutes(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"{name} must be a whole number", key="err.service_number", params={"what": name}
        ) from None
    if not low <= number <= high:
        raise ValidationFailed(
            f"{name} must be from {low} to {high}",
            key="err.service_range",
            params={"what": name, "lo": low, "hi": high},
        )
    return number


def update_settings(db: Session, clock: Clock, workspace_id: str, changes: dict[str, Any]) -> Settings:
    """Change some settings; every value is checked before anything is written."""
    row = db.get(ServiceSettings, workspace_id)
    if row is None:
        row = ServiceSettings(workspace_id=workspace_id)
        db.add(row)
    clean: dict[str, Any] = {}
    for key in ("hours_start", "hours_end", "report_time"):
        if key in changes and changes[key] is not None:
            try:
                parsed = parse_hhmm(str(changes[key]))
            except ValueError as exc:
                raise ValidationFailed(str(exc), key="err.service_time", params={"what": key}) from None
            clean[key] = parsed.strftime("%H:%M")
    if changes.get("first_reply_minutes") is not None:
        clean["first_reply_minutes"] = _minutes("first_reply_minutes", changes["first_reply_minutes"], 1, 1440)
    if changes.get("next_reply_minutes") is not None:
        clean["next_reply_minutes"] = _minutes("next_reply_minutes", changes["next_reply_minutes"], 1, 10080)
    if changes.get("problem_threshold") is not None:
        clean["problem_threshold"] = _minutes("problem_threshold", changes["problem_threshold"], 1, 1000)
    if changes.get("resolution_hours") is not None:
        hours = dict(row.resolution_hours or {})
        for kind, value in dict(changes["resolution_hours"]).items():
            if kind not in {k.value for k in TicketKind}:
                raise ValidationFailed(f'unknown ticket kind "{kind}"', key="err.service_kind", params={"kind": kind})
            hours[kind] = _minutes(f"resolution_hours.{kind}", value, 1, 24 * 90)
        clean["resolution_hours"] = hours
    for key in ("auto_complaints", "refund_tickets"):
        if changes.get(key) is not None:
            clean[key] = bool(changes[key])
    for key, value in clean.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    db.flush()
    return settings_for(db, workspace_id)


def mark_reported(db: Session, workspace_id: str, day: str) -> None:
    row = db.get(ServiceSettings, workspace_id)
    if row is None:
        row = ServiceSettings(workspace_id=workspace_id)
        db.add(row)
    row.last_report_day = day
    db.flush()


# ---------------------------------------------------------------- agents


def service_people(db: Session, workspace_id: str) -> list[User]:
    """Active people of the workspace who hold the service role."""
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.workspace_id == workspace_id, User.active.is_(True), UserRole.role == Role.service.value)
        .order_by(User.display_name, User.id)
    )
    return list(db.scalars(stmt).all())


@dataclass(frozen=True)
class AgentView:
    user_id: str
    name: str
    shift_start: str
    shift_end: str
    on_duty: bool


def agents(db: Session, workspace_id: str) -> list[AgentView]:
    """Every service person with their hours (the service hours where none were set)."""
    s = settings_for(db, workspace_id)
    rows = {a.user_id: a for a in db.scalars(select(ServiceAgent).where(ServiceAgent.workspace_id == workspace_id))}
    out = []
    for user in service_people(db, workspace_id):
        a = rows.get(user.id)
        out.append(
            AgentView(
                user.id,
                user.display_name,
                a.shift_start if a else s.hours_start,
                a.shift_end if a else s.hours_end,
                a.on_duty if a else True,
            )
        )
    return out


def set_agent(
    db: Session, workspace_id: str, user_id: str, *, shift_start: str, shift_end: str, on_duty: bool
) -> ServiceAgent:
    if user_id not in {u.id for u in service_people(db, workspace_id)}:
        raise ValidationFailed(
            "that person does not hold the service role in this workspace", key="err.service_not_agent"
        )
    try:
        start, end = parse_hhmm(shift_start), parse_hhmm(shift_end)
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="err.service_time", params={"what": "shift"}) from None
    row = db.get(ServiceAgent, (workspace_id, user_id))
    if row is None:
        row = ServiceAgent(workspace_id=workspace_id, user_id=user_id)
        db.add(row)
    row.shift_start, row.shift_end, row.on_duty = start.strftime("%H:%M"), end.strftime("%H:%M"), on_duty
    db.flush()
    return row


def next_agent(db: Session, clock: Clock, workspace_id: str) -> str | None:
    """Round-robin: of the service people on duty now, the one assigned longest ago (None: nobody on duty)."""
    now = clock.now()
    s = settings_for(db, workspace_id)
    rows = {a.user_id: a for a in db.scalars(select(ServiceAgent).where(ServiceAgent.workspace_id == workspace_id))}
    candidates: list[tuple[int, str]] = []
    for user in service_people(db, workspace_id):
        a = rows.get(user.id)
        start, end, on = (a.shift_start, a.shift_end, a.on_duty) if a else (s.hours_start, s.hours_end, True)
        if not on or not ServiceHours.of(start, end, s.timezone).is_open(now):
            continue
        candidates.append((a.turn if a else 0, user.id))
    if not candidates:
        return None
    _turn, chosen = min(candidates)
    row = rows.get(chosen)
    if row is None:
        row = ServiceAgent(workspace_id=workspace_id, user_id=chosen, shift_start=s.hours_start, shift_end=s.hours_end)
        db.add(row)
    row.turn = max((a.turn for a in rows.values()), default=0) + 1
    row.last_assigned_at = now
    db.flush()
    return chosen
