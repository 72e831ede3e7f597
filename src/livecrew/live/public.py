"""What the live room offers other features: the domain events it emits (see ``livecrew.core.events``).

Subscribers get these in the emitter's transaction; they flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from livecrew.core.events import DomainEvent


@dataclass(frozen=True)
class AlertFact(DomainEvent):
    """An alert of a show: raised, acknowledged or resolved. ``rule`` is the alert rule's key
    (``feed_silent``, ``online_falling``, ``stock_low``, ``speech_compliance``, ``comment_compliance``...)."""

    workspace_id: str
    show_id: str
    alert_id: int
    rule: str
    severity: str
    roles: tuple[str, ...]
    message: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None


@dataclass(frozen=True)
class AlertRaised(AlertFact):
    topic: ClassVar[str] = "live.alert_raised"


@dataclass(frozen=True)
class AlertAcknowledged(AlertFact):
    topic: ClassVar[str] = "live.alert_acknowledged"


@dataclass(frozen=True)
class AlertResolved(AlertFact):
    topic: ClassVar[str] = "live.alert_resolved"


@dataclass(frozen=True)
class ActionPerformed(DomainEvent):
    """A control-room action was recorded (explain, shelf, coupon, lucky_bag, announce...)."""

    topic: ClassVar[str] = "live.action_performed"
    workspace_id: str
    show_id: str
    action_id: int
    kind: str
    payload: dict[str, Any]
    actor_id: str
    ts: int


def start_simulation(app: Any, show_id: str, *, minutes: int, speed: float, incidents: tuple[str, ...] = ()) -> Any:
    """Play the simulator into a show inside this app, through the ingest path, as an asyncio task (a rehearsal
    drill injects ``incidents`` such as ``silence@1+45``). Raises ValueError for a malformed incident."""
    import asyncio

    from livecrew.live.simulation import run
    from livecrew.simulate import parse_incident

    parsed = tuple(parse_incident(i) for i in incidents)
    config: dict[str, Any] = {"show": show_id, "minutes": minutes, "speed": speed, "incidents": parsed}
    return asyncio.get_running_loop().create_task(run(app, config), name=f"livecrew-drill-{show_id}")
