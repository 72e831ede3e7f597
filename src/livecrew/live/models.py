"""The event log (durable before acknowledged), alert rules and raised alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class LiveEvent(Base):
    """One accepted event of a show, exactly as it arrived (unknown fields kept)."""

    __tablename__ = "live_events"
    __table_args__ = (
        UniqueConstraint("show_id", "event_id"),
        Index("ix_live_events_show_seq", "show_id", "seq"),
        Index("ix_live_events_show_pos", "show_id", "pos", unique=True),
    )

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    # No foreign key: checked row by row, it cost more than a quarter of PostgreSQL's work for a batch.
    # The ingest numbers every row from the show's LiveLogHead row, whose key is checked once a batch;
    # deleting a show deletes its rows by a trigger (migration 0020).
    show_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    ts: Mapped[int] = mapped_column(BigInteger)
    user: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[str | None] = mapped_column(String(32))  # who, for control-room actions
    # The row's place in its show's log: assigned at insert under the show's log head lock (LiveLogHead),
    # so positions are in commit order per show: whoever sees position p sees every row below it.
    pos: Mapped[int] = mapped_column(BigInteger)


class LiveLogHead(Base):
    """The highest position handed out in a show's log. An ingest transaction bumps it (taking the row's
    lock until its commit) and numbers its rows above the old value: see docs/live.md, "One order"."""

    __tablename__ = "live_log_heads"

    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    pos: Mapped[int] = mapped_column(BigInteger, default=0)


class AlertRule(Base):
    """A workspace's settings for one alert rule (thresholds a team can edit, the roles it addresses)."""

    __tablename__ = "live_alert_rules"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)


class Alert(Base):
    """An alert raised for a show: raised once, then updated while the condition lasts; acknowledged by a person."""

    __tablename__ = "live_alerts"
    __table_args__ = (Index("ix_live_alerts_show_open", "show_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(8))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updates: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_ts: Mapped[int | None] = mapped_column(BigInteger)  # where it sits on the show's timeline


class LiveAction(Base):
    """A control-room action (explain, shelf, coupon, lucky bag, announcement): who did what, when.

    Explain and shelf actions are also room events in the event log (EVENTS.md), so the metrics see them.
    """

    __tablename__ = "live_actions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ts: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event_id: Mapped[str | None] = mapped_column(String(200))
