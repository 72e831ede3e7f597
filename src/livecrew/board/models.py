"""Tables for the daily board and tasks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core import shipped
from livecrew.core.db import Base, UTCDateTime


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class TaskSource(StrEnum):
    manual = "manual"
    show = "show"
    rehearsal = "rehearsal"
    review = "review"
    board = "board"
    matrix = "matrix"
    incident = "incident"
    service = "service"


class Task(Base):
    """Something a person has to do by a day, and what raised it."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_owner_status", "workspace_id", "owner_id", "status"),
        Index("ix_tasks_source", "source_kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=TaskStatus.open.value)
    source_kind: Mapped[str] = mapped_column(String(12), default=TaskSource.manual.value)
    source_id: Mapped[str | None] = mapped_column(String(40))
    show_id: Mapped[str | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DailyBoard(Base):
    """One day of the team: the morning meeting's targets and the evening review."""

    __tablename__ = "daily_boards"
    __table_args__ = (UniqueConstraint("workspace_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    gmv_target: Mapped[int | None] = mapped_column(BigInteger)  # minor units: beyond 32 bits on a big day
    focus_skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    show_targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    morning_note: Mapped[str] = mapped_column(Text, default="")
    evening_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def _shipped_texts() -> dict[str, dict[str, str]]:
    from livecrew.board.demo_texts import DEMO_TASKS

    return shipped.index_of([texts for _login, _days, texts in DEMO_TASKS])


# The demo's tasks read in the reader's language until someone edits them (core/shipped.py).
shipped.register(Task, ("title",), _shipped_texts)
