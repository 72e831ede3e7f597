"""A show's live sources: which platform stream feeds it, and how that connection is doing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime


class SourceStatus(StrEnum):
    stopped = "stopped"  # not asked to run
    starting = "starting"  # asked to run; not connected yet (or reconnecting)
    connected = "connected"
    failed = "failed"  # stopped by itself: the platform refused (a revoked token, an unknown stream)


class LiveSource(Base):
    __tablename__ = "live_sources"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    show_id: Mapped[str] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    # What identifies the stream: a TikTok @username, a Facebook live video id.
    target: Mapped[str] = mapped_column(String(200))
    # Platform options that are not secret (the Graph API's address, a diamond's value).
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The platform's access token, when it needs one. Write-only: never shown, logged or exported.
    secret: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=SourceStatus.stopped.value)
    wanted: Mapped[bool] = mapped_column(default=False)  # should the server run it
    events: Mapped[int] = mapped_column(Integer, default=0)  # events fed (accepted) so far
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    garbage: Mapped[int] = mapped_column(Integer, default=0)  # lines or messages that could not be read
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The server process running it, and until when its claim holds (renewed while it runs).
    runner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
