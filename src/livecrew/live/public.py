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


# ---------------------------------------------------------------- reads for other features (customer service)

RETARGET_SEGMENTS = ("clicked_not_paid", "ordered_not_paid", "commented_not_paid")


@dataclass(frozen=True)
class Retarget:
    """METRICS.md's Retargeting segments of one show, as the metrics engine counts them: each segment maps
    a user to the products they clicked (``clicked_not_paid``) or ordered (``ordered_not_paid``); ``buyers``
    are the users of paid orders in the window."""

    segments: dict[str, dict[str, list[str]]]
    buyers: frozenset[str]


def retarget(db: Any, show_id: str) -> Retarget:
    """The show's retargeting segments, from its event log through the metrics engine."""
    from livecrew.live.ingest import iter_bodies
    from livecrew.live.state import _feed_bodies, new_engine

    engine = new_engine(show_id)
    batch: list[dict[str, Any]] = []
    for body in iter_bodies(db, show_id):
        batch.append(body)
        if len(batch) >= 20_000:
            _feed_bodies(engine, batch, show_id)
            batch = []
    if batch:
        _feed_bodies(engine, batch, show_id)
    segments, buyers = engine.retarget()
    return Retarget(segments, frozenset(buyers))


def explaining_now(db: Any, show_id: str) -> str | None:
    """The product the host is explaining now (the latest ``explain`` event is a start), else None."""
    from sqlalchemy import select

    from livecrew.live.models import LiveEvent

    row = db.execute(
        select(LiveEvent.body)
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "explain")
        .order_by(LiveEvent.ts.desc(), LiveEvent.seq.desc())
        .limit(1)
    ).first()
    if row is None or row[0].get("action") != "start":
        return None
    product = row[0].get("product")
    return str(product) if product is not None else None


@dataclass(frozen=True)
class LoggedEvent:
    """One logged audience event, as other features read it."""

    show_id: str
    type: str
    ts: int
    user: str | None
    body: dict[str, Any]


def events_of(db: Any, show_id: str, types: tuple[str, ...], users: Any = None) -> list[LoggedEvent]:
    """A show's logged events of some types (optionally of some users only), in arrival order."""
    from sqlalchemy import select

    from livecrew.live.models import LiveEvent

    stmt = select(LiveEvent.show_id, LiveEvent.type, LiveEvent.ts, LiveEvent.user, LiveEvent.body).where(
        LiveEvent.show_id == show_id, LiveEvent.type.in_(types)
    )
    if users is not None:
        stmt = stmt.where(LiveEvent.user.in_(list(users)))
    rows = db.execute(stmt.order_by(LiveEvent.seq)).all()
    return [LoggedEvent(r[0], r[1], int(r[2]), r[3], dict(r[4])) for r in rows]


def pays_between(db: Any, workspace_id: str, users: Any, start_ms: int, end_ms: int) -> dict[str, list[int]]:
    """For each of ``users``: the ts of their ``pay`` events in ``[start_ms, end_ms]`` over every show of the
    workspace (sorted)."""
    from sqlalchemy import select

    from livecrew.live.models import LiveEvent
    from livecrew.shows.models import Show

    wanted = list(dict.fromkeys(users))
    found: dict[str, list[int]] = {}
    for i in range(0, len(wanted), 500):
        rows = db.execute(
            select(LiveEvent.user, LiveEvent.ts)
            .join(Show, Show.id == LiveEvent.show_id)
            .where(
                Show.workspace_id == workspace_id,
                LiveEvent.type == "pay",
                LiveEvent.user.in_(wanted[i : i + 500]),
                LiveEvent.ts >= start_ms,
                LiveEvent.ts <= end_ms,
            )
        ).all()
        for user, ts in rows:
            found.setdefault(user, []).append(int(ts))
    return {user: sorted(stamps) for user, stamps in found.items()}
