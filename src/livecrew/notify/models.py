"""Tables of the pushes: targets (where), the outbox (what, one row per message and target) and the requests
made to each target (how often: the rate limiter reads them).

The outbox row copies what it needs of the message (text, tags, channel): the message lives in the channels'
tables, which this feature does not read; ``message_id`` is kept as a plain number for the delivery log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime


class TargetKind(StrEnum):
    dingtalk = "dingtalk"
    feishu = "feishu"
    wecom = "wecom"
    slack = "slack"
    webhook = "webhook"
    line = "line"
    telegram = "telegram"


class TargetStatus(StrEnum):
    ok = "ok"
    # The platform refused our signature, keyword or token: nothing is sent until a person fixes the target.
    broken = "broken"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # the last try failed; it will be tried again
    dead = "dead"  # given up after too many failures (a person may still retry it)


class NotifyTarget(Base):
    __tablename__ = "notify_targets"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(80), default="")
    # The webhook the user pasted, or the API base of LINE / Telegram. Webhook addresses carry tokens: the
    # API and the console show them masked.
    url: Mapped[str] = mapped_column(Text)
    # Signing secret, or LINE's channel access token / Telegram's bot token. Write-only.
    secret: Mapped[str | None] = mapped_column(Text)
    # LINE: the group or room id; Telegram: the chat id. Empty for webhook kinds.
    chat_id: Mapped[str | None] = mapped_column(String(120))
    # Routes: channel kinds (required), tags and severities (empty = any).
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    severities: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(8), default=TargetStatus.ok.value)
    broken_reason: Mapped[str | None] = mapped_column(Text)
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # No request before this instant (the platform said "too fast", or the target keeps failing).
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failed requests
    # One relay at a time works a target (its rate limit is counted by one writer).
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotifyDelivery(Base):
    """The outbox: one message for one target, written in the transaction that posted the message."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
        Index("ix_notify_deliveries_target", "target_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("notify_targets.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(Integer)  # the channels' message (no foreign key); None: test
    channel_kind: Mapped[str] = mapped_column(String(12), default="")
    channel_name: Mapped[str] = mapped_column(String(120), default="")
    show_id: Mapped[str | None] = mapped_column(String(40))
    author: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str] = mapped_column(String(10), default="info")
    mentions: Mapped[list[str]] = mapped_column(JSON, default=list)  # names of people and roles mentioned
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claim: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    request_id: Mapped[int | None] = mapped_column(Integer)  # the request (notify_sends) that carried it


class NotifySend(Base):
    """One request made to a target: the rate limiter counts them; the console shows digests."""

    __tablename__ = "notify_sends"
    __table_args__ = (Index("ix_notify_sends_target_at", "target_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("notify_targets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    messages: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[str] = mapped_column(String(12), default="")  # sent, failed, throttled, broken
