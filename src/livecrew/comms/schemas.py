"""Request bodies of the channels API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=6, description="tag keys or labels (技術故障 or tech)")
    reply_to: int | None = Field(default=None, description="the id of the message this one answers")
    severity: str = Field(default="info", description="info, warning or critical")
    mention_roles: list[str] = Field(default_factory=list, description="roles to mention besides @ in the text")
    mention_users: list[str] = Field(default_factory=list, description="people (ids) to mention besides @ in the text")


class MessagePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    tags: list[str] | None = None


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pinned: bool = True


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    upto: int | None = Field(default=None, description="the newest message read (default: the newest there is)")


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)


class ChannelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=80)
    archived: bool | None = None


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str | None = Field(default=None, max_length=40, pattern=r"^[a-z0-9_-]+$")
    labels: dict[str, str] = Field(description='{"zh-Hant": "...", "zh-Hans": "...", "en": "..."}')
