"""The live room on the home page: the controller's card (the live room and its open alerts, extension point
``web.home_card``) and the live show's recent alerts and actions in everyone's feed (``web.home_activity``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal
from livecrew.core.auth.permissions import Action
from livecrew.live.alerts import alert_texts
from livecrew.live.models import Alert, LiveAction
from livecrew.shows.public import ShowInfo, shows_in_status
from livecrew.web.i18n import Translator

ALERT_ROWS = 6
FEED_ROWS = 12


def _live_shows(db: Session, principal: Principal) -> list[ShowInfo]:
    return sorted(shows_in_status(db, principal.workspace.id, frozenset({"live"})).values(), key=lambda s: s.starts_at)


def _open_alerts(db: Session, show_ids: list[str]) -> list[Alert]:
    if not show_ids:
        return []
    stmt = (
        select(Alert)
        .where(Alert.show_id.in_(show_ids), Alert.resolved_at.is_(None))
        .order_by(Alert.updated_at.desc(), Alert.id.desc())
    )
    return list(db.scalars(stmt).all())


def _language(principal: Principal) -> str:
    return principal.viewer.language or principal.viewer.default_language


def live_room_card(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """For whoever runs the room (the controller; operations and the owner too): the show on air with its
    control room, and its open alerts (unacknowledged first)."""
    if not principal.can(Action.alerts_edit):
        return []
    shows = _live_shows(db, principal)
    alerts = _open_alerts(db, [s.id for s in shows])
    alerts.sort(key=lambda a: a.acknowledged_at is not None)  # stable: newest first within each group
    lang = _language(principal)
    titles = {s.id: s.title for s in shows}
    rows = [
        {
            "id": a.id,
            "text": alert_texts(a).get(lang, a.message),
            "severity": a.severity,
            "show_id": a.show_id,
            "show": titles.get(a.show_id, ""),
            "at": a.updated_at,
            "acknowledged": a.acknowledged_at is not None,
        }
        for a in alerts[:ALERT_ROWS]
    ]
    order = 10 if "controller" in principal.roles else 20
    return [
        {
            "id": "live-room",
            "order": order,
            "template": "live/_home_live_room.html",
            "shows": shows,
            "alerts": rows,
            "open_alerts": sum(1 for a in alerts if a.acknowledged_at is None),
            "more": max(0, len(alerts) - ALERT_ROWS),
        }
    ]


def live_activity(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """The live show's recent alerts and control-room actions, for the home page's feed."""
    shows = _live_shows(db, principal)
    if not shows:
        return []
    ids = [s.id for s in shows]
    lang = _language(principal)
    t = Translator(lang)
    entries: list[dict[str, Any]] = []
    for alert in _open_alerts(db, ids)[:FEED_ROWS]:
        entries.append(
            {
                "at": alert.updated_at,
                "text": alert_texts(alert).get(lang, alert.message),
                "href": f"/live/{alert.show_id}",
                "kind": "alert",
                "severity": alert.severity,
            }
        )
    recent = db.scalars(
        select(LiveAction).where(LiveAction.show_id.in_(ids)).order_by(LiveAction.id.desc()).limit(FEED_ROWS)
    ).all()
    for action in recent:
        p = action.payload or {}
        what = p.get("product") or p.get("title") or p.get("text") or ""
        step = p.get("action") or ""
        entries.append(
            {
                "at": action.at,
                "text": " ".join(x for x in (t("action." + action.kind), str(what), str(step)) if x),
                "href": f"/live/{action.show_id}",
                "kind": "action",
                "severity": None,
            }
        )
    return entries
