"""Tables of the review: actions, the sign-off and meeting notes, stored show figures, rules and cases."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime


class CaseKind(StrEnum):
    show = "show"
    minutes = "minutes"
    incident = "incident"


class ReviewAction(Base):
    """One line of the review: problem → cause → action, with an owner and a due date; it is a board task."""

    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    task_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewNote(Base):
    """The review meeting of one show: notes, and the sign-off (with or without "nothing to change")."""

    __tablename__ = "review_notes"

    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    notes: Mapped[str] = mapped_column(Text, default="")
    nothing_to_change: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShowFigures(Base):
    """A show's core figures and scorecards, stored when it ends (and again when it is reviewed): what the
    comparisons, trends and period scorecards read, so they never replay hundreds of event logs."""

    __tablename__ = "review_show_figures"
    __table_args__ = (Index("ix_review_figures_ws_start", "workspace_id", "starts_at"),)

    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    room: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(String(160), default="")
    host_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The engine's part of the final review (metrics, figures, comments) as of the log's ``log_version``: an ended
    # show's review is read from here until the log grows (a late refund), instead of replaying the log again.
    log_version: Mapped[int] = mapped_column(BigInteger, default=0)
    review_part: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReviewRules(Base):
    """A workspace's diagnosis rules (the shipped set until it edits them)."""

    __tablename__ = "review_rules"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReviewCase(Base):
    """A case kept for the team (沉澱案例): a show, a range of its minutes or an incident, with tags and a note."""

    __tablename__ = "review_cases"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default=CaseKind.show.value)
    title: Mapped[str] = mapped_column(String(200))
    minute_from: Mapped[int | None] = mapped_column(Integer)
    minute_to: Mapped[int | None] = mapped_column(Integer)
    incident_ref: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewBuild(Base):
    """A show whose final review the review job has still to build and store (ShowFigures). Written in the
    transaction that ends the show (or marks it reviewed), so a build is never lost: a server that stops before
    it runs builds it after it starts again. ``requests`` grows with each ask; the job removes the row only
    when no ask came while it built. ``lease_until`` keeps other processes off a build under way, and puts a
    failed one off for a while."""

    __tablename__ = "review_builds"

    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    wanted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requests: Mapped[int] = mapped_column(Integer, default=1)
    runner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
