"""Live sources over the API: a show's connectors, started and stopped for the server to run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.shows.public import show_status
from livecrew.sources import service
from livecrew.sources.jobs import wake

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["sources"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require(Action.live_view))]
Feeder = Annotated[Principal, Depends(require(Action.live_ingest))]
SourceId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The source's id")]


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str = Field(description="tiktok or facebook")
    target: str = Field(max_length=200, description="TikTok: @username; Facebook: the live video's id")
    token: str = Field(default="", max_length=4000, description="Facebook: the access token (write-only)")
    graph_url: str | None = Field(default=None, max_length=300, description="Facebook: the Graph API's address")
    diamond_value: int | None = Field(default=None, description="TikTok: a diamond's value in minor units")
    start: bool = Field(default=True, description="start it at once")


@router.get("/shows/{show_id}/sources", summary="The show's live sources and how each is doing")
def list_sources(show_id: str, db: Db, principal: Viewer) -> list[dict[str, Any]]:
    show_status(db, principal.workspace.id, show_id)
    return [service.to_dict(s) for s in service.list_sources(db, principal.workspace, show_id)]


@router.post("/shows/{show_id}/sources", status_code=201, summary="Connect a platform's live stream to the show")
def create_source(
    show_id: str, body: SourceIn, request: Request, db: Db, clock: Clk, principal: Feeder
) -> dict[str, Any]:
    show_status(db, principal.workspace.id, show_id)
    source = service.create_source(
        db,
        clock,
        principal.workspace,
        show_id,
        platform=body.platform,
        target=body.target,
        token=body.token,
        graph_url=body.graph_url,
        diamond_value=body.diamond_value,
        actor=principal.user,
    )
    if body.start:
        service.set_wanted(db, clock, source, True)
        wake(request.app)
    out = service.to_dict(source)
    return out


@router.post("/sources/{source_id}/start", summary="Ask the server to run the source")
def start_source(source_id: SourceId, request: Request, db: Db, clock: Clk, principal: Feeder) -> dict[str, Any]:
    source = service.set_wanted(db, clock, service.get_source(db, principal.workspace, source_id), True)
    wake(request.app)
    out = service.to_dict(source)
    return out


@router.post("/sources/{source_id}/stop", summary="Stop the source")
def stop_source(source_id: SourceId, db: Db, clock: Clk, principal: Feeder) -> dict[str, Any]:
    source = service.set_wanted(db, clock, service.get_source(db, principal.workspace, source_id), False)
    out = service.to_dict(source)
    return out


@router.delete("/sources/{source_id}", status_code=204, summary="Remove a stopped source")
def delete_source(source_id: SourceId, db: Db, principal: Feeder) -> None:
    service.delete_source(db, service.get_source(db, principal.workspace, source_id))
