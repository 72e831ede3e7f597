"""What the live room offers other features: the domain events it emits (see ``livecrew.core.events``),
reads of a show's event log and live state, and the announcements livecrew makes to the control room.

Other features import these from here only, never from the modules behind them. Subscribers get the
events in the emitter's transaction; they flush, never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.live.actions import announce_auto
from livecrew.live.facts import (
    ActionPerformed,
    AlertAcknowledged,
    AlertFact,
    AlertRaised,
    AlertResolved,
)
from livecrew.live.log import explaining, product_viewers
from livecrew.live.state import LiveRegistry, live_registry

__all__ = [
    "ActionPerformed",
    "AlertAcknowledged",
    "AlertFact",
    "AlertRaised",
    "AlertResolved",
    "LiveRegistry",
    "announce_auto",
    "explaining",
    "feed_lines",
    "feed_lines_db",
    "live_registry",
    "product_viewers",
    "raise_alert",
]


# ------------------------------------------------------------------ reads and writes other features may use


def feed_lines(app: Any, show_id: str, data: bytes) -> dict[str, Any]:
    """Feed a JSON Lines body into a show of this process exactly as ``POST /shows/{id}/events`` does: decoded
    first, written under the writer lock and committed, then applied to the live state (connectors running
    as jobs of the server use it). Returns ``{"accepted", "duplicates", "rejected"}``."""
    from livecrew.live import ingest
    from livecrew.live.state import after_ingest, registry_of
    from livecrew.shows.public import Show

    ctx = app.state.ctx
    registry = registry_of(app)
    parsed = ingest.parse_request(data, session=show_id, content_type=None, max_bytes=ctx.settings.max_body_bytes)
    with ctx.sessions() as db:

        def write() -> Any:
            show = db.get(Show, show_id)
            if show is None:
                raise LookupError(f"show {show_id} no longer exists")
            result = ingest.append_parsed(db, ctx.clock, show, parsed)
            db.commit()
            return result

        result = ingest.write_then_apply(write, lambda r: after_ingest(ctx.hub, registry, show_id, r))
    out: dict[str, Any] = result.to_dict()
    return out


def raise_alert(
    db: Session,
    clock: Clock,
    show_id: str,
    *,
    rule: str,
    severity: str,
    message: str,
    key: str,
    params: dict[str, Any],
    roles: tuple[str, ...] = ("controller", "tech"),
) -> int:
    """Raise an alert of another feature's making on a show's control room (one open alert per rule: a second
    raise updates it). The live ticker's rules never resolve it; a person acknowledges it."""
    from sqlalchemy import select

    from livecrew.live.alerts import publish_alert
    from livecrew.live.models import Alert

    now = clock.now()
    current = db.scalar(
        select(Alert).where(Alert.show_id == show_id, Alert.rule == rule, Alert.acknowledged_at.is_(None))
    )
    if current is None:
        current = Alert(
            show_id=show_id,
            rule=rule,
            severity=severity,
            roles=list(roles),
            message=message,
            key=key,
            params=params,
            raised_at=now,
            updated_at=now,
            updates=0,
        )
        db.add(current)
        db.flush()
        publish_alert(db, current, "alert.raised")
    else:
        current.message, current.params, current.updated_at = message, params, now
        current.updates += 1
        db.flush()
        publish_alert(db, current, "alert.updated")
    return current.id


def feed_lines_db(db: Session, clock: Clock, show_id: str, data: bytes) -> dict[str, Any]:
    """Like :func:`feed_lines` for a process without the server's live state (a command on the database's
    machine): written and committed; servers catch up from the shared log."""
    from livecrew.live import ingest
    from livecrew.shows.public import Show

    show = db.get(Show, show_id)
    if show is None:
        raise LookupError(f"show {show_id} no longer exists")
    parsed = ingest.parse_request(data, session=show_id, content_type=None, max_bytes=64 * 1024 * 1024)
    result = ingest.append_parsed(db, clock, show, parsed)
    db.commit()
    out: dict[str, Any] = result.to_dict()
    return out


# ------------------------------------------------------------------ read functions for other features

from sqlalchemy import select  # noqa: E402


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
