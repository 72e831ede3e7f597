"""Tables for show templates, shows, their run of show, checklist, roster and lifecycle."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livecrew.core import shipped
from livecrew.core.db import Base, UTCDateTime


class ShowStatus(StrEnum):
    planned = "planned"
    rehearsing = "rehearsing"
    ready = "ready"
    live = "live"
    ended = "ended"
    reviewed = "reviewed"
    cancelled = "cancelled"


class ItemStatus(StrEnum):
    open = "open"
    done = "done"
    skipped = "skipped"


class ShowTemplate(Base):
    __tablename__ = "show_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    required_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    matrix: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Show(Base):
    __tablename__ = "shows"
    __table_args__ = (Index("ix_shows_workspace_starts", "workspace_id", "starts_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    template_id: Mapped[str | None] = mapped_column(ForeignKey("show_templates.id", ondelete="SET NULL"))
    template_version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    room: Mapped[str] = mapped_column(String(120), default="")
    theme: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ShowStatus.planned.value)
    required_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The earliest and latest ts among the show's logged events (ingest keeps them; see live/ingest.py).
    events_ts_min: Mapped[int | None] = mapped_column(BigInteger)
    events_ts_max: Mapped[int | None] = mapped_column(BigInteger)

    segments: Mapped[list[ShowSegment]] = relationship(
        cascade="all, delete-orphan", order_by="ShowSegment.position", lazy="selectin"
    )
    checklist: Mapped[list[ChecklistItem]] = relationship(
        cascade="all, delete-orphan", order_by="ChecklistItem.position", lazy="selectin"
    )
    roster: Mapped[list[RosterEntry]] = relationship(
        cascade="all, delete-orphan", order_by="RosterEntry.id", lazy="selectin"
    )
    transitions: Mapped[list[ShowTransition]] = relationship(
        cascade="all, delete-orphan", order_by="ShowTransition.id", lazy="selectin"
    )


class ShowSegment(Base):
    """One block of the run of show, copied from the template."""

    __tablename__ = "show_segments"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    planned_minutes: Mapped[int] = mapped_column(Integer)
    product_slot: Mapped[int | None] = mapped_column(Integer)
    perk: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    talking_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    cue_role: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ChecklistItem(Base):
    """A role-addressed pre-live check, copied from the template."""

    __tablename__ = "show_checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    due_minutes_before: Mapped[int] = mapped_column(Integer, default=30)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(8), default=ItemStatus.open.value)
    skip_reason: Mapped[str | None] = mapped_column(Text)
    done_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RosterEntry(Base):
    """Who plays which role in one show."""

    __tablename__ = "show_roster"
    __table_args__ = (UniqueConstraint("show_id", "role", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class ShowTransition(Base):
    """One step of the lifecycle, with when and who: time-to-X is a query."""

    __tablename__ = "show_transitions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")


class ShowSettings(Base):
    """Per-workspace scheduling rules."""

    __tablename__ = "show_settings"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    host_rest_hours: Mapped[int] = mapped_column(Integer, default=10)


class Rehearsal(Base):
    """One run-through of a show: when, who took part, notes and the problems found."""

    __tablename__ = "show_rehearsals"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PerkKind(StrEnum):
    coupon = "coupon"
    lucky_bag = "lucky_bag"
    flash_sale = "flash_sale"


class Perk(Base):
    """A coupon, a lucky bag (福袋) or a flash sale, placed at a moment of the run of show."""

    __tablename__ = "show_perks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(160))
    at_minute: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    draw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drawn_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def _shipped_texts() -> dict[str, dict[str, str]]:
    return shipped.index_of(json.loads((Path(__file__).parent / "data" / "templates.json").read_text(encoding="utf-8")))


# Shipped templates (their run of show and checklist) and what shows copied of them read in the reader's
# language until a team edits them (core/shipped.py).
shipped.register(ShowTemplate, ("name", "description", "segments", "checklist"), _shipped_texts)
shipped.register(ShowSegment, ("title", "perk", "talking_points"), _shipped_texts)
shipped.register(ChecklistItem, ("title", "detail"), _shipped_texts)
