"""Tables for runbooks (the workspace's library, with versions), incident runs, their steps and timeline."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livecrew.core.db import Base, UTCDateTime


class RunStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    mitigated = "mitigated"
    resolved = "resolved"
    closed = "closed"
    cancelled = "cancelled"


class StepState(StrEnum):
    open = "open"
    done = "done"
    skipped = "skipped"


class Runbook(Base):
    """One emergency plan of a workspace: copied from the shipped ones, then the team's to edit."""

    __tablename__ = "incident_runbooks"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # {language: text}
    trigger: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    announcement: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    severity: Mapped[str] = mapped_column(String(8))
    critical: Mapped[bool] = mapped_column(Boolean, default=False)  # the optional gate asks it be drilled
    # [{"role", "title": {lang: ...}, "detail": {lang: ...}, "target_seconds", "products": [sku],
    #   "reply_script": {lang: ...}}]
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The board task asking for a drill, while one is open (the drill job makes one at a time).
    drill_task_id: Mapped[int | None] = mapped_column(Integer)


class RunbookVersion(Base):
    """What a runbook was after each change, who changed it, when and what."""

    __tablename__ = "incident_runbook_versions"
    __table_args__ = (UniqueConstraint("runbook_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    runbook_id: Mapped[int] = mapped_column(ForeignKey("incident_runbooks.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IncidentSettings(Base):
    """Per workspace: which signal opens which runbook, drill freshness, the optional gate, burst rules."""

    __tablename__ = "incident_settings"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    # signal -> runbook key ("" switches the signal off); signals missing here take the defaults
    triggers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    drill_stale_days: Mapped[int] = mapped_column(Integer, default=30)
    gate_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    gate_days: Mapped[int] = mapped_column(Integer, default=30)
    burst_count: Mapped[int] = mapped_column(Integer, default=5)  # complaints about one product...
    wave_count: Mapped[int] = mapped_column(Integer, default=12)  # ...or about anything...
    burst_seconds: Mapped[int] = mapped_column(Integer, default=60)  # ...within this many seconds


class Incident(Base):
    """One run of a runbook on a show: a frozen copy of its steps, its clock and its people."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_show_status", "show_id", "status"),
        Index("ix_incidents_workspace_opened", "workspace_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    runbook_id: Mapped[int | None] = mapped_column(ForeignKey("incident_runbooks.id", ondelete="SET NULL"))
    runbook_key: Mapped[str] = mapped_column(String(64))
    runbook_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    announcement: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.open.value)
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    # what opened it: "manual", or a signal (feed_silent, speech_compliance, complaint_burst, oversold...)
    cause: Mapped[str] = mapped_column(String(40), default="manual")
    alert_id: Mapped[int | None] = mapped_column(Integer)
    commander_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the retrospective: problem -> cause (its actions are RetroAction rows)
    retro_problem: Mapped[str] = mapped_column(Text, default="")
    retro_cause: Mapped[str] = mapped_column(Text, default="")

    steps: Mapped[list[IncidentStep]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentStep.position", lazy="selectin"
    )


class IncidentStep(Base):
    __tablename__ = "incident_steps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    detail: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    target_seconds: Mapped[int] = mapped_column(Integer)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply_script: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(8), default=StepState.open.value)
    reason: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when it was flagged overdue


class TimelineEntry(Base):
    """One line of a run's timeline: what happened, when, and who did it."""

    __tablename__ = "incident_timeline"
    __table_args__ = (Index("ix_incident_timeline_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # opened, alert, transition, step, overdue, message, action, note, retro, assign
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RetroAction(Base):
    """An action out of a run's retrospective: a board task with an owner and a due date."""

    __tablename__ = "incident_retro_actions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    task_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
