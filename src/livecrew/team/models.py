"""Tables for the team (人): duties with their change history, matrix reviews, AB backups, absences, KPIs."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core import shipped
from livecrew.core.db import Base, UTCDateTime


class Phase(StrEnum):
    before = "before"
    during = "during"
    after = "after"


class Duty(Base):
    """One duty of one role in one phase of a show. Retired duties stay, so history keeps its meaning."""

    __tablename__ = "team_duties"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(96))
    role: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DutyChange(Base):
    """Who changed which duty when, and what it was before and after: the duty catalog's version history."""

    __tablename__ = "team_duty_changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("team_duties.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(12))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class MatrixReview(Base):
    """A person looked at a template's responsibility matrix and found it right (or fixed it)."""

    __tablename__ = "team_matrix_reviews"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("show_templates.id", ondelete="CASCADE"), index=True)
    template_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[int] = mapped_column(Integer, default=0)


class Backup(Base):
    """The B of an A: who steps in for a person in a role when they cannot play it."""

    __tablename__ = "team_backups"
    __table_args__ = (UniqueConstraint("workspace_id", "role", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    backup_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Absence(Base):
    """A person cannot play their part in one show; ``covered_by`` is who took it over, once decided."""

    __tablename__ = "team_absences"
    __table_args__ = (UniqueConstraint("show_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    covered_by: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# Whether a higher or a lower figure is better.
DIRECTIONS = ("higher", "lower")


class KpiDefinition(Base):
    """What a role is measured on: a METRICS.md key or a team metric, with a target, direction and weight.

    The row with ``role == "team"`` is the shared team goal.
    """

    __tablename__ = "team_kpis"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(96))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    metric: Mapped[str] = mapped_column(String(96))
    source: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))
    target: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def _shipped_texts() -> dict[str, dict[str, str]]:
    data = Path(__file__).parent / "data"
    return shipped.index_of(
        *(json.loads((data / name).read_text(encoding="utf-8")) for name in ("roles.json", "kpis.json"))
    )


# Shipped duties and KPI names read in the reader's language until a team edits them (core/shipped.py).
shipped.register(Duty, ("title", "detail"), _shipped_texts)
shipped.register(DutyChange, ("before", "after"), _shipped_texts)
shipped.register(KpiDefinition, ("name", "description"), _shipped_texts)
