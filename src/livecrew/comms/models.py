"""Tables for team channels: channels (a show's three, the workspace's own), tags, messages, mentions,
read markers and the audit trail of edits and deletions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livecrew.core.db import Base, UTCDateTime


class ChannelKind(StrEnum):
    preview = "preview"  # 直播預告群
    live = "live"  # 直播進行群
    emergency = "emergency"  # 緊急事件群
    workspace = "workspace"  # the workspace's own channels (選品, 客服 ...)


SHOW_KINDS: tuple[ChannelKind, ...] = (ChannelKind.preview, ChannelKind.live, ChannelKind.emergency)


class Channel(Base):
    """A channel. A show's channels have ``show_id`` and the key ``<show id>:<kind>``; a workspace channel
    has a short key of its own (``service``, ``selection``, or one made from its name)."""

    __tablename__ = "comms_channels"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    show_id: Mapped[str | None] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(80))
    # Empty: the default name of its key, in the reader's language.
    name: Mapped[str] = mapped_column(String(80), default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Tag(Base):
    """One tag of the workspace's tag set: a stable key and a label per console language."""

    __tablename__ = "comms_tags"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Message(Base):
    """A message in a channel. System messages have no author and keep their text in every language."""

    __tablename__ = "comms_messages"
    __table_args__ = (
        Index("ix_comms_messages_channel_id", "channel_id", "id"),
        UniqueConstraint("channel_id", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("comms_channels.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    system: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    # The text folded for search: full-width made half-width, lower case, Traditional made Simplified.
    search_text: Mapped[str] = mapped_column(Text)
    # A system message's text per console language.
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str] = mapped_column(String(8), default="info")
    # The roles it mentions, space-separated with a space at each end (" host controller "), so a filter by role
    # is a LIKE on every database.
    roles_mentioned: Mapped[str] = mapped_column(String(200), default="")
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comms_messages.id", ondelete="SET NULL"))
    # Where the message sits on the show's timeline (ms, the event log's clock).
    event_ts: Mapped[int | None] = mapped_column(BigInteger)
    # What a system message reports ("alert:12:raised"): the same fact is posted once.
    source: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def mention_roles(self) -> list[str]:
        return self.roles_mentioned.split()


def roles_field(roles: list[str]) -> str:
    return f" {' '.join(roles)} " if roles else ""


class MessageTag(Base):
    """One tag of one message (for filtering by tag in SQL)."""

    __tablename__ = "comms_message_tags"
    __table_args__ = (Index("ix_comms_message_tags_tag", "tag", "message_id"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("comms_messages.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class Mention(Base):
    """A person a message reaches by a mention (``role``: through which role, None for a direct @name),
    and when they tapped ✓."""

    __tablename__ = "comms_mentions"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("comms_messages.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReadMarker(Base):
    """The newest message a person has read in a channel."""

    __tablename__ = "comms_read_markers"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("comms_channels.id", ondelete="CASCADE"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """What happened to a message after it was posted: edited (with the text before), deleted, pinned."""

    __tablename__ = "comms_audit"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("comms_messages.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # edited / deleted / pinned / unpinned
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
