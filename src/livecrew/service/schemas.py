"""The service API's shapes in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from livecrew.service.models import Ticket, TicketEntry


class TicketIn(BaseModel):
    kind: str = Field(description="consult, refund, return, exchange, reissue, logistics or complaint")
    customer: str = Field(description="the customer's platform user id")
    text: str
    show: str | None = None
    product: str | None = Field(default=None, description="SKU (or the platform's product id)")
    order: str | None = None
    nickname: str = ""
    priority: str = "normal"
    amount: int = Field(default=0, description="after-sales amount, minor units")
    assignee_id: str | None = None


class LiveTicketIn(BaseModel):
    """One click in the control room: the viewer, the text and the product being explained."""

    user: str = ""
    text: str
    kind: str | None = Field(default=None, description="default: complaint for a complaint, else consult")
    product: str | None = Field(default=None, description="default: the product being explained")
    source: str = Field(default="comment", description="comment or cue")
    nickname: str = ""


class TicketOut(BaseModel):
    id: int
    kind: str
    status: str
    priority: str
    source: str
    customer: str
    nickname: str
    text: str
    topic: str | None
    show: str | None
    product: str | None
    order: str | None
    amount: int
    assignee_id: str | None
    created_at: datetime
    first_reply_due: datetime | None
    first_replied_at: datetime | None
    next_reply_due: datetime | None
    resolution_due: datetime | None
    paused: bool
    solved_at: datetime | None
    rating: int | None
    overdue: list[str]

    @classmethod
    def of(cls, t: Ticket, now: datetime) -> TicketOut:
        from livecrew.service.tickets import is_overdue

        return cls(
            id=t.id,
            kind=t.kind,
            status=t.status,
            priority=t.priority,
            source=t.source,
            customer=t.customer,
            nickname=t.nickname,
            text=t.text,
            topic=t.topic,
            show=t.show_id,
            product=t.product,
            order=t.order_ref,
            amount=t.amount,
            assignee_id=t.assignee_id,
            created_at=t.created_at,
            first_reply_due=t.first_reply_due,
            first_replied_at=t.first_replied_at,
            next_reply_due=t.next_reply_due,
            resolution_due=t.resolution_due,
            paused=t.paused_at is not None,
            solved_at=t.solved_at,
            rating=t.rating,
            overdue=is_overdue(t, now),
        )


class EntryOut(BaseModel):
    id: int
    kind: str
    author_id: str | None
    body: str
    data: dict[str, Any]
    at: datetime

    @classmethod
    def of(cls, e: TicketEntry) -> EntryOut:
        return cls(id=e.id, kind=e.kind, author_id=e.author_id, body=e.body, data=e.data or {}, at=e.at)


class TicketDetail(TicketOut):
    history: list[EntryOut]


class ReplyIn(BaseModel):
    text: str
    internal: bool = False
    confirm: bool = Field(default=False, description="send even though the compliance check flags the wording")
    template: str | None = None
    then: str | None = Field(default=None, description="status after the reply: open, pending, on_hold or solved")


class MessageIn(BaseModel):
    text: str


class TransitionIn(BaseModel):
    to: str


class TicketPatch(BaseModel):
    assignee_id: str | None = None
    unassign: bool = False
    priority: str | None = None


class RatingIn(BaseModel):
    rating: int = Field(ge=1, le=5)


class SettingsIn(BaseModel):
    hours_start: str | None = None
    hours_end: str | None = None
    first_reply_minutes: int | None = None
    next_reply_minutes: int | None = None
    resolution_hours: dict[str, int] | None = None
    auto_complaints: bool | None = None
    refund_tickets: bool | None = None
    report_time: str | None = None
    problem_threshold: int | None = None


class MacroIn(BaseModel):
    topic: str = "other"
    titles: dict[str, str] = Field(default_factory=dict)
    bodies: dict[str, str] = Field(default_factory=dict)
    confirm: bool = False


class AgentIn(BaseModel):
    shift_start: str
    shift_end: str
    on_duty: bool = True
