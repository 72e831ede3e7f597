"""API shapes for show templates and shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from livecrew.shows.models import ChecklistItem, RosterEntry, Show, ShowSegment, ShowTemplate, ShowTransition


class TemplateOut(BaseModel):
    id: str
    key: str
    name: str
    description: str
    duration_minutes: int
    required_roles: list[str]
    default_targets: dict[str, Any]
    segments: list[dict[str, Any]]
    checklist: list[dict[str, Any]]
    version: int
    warnings: list[dict[str, Any]] = Field(default_factory=list, description="worth a look, not errors")

    @classmethod
    def of(cls, t: ShowTemplate) -> TemplateOut:
        from livecrew.shows.template_edit import warnings

        return cls(
            id=t.id,
            key=t.key,
            name=t.name,
            description=t.description,
            duration_minutes=t.duration_minutes,
            required_roles=t.required_roles,
            default_targets=t.default_targets,
            segments=t.segments,
            checklist=t.checklist,
            version=t.version,
            warnings=warnings(t),
        )


class ShowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=160)
    starts_at: str = Field(description="ISO 8601; without an offset it is read in the workspace's time zone")
    minutes: int | None = Field(default=None, ge=1, le=1440)
    template: str | None = Field(default=None, description="template id or key")
    room: str = Field(default="", max_length=120, description="the platform account / live room")
    theme: str = Field(default="", max_length=200)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    note: str = Field(default="", max_length=2000)


class RosterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    user_id: str


class ChecklistPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(description="open, done or skipped")
    reason: str | None = Field(default=None, max_length=2000, description="required when skipped")


class RosterOut(BaseModel):
    id: int
    role: str
    user_id: str

    @classmethod
    def of(cls, e: RosterEntry) -> RosterOut:
        return cls(id=e.id, role=e.role, user_id=e.user_id)


class SegmentOut(BaseModel):
    id: int
    position: int
    title: str
    kind: str
    planned_minutes: int
    product_slot: int | None
    perk: dict[str, Any] | None
    talking_points: list[str]
    cue_role: str | None
    assignee_id: str | None

    @classmethod
    def of(cls, s: ShowSegment) -> SegmentOut:
        return cls(
            id=s.id,
            position=s.position,
            title=s.title,
            kind=s.kind,
            planned_minutes=s.planned_minutes,
            product_slot=s.product_slot,
            perk=s.perk,
            talking_points=s.talking_points,
            cue_role=s.cue_role,
            assignee_id=s.assignee_id,
        )


class ChecklistOut(BaseModel):
    id: int
    key: str
    role: str
    due_minutes_before: int
    title: str
    detail: str
    status: str
    skip_reason: str | None
    assignee_id: str | None
    done_by: str | None
    done_at: datetime | None

    @classmethod
    def of(cls, i: ChecklistItem) -> ChecklistOut:
        return cls(
            id=i.id,
            key=i.key,
            role=i.role,
            due_minutes_before=i.due_minutes_before,
            title=i.title,
            detail=i.detail,
            status=i.status,
            skip_reason=i.skip_reason,
            assignee_id=i.assignee_id,
            done_by=i.done_by,
            done_at=i.done_at,
        )


class TransitionOut(BaseModel):
    from_status: str
    to_status: str
    at: datetime
    by_user_id: str | None
    note: str

    @classmethod
    def of(cls, t: ShowTransition) -> TransitionOut:
        return cls(from_status=t.from_status, to_status=t.to_status, at=t.at, by_user_id=t.by_user_id, note=t.note)


class ShowSummary(BaseModel):
    id: str
    title: str
    status: str
    room: str
    starts_at: datetime
    ends_at: datetime
    planned_minutes: int

    @classmethod
    def of(cls, s: Show) -> ShowSummary:
        from livecrew.shows.service import ends_at

        return cls(
            id=s.id,
            title=s.title,
            status=s.status,
            room=s.room,
            starts_at=s.starts_at,
            ends_at=ends_at(s),
            planned_minutes=s.planned_minutes,
        )


class ShowOut(ShowSummary):
    theme: str
    template_id: str | None
    required_roles: list[str]
    targets: dict[str, Any]
    roster: list[RosterOut]
    lineup: list[dict[str, Any]]
    segments: list[SegmentOut]
    checklist: list[ChecklistOut]
    transitions: list[TransitionOut]
    gate: list[dict[str, Any]] = Field(description="unmet conditions for going live, in words")


class PerkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="coupon, lucky_bag or flash_sale")
    title: str = Field(max_length=160)
    at_minute: int | None = Field(default=None, ge=0, description="minutes after the start")
    details: dict[str, Any] = Field(
        description="coupon: threshold, discount, quantity, valid_until; lucky_bag: prize, winners, eligibility "
        "(commented, followed, commented_or_followed, all_viewers), window_minutes?; flash_sale: product, price, "
        "duration_minutes, quota. Money in minor units."
    )


class PerkOut(BaseModel):
    id: int
    kind: str
    title: str
    at_minute: int | None
    details: dict[str, Any]
    draw: dict[str, Any] | None
    drawn_at: datetime | None


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    eligible: list[str] = Field(min_length=1, description="the platform user ids eligible for the draw")
    seed: str | None = Field(default=None, max_length=200, description="leave out to generate one")


class RehearsalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str = Field(description="ISO 8601")
    participants: list[str] = Field(default_factory=list, description="user ids")
    notes: str = Field(default="", max_length=5000)
    problems: list[str] = Field(default_factory=list, description="problems found, one per entry")


class RehearsalOut(BaseModel):
    id: int
    at: datetime
    participants: list[str]
    notes: str
    problems: list[dict[str, Any]]


class WeekOut(BaseModel):
    start: datetime
    host_rest_hours: int
    shows: list[ShowSummary]
    conflicts: list[dict[str, Any]]
