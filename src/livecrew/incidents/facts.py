"""The domain events of an incident run (re-exported by ``incidents.public``): emitted in the transaction that
changes the run; the channels post them into the show's emergency channel, the review lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from livecrew.core.events import DomainEvent


@dataclass(frozen=True)
class IncidentFact(DomainEvent):
    workspace_id: str
    show_id: str
    incident_id: int
    runbook: str
    title: str
    severity: str
    status: str
    drill: bool
    commander_id: str | None
    actor_id: str | None


@dataclass(frozen=True)
class IncidentOpened(IncidentFact):
    topic: ClassVar[str] = "incidents.opened"


@dataclass(frozen=True)
class IncidentTransitioned(IncidentFact):
    """acknowledged, mitigated, resolved, closed or cancelled (``status`` is the new one)."""

    topic: ClassVar[str] = "incidents.transitioned"


@dataclass(frozen=True)
class StepOverdue(DomainEvent):
    topic: ClassVar[str] = "incidents.step_overdue"
    workspace_id: str
    show_id: str
    incident_id: int
    step_id: int
    title: str
    role: str
    assignee_id: str | None
    commander_id: str | None
