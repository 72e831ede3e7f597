"""What customer service offers other features: the domain events of its tickets and reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

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
