"""Customer-service tables: tickets and their history, SLA breaches, reply templates, settings, agents'
hours, flagged products and the log of exports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime


class TicketKind(StrEnum):
    consult = "consult"  # pre-sale question (售前諮詢)
    refund = "refund"  # refund only (僅退款)
    return_ = "return"  # return and refund (退貨退款)
    exchange = "exchange"  # 換貨
    reissue = "reissue"  # 補發
    logistics = "logistics"  # 物流
    complaint = "complaint"  # 投訴


AFTER_SALES = ("refund", "return", "exchange", "reissue", "logistics")


class TicketStatus(StrEnum):
    new = "new"
    open = "open"
    pending = "pending"  # waiting on the customer: the clocks pause
    on_hold = "on_hold"  # waiting on someone else (supplier, courier): the clocks pause
    solved = "solved"
    closed = "closed"


OPEN_STATUSES = ("new", "open", "pending", "on_hold")
PAUSED_STATUSES = ("pending", "on_hold")


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class TicketSource(StrEnum):
    manual = "manual"
    comment = "comment"  # a live-room comment, one click
    cue = "cue"  # a cue card of the live room
    auto = "auto"  # a complaint-labelled comment, opened by the workspace setting
    refund = "refund"  # a refund event in the log
    imported = "import"  # the platform's after-sales export
    api = "api"


class Ticket(Base):
    __tablename__ = "service_tickets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_ref"),
        Index("ix_service_tickets_ws_status", "workspace_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10), default=TicketStatus.new.value)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.normal.value)
    source: Mapped[str] = mapped_column(String(8), default=TicketSource.manual.value)
    # A key that makes automatic sources idempotent: "<show>:<event id>", "refund:<show>:<order>", "import:<id>".
    source_ref: Mapped[str | None] = mapped_column(String(300))
    customer: Mapped[str] = mapped_column(String(200))  # the platform's user id
    nickname: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(20))  # triage topic of the text (size, quality...)
    show_id: Mapped[str | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"), index=True)
    product: Mapped[str | None] = mapped_column(String(120))  # SKU or the platform's product id
    order_ref: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # after-sales amount, minor units
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # SLA clocks: a due time while running; None when stopped or paused (then ``paused`` keeps what was left).
    first_reply_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_reply_seconds: Mapped[int | None] = mapped_column(Integer)  # in service hours
    next_reply_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # clock -> service seconds left
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the unanswered customer message
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(Integer)  # 1..5 when the platform gives one
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TicketEntry(Base):
    """The ticket's history: replies, internal notes, customer messages, changes, breaches, ratings."""

    __tablename__ = "service_ticket_entries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # reply, note, customer, status, assign, breach, rating, created
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlaBreach(Base):
    __tablename__ = "service_sla_breaches"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_tickets.id", ondelete="CASCADE"))
    clock: Mapped[str] = mapped_column(String(12))  # first_reply, next_reply, resolution
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReplyTemplate(Base):
    """A workspace's reply template (macro); overrides the shipped one with the same key."""

    __tablename__ = "service_reply_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(20))
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language -> title
    bodies: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language -> text with {placeholders}
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ServiceSettings(Base):
    __tablename__ = "service_settings"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    hours_start: Mapped[str] = mapped_column(String(5), default="08:00")
    hours_end: Mapped[str] = mapped_column(String(5), default="23:00")
    first_reply_minutes: Mapped[int] = mapped_column(Integer, default=3)
    next_reply_minutes: Mapped[int] = mapped_column(Integer, default=30)
    resolution_hours: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # kind -> hours
    auto_complaints: Mapped[bool] = mapped_column(Boolean, default=False)
    refund_tickets: Mapped[bool] = mapped_column(Boolean, default=True)
    report_time: Mapped[str] = mapped_column(String(5), default="23:30")
    last_report_day: Mapped[str | None] = mapped_column(String(10))
    problem_threshold: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ServiceAgent(Base):
    """A person of the service role and their duty hours (round-robin assigns inside them)."""

    __tablename__ = "service_agents"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    shift_start: Mapped[str] = mapped_column(String(5), default="08:00")
    shift_end: Mapped[str] = mapped_column(String(5), default="23:00")
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    turn: Mapped[int] = mapped_column(Integer, default=0)  # round-robin: the lowest turn is next


class ProblemFlag(Base):
    """A product with recurring complaints or after-sales of one kind in 7 days: for selection and operations."""

    __tablename__ = "service_problem_flags"
    __table_args__ = (Index("ix_service_problem_flags_ws_product", "workspace_id", "product"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    product: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))
    count: Mapped[int] = mapped_column(Integer)
    ticket_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ServiceExport(Base):
    """Who exported customer data, what and when (exports are logged)."""

    __tablename__ = "service_exports"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
