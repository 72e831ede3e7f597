"""Review API bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ActionIn(BaseModel):
    problem: str = Field(description="What went wrong (or could be better)")
    cause: str = Field("", description="Why, as the team reads it")
    action: str = Field(description="What will be done; it becomes a board task")
    owner_id: str | None = Field(None, description="The person who owns it (user id)")
    due_on: str = Field(description="Due day, YYYY-MM-DD")


class NotesIn(BaseModel):
    notes: str | None = Field(None, description="Meeting notes (kept as written)")
    sign_off: bool = Field(False, description="Sign the review off now")
    nothing_to_change: bool = Field(False, description='With sign_off: "nothing to change" (no action needed)')


class RulesIn(BaseModel):
    rules: list[dict[str, Any]] = Field(description="The whole rule set (see GET /api/v1/review/rules)")


class CaseIn(BaseModel):
    kind: str = Field("show", description="show, minutes or incident")
    title: str = ""
    minute_from: int | None = None
    minute_to: int | None = None
    incident_ref: str | None = Field(None, description="For an incident case: the incident or alert it is about")
    tags: list[str] = Field(default_factory=list)
    note: str = ""
