"""What customer service offers other features: the domain events of its tickets and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy.orm import Session

from livecrew.core.events import DomainEvent


@dataclass(frozen=True)
class SlaBreached(DomainEvent):
    """A ticket's first-reply, next-reply or resolution clock ran out (``clock`` names which)."""

    topic: ClassVar[str] = "service.sla_breached"
    workspace_id: str
    ticket_id: int
    kind: str
    clock: str
    customer: str
    show_id: str | None
    assignee_id: str | None


@dataclass(frozen=True)
class DailyReportReady(DomainEvent):
    """The daily report (客服日報) of one day, ready to be posted to the service channel."""

    topic: ClassVar[str] = "service.daily_report_ready"
    workspace_id: str
    day: str
    summary: str


@dataclass(frozen=True)
class ProductProblem:
    """A product flagged by customer service: ``count`` tickets of ``kind`` (complaint or an after-sales kind)
    within 7 days; ``ticket_ids`` link them."""

    product: str
    kind: str
    count: int
    ticket_ids: tuple[int, ...]
    flagged_at: datetime


def product_problems(db: Session, workspace_id: str) -> list[ProductProblem]:
    """The workspace's open recurring-problem flags, newest first (for the product pool and operations)."""
    from livecrew.service.problems import open_flags

    return [
        ProductProblem(f.product, f.kind, f.count, tuple(f.ticket_ids or ()), f.flagged_at)
        for f in open_flags(db, workspace_id)
    ]
