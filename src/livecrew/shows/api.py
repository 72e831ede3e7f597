"""API routes for show templates and shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import get_clock, get_db
from livecrew.shows import service
from livecrew.shows.models import Show
from livecrew.shows.schemas import (
    ChecklistOut,
    ChecklistPatch,
    RosterIn,
    RosterOut,
    SegmentOut,
    ShowIn,
    ShowOut,
    ShowSummary,
    TemplateOut,
    TransitionIn,
    TransitionOut,
)

router = APIRouter(prefix="/api/v1", tags=["shows"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]

# Other features add sections to a show's API view (the lineup comes from goods).
DetailProvider = Callable[[Session, Show], list[dict[str, Any]]]
LINEUP_PROVIDERS: list[DetailProvider] = []


def show_out(db: Session, show: Show) -> ShowOut:
    lineup: list[dict[str, Any]] = []
    for provider in LINEUP_PROVIDERS:
        lineup.extend(provider(db, show))
    return ShowOut(
        **ShowSummary.of(show).model_dump(),
        theme=show.theme,
        template_id=show.template_id,
        required_roles=show.required_roles,
        targets=show.targets,
        roster=[RosterOut.of(e) for e in show.roster],
        lineup=lineup,
        segments=[SegmentOut.of(s) for s in show.segments],
        checklist=[ChecklistOut.of(i) for i in show.checklist],
        transitions=[TransitionOut.of(t) for t in show.transitions],
        gate=[p.to_dict() for p in service.gate_problems(db, show)],
    )


@router.get("/show-templates", response_model=list[TemplateOut])
def list_templates(db: Db, principal: Annotated[Principal, Depends(require(Action.shows_view))]) -> list[TemplateOut]:
    return [TemplateOut.of(t) for t in service.list_templates(db, principal.workspace)]


@router.get("/show-templates/{ref}", response_model=TemplateOut)
def get_template(ref: str, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_view))]) -> TemplateOut:
    return TemplateOut.of(service.get_template(db, principal.workspace, ref))


@router.get("/shows", response_model=list[ShowSummary])
def list_shows(
    db: Db,
    principal: Annotated[Principal, Depends(require(Action.shows_view))],
    start: Annotated[datetime | None, Query(alias="from", description="shows still running at or after")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="shows starting before")] = None,
    status: str | None = None,
) -> list[ShowSummary]:
    shows = service.list_shows(db, principal.workspace, start=start, end=end, status=status)
    return [ShowSummary.of(s) for s in shows]


@router.post("/shows", response_model=ShowOut, status_code=201)
def create_show(
    body: ShowIn, db: Db, clock: Clk, principal: Annotated[Principal, Depends(require(Action.shows_edit))]
) -> ShowOut:
    show = service.create_show(
        db,
        clock,
        principal.workspace,
        title=body.title,
        starts_at=service.parse_start(body.starts_at, principal.workspace),
        minutes=body.minutes,
        template=body.template,
        room=body.room,
        theme=body.theme,
        actor=principal.user,
    )
    db.commit()
    return show_out(db, show)


@router.get("/shows/{show_id}", response_model=ShowOut)
def get_show(show_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_view))]) -> ShowOut:
    return show_out(db, service.get_show(db, principal.workspace, show_id))


@router.post(
    "/shows/{show_id}/transitions",
    response_model=ShowOut,
    responses={409: {"description": "not allowed from this status, or the gate is not met (details list why)"}},
)
def transition(
    show_id: str,
    body: TransitionIn,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.shows_transition))],
) -> ShowOut:
    show = service.get_show(db, principal.workspace, show_id)
    service.transition(db, clock, principal.workspace, show, body.to, actor=principal.user, note=body.note)
    db.commit()
    return show_out(db, show)


@router.post("/shows/{show_id}/roster", response_model=RosterOut, status_code=201)
def add_roster(
    show_id: str, body: RosterIn, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_edit))]
) -> RosterOut:
    show = service.get_show(db, principal.workspace, show_id)
    entry = service.add_to_roster(db, principal.workspace, show, body.role, body.user_id)
    db.commit()
    return RosterOut.of(entry)


@router.delete("/shows/{show_id}/roster/{entry_id}", status_code=204)
def remove_roster(
    show_id: str, entry_id: int, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_edit))]
) -> None:
    show = service.get_show(db, principal.workspace, show_id)
    service.remove_from_roster(db, principal.workspace, show, entry_id)
    db.commit()


@router.patch("/shows/{show_id}/checklist/{item_id}", response_model=ChecklistOut)
def patch_checklist(
    show_id: str,
    item_id: int,
    body: ChecklistPatch,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.shows_checklist))],
) -> ChecklistOut:
    show = service.get_show(db, principal.workspace, show_id)
    item = service.set_checklist_item(
        db,
        clock,
        show,
        item_id,
        status=body.status,
        reason=body.reason,
        actor=principal.user,
        may_edit_any=principal.can(Action.shows_edit),
    )
    db.commit()
    return ChecklistOut.of(item)
