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


# ------------------------------------------------------------------ read functions for other features

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402


def explaining_product(db: Session, show_id: str) -> str | None:
    """The product reference (SKU or platform id) the host is explaining now, from the newest ``explain``
    event in the show's log (None when the last one stopped, or there is none)."""
    from livecrew.live.models import LiveEvent

    body = db.scalar(
        select(LiveEvent.body)
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "explain")
        .order_by(LiveEvent.ts.desc(), LiveEvent.seq.desc())
        .limit(1)
    )
    if not body or body.get("action") != "start":
        return None
    return str(body.get("product") or "") or None


def open_alert(db: Session, show_id: str, rule: str) -> dict[str, Any] | None:
    """The show's newest alert of a rule that is neither resolved nor acknowledged (e.g. ``speech_compliance``:
    the host's speech tripped the lexicon and nobody has handled it yet), as the alert stream shows it."""
    from livecrew.live.alerts import alert_dict
    from livecrew.live.models import Alert

    alert = db.scalar(
        select(Alert)
        .where(
            Alert.show_id == show_id,
            Alert.rule == rule,
            Alert.resolved_at.is_(None),
            Alert.acknowledged_at.is_(None),
        )
        .order_by(Alert.id.desc())
        .limit(1)
    )
    return alert_dict(alert) if alert is not None else None
