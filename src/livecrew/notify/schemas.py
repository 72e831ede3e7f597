"""What the pushes' API takes and gives. Secrets go in, never out (``secret_set`` tells whether one is set)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from livecrew.notify.models import NotifyDelivery, NotifyTarget
from livecrew.notify.platforms import mask_url


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="dingtalk, feishu, wecom, slack, webhook, line or telegram")
    url: str = Field(
        default="",
        max_length=2000,
        description="The webhook address as the platform shows it; for LINE and Telegram the API base "
        "(empty: the platform's own).",
    )
    secret: str | None = Field(
        default=None,
        max_length=500,
        description="Signing secret (DingTalk, Feishu, webhook), LINE channel access token or Telegram bot "
        "token. Write-only.",
    )
    channels: list[str] = Field(description="channel kinds pushed: preview, live, emergency, workspace")
    tags: list[str] = Field(default_factory=list, description="only messages with one of these tags (empty: any)")
    severities: list[str] = Field(default_factory=list, description="info, warning, critical (empty: any)")
    name: str = Field(default="", max_length=80)
    chat_id: str | None = Field(default=None, max_length=120, description="LINE group/room id, Telegram chat id")
    enabled: bool = True


class TargetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    secret: str | None = Field(default=None, max_length=500, description="a new secret; omit to keep the one set")
    channels: list[str] | None = None
    tags: list[str] | None = None
    severities: list[str] | None = None
    name: str | None = Field(default=None, max_length=80)
    chat_id: str | None = Field(default=None, max_length=120)
    enabled: bool | None = None


class Created(BaseModel):
    id: int


class TargetOut(BaseModel):
    id: int
    kind: str
    name: str
    url: str = Field(description="masked: tokens in the address are hidden")
    secret_set: bool
    chat_id: str | None
    channels: list[str]
    tags: list[str]
    severities: list[str]
    enabled: bool
    status: str = Field(description="ok or broken")
    broken_reason: str | None = Field(description="what the platform said when it refused us")
    broken_at: datetime | None
    next_send_at: datetime | None
    waiting: int = 0
    dead: int = 0

    @classmethod
    def of(cls, t: NotifyTarget, counts: dict[str, int] | None = None) -> TargetOut:
        counts = counts or {}
        return cls(
            id=t.id, kind=t.kind, name=t.name, url=mask_url(t.url), secret_set=bool(t.secret), chat_id=t.chat_id,
            channels=list(t.channels or []), tags=list(t.tags or []), severities=list(t.severities or []),
            enabled=t.enabled, status=t.status, broken_reason=t.broken_reason, broken_at=t.broken_at,
            next_send_at=t.next_send_at, waiting=counts.get("pending", 0) + counts.get("failed", 0),
            dead=counts.get("dead", 0),
        )  # fmt: skip


class DeliveryOut(BaseModel):
    id: int
    message: int | None = Field(description="the channel message's id (none for a test message)")
    status: str = Field(description="pending, sent, failed (will be retried) or dead (given up)")
    attempts: int
    last_error: str | None
    text: str
    channel_kind: str
    tags: list[str]
    severity: str
    posted_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, d: NotifyDelivery) -> DeliveryOut:
        return cls(
            id=d.id, message=d.message_id, status=d.status, attempts=d.attempts, last_error=d.last_error,
            text=d.text, channel_kind=d.channel_kind, tags=list(d.tags or []), severity=d.severity,
            posted_at=d.posted_at, next_attempt_at=d.next_attempt_at, sent_at=d.sent_at,
        )  # fmt: skip


class TestOut(BaseModel):
    delivery: DeliveryOut
    target_status: str
    broken_reason: str | None
