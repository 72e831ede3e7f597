"""Live sources in the console: a panel on the show's page (add, start, stop) and on the control room
(how each source is doing, beside the feed-silent alert)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError
from livecrew.shows.public import show_status
from livecrew.sources import service
from livecrew.sources.jobs import wake
from livecrew.web.render import form_failed, render

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.live_view))]
Feeder = Annotated[Principal, Depends(require_web(Action.live_ingest))]


def _context(request: Request, db: Session, principal: Principal, show_id: str, place: str) -> dict[str, Any]:
    return {
        "sources": [service.to_dict(s) for s in service.list_sources(db, principal.workspace, show_id)],
        "sources_show_id": show_id,
        "sources_place": place,
        "sources_can_manage": principal.can(Action.live_ingest),
        "sources_error": request.query_params.get("source_error", "")[:300],
    }


def show_panel(request: Request, db: Session, principal: Principal, show: Any) -> tuple[str, dict[str, Any]]:
    """On the show's page (extension point shows.detail_panel)."""
    return "sources/_panel.html", _context(request, db, principal, show.id, "show")


def room_panel(request: Request, db: Session, principal: Principal, show_id: str) -> tuple[str, dict[str, Any]]:
    """In the control room (extension point live.room_panel)."""
    return "sources/_panel.html", _context(request, db, principal, show_id, "room")


@router.get("/shows/{show_id}/sources/list", response_class=HTMLResponse)
def source_list(request: Request, show_id: str, db: Db, principal: Viewer, place: str = "show") -> Response:
    show_status(db, principal.workspace.id, show_id)
    return render(request, "sources/_list.html", _context(request, db, principal, show_id, place))


def _back(show_id: str, place: str, error: str = "") -> RedirectResponse:
    target = f"/live/{show_id}" if place == "room" else f"/shows/{show_id}"
    if error:
        target += f"?source_error={quote(error)}"
    return RedirectResponse(target + ("" if error else "#sources"), status_code=303)


@router.post("/shows/{show_id}/sources")
def source_add(
    request: Request,
    show_id: str,
    db: Db,
    clock: Clk,
    principal: Feeder,
    platform: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    graph_url: Annotated[str, Form()] = "",
) -> Response:
    show_status(db, principal.workspace.id, show_id)
    try:
        source = service.create_source(
            db,
            clock,
            principal.workspace,
            show_id,
            platform=platform,
            target=target,
            token=token,
            graph_url=graph_url.strip() or None,
            actor=principal.user,
        )
        service.set_wanted(db, clock, source, True)
        wake(request.app)
    except DomainError as exc:
        return form_failed(request, db, exc, lambda error, _status: _back(show_id, "show", error))
    return _back(show_id, "show")


@router.post("/sources/{source_id}/{verb}")
def source_switch(
    request: Request,
    source_id: int,
    verb: str,
    db: Db,
    clock: Clk,
    principal: Feeder,
    place: Annotated[str, Form()] = "show",
) -> Response:
    if verb not in ("start", "stop"):
        return Response(status_code=404)
    source = service.get_source(db, principal.workspace, source_id)
    service.set_wanted(db, clock, source, verb == "start")
    if verb == "start":
        wake(request.app)
    show_id = source.show_id
    return _back(show_id, place)
