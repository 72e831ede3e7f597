"""The control room: one live show on one page, updated over Server-Sent Events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.plugins import contributions
from livecrew.live import actions, alerts
from livecrew.live.models import LiveEvent
from livecrew.shows import public as perks
from livecrew.shows import public as shows
from livecrew.shows.public import ShowStatus
from livecrew.web.render import render

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]

LIVE_ORDER = [ShowStatus.live, ShowStatus.ready, ShowStatus.rehearsing, ShowStatus.planned, ShowStatus.ended]


@router.get("/live", response_class=HTMLResponse)
def live_index(
    request: Request, db: Db, clock: Clk, principal: Annotated[Principal, Depends(require_web(Action.live_view))]
) -> Response:
    """Straight to the show on air; otherwise a choice of the shows nearest in time."""
    candidates = [s for s in shows.list_shows(db, principal.workspace) if s.status in LIVE_ORDER]
    on_air = [s for s in candidates if s.status == ShowStatus.live]
    if len(on_air) == 1:
        return RedirectResponse(f"/live/{on_air[0].id}", status_code=303)
    now = clock.now()
    candidates.sort(key=lambda s: (LIVE_ORDER.index(ShowStatus(s.status)), abs((s.starts_at - now).total_seconds())))
    return render(request, "live/index.html", {"candidates": candidates[:12]}, active_nav="live")


def cue_cards(show_id: str) -> list[dict[str, Any]]:
    from livecrew.text.public import cards

    return cards(show_id)


def _recent_comments(db: Session, show_id: str, limit: int = 80) -> list[dict[str, Any]]:
    stmt = (
        select(LiveEvent.event_id, LiveEvent.ts, LiveEvent.user, LiveEvent.body)
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "comment")
        .order_by(LiveEvent.seq.desc())
        .limit(limit)
    )
    from livecrew.shows.public import Show
    from livecrew.text.public import label, lexicon_for

    show = db.get(Show, show_id)
    lexicon = lexicon_for(db, show.workspace_id) if show is not None else None
    return [
        label({"id": eid, "ts": ts, "user": user, "text": body.get("text", "")}, lexicon=lexicon)
        for eid, ts, user, body in reversed(db.execute(stmt).all())
    ]


# Other features add panels to the control room (live sources show their state beside the alerts): each
# gives a template name and the context it needs, from (request, db, principal, show_id).
ROOM_PANELS = "live.room_panel"


@router.get("/live/{show_id}", response_class=HTMLResponse)
def control_room(
    request: Request, show_id: str, db: Db, principal: Annotated[Principal, Depends(require_web(Action.live_view))]
) -> Response:
    show = shows.get_show(db, principal.workspace, show_id)
    recent = actions.recent_actions(db, show, 20)
    panels: list[str] = []
    panel_context: dict[str, Any] = {}
    for panel in contributions(ROOM_PANELS):
        name, context = panel(request, db, principal, show.id)
        panels.append(name)
        panel_context.update(context)
    return render(
        request,
        "live/control_room.html",
        {
            **panel_context,
            "panels": panels,
            "show": show,
            "comments": _recent_comments(db, show.id),
            "cues": cue_cards(show.id),
            "alerts": [alerts.alert_dict(a) for a in alerts.list_alerts(db, show)[:30]],
            "actions": recent,
            "announcements": [a for a in recent if a.kind == "announce"][:5],
            "perks": perks.list_perks(db, show),
            "can_control": principal.can(Action.live_control),
            "can_ingest": principal.can(Action.live_ingest),
            "currency": principal.workspace.currency,
        },
        active_nav="live",
    )
