"""API routes for show templates and shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.params import DbId
from livecrew.core.plugins import contributions
from livecrew.shows import service, template_edit
from livecrew.shows.models import Show
from livecrew.shows.schemas import (
    ChecklistOut,
    ChecklistPatch,
    DrawIn,
    PerkIn,
    PerkOut,
    RehearsalIn,
    RehearsalOut,
    RosterIn,
    RosterOut,
    SegmentOut,
    ShowIn,
    ShowOut,
    ShowSummary,
    TemplateOut,
    TransitionIn,
    TransitionOut,
    WeekOut,
)

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["shows"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]

# Other features add sections to a show's API view (the lineup comes from goods).
DetailProvider = Callable[[Session, Show], list[dict[str, Any]]]
LINEUP_PROVIDERS = "shows.lineup_provider"


def show_out(db: Session, show: Show) -> ShowOut:
    lineup: list[dict[str, Any]] = []
    for provider in contributions(LINEUP_PROVIDERS):
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


class TemplatePatch(BaseModel):
    """Any of these; the whole template is validated before anything is saved, and its version goes up."""

    name: str | None = None
    description: str | None = None
    duration_minutes: int | None = None
    required_roles: list[str] | None = None
    default_targets: dict[str, Any] | None = Field(default=None, description="e.g. gmv (minor units), uv")
    segments: list[dict[str, Any]] | None = Field(
        default=None,
        description="ordered: title, kind (warmup/product/perk/interaction/closing), planned_minutes, "
        "product_slot, perk {kind, note}, talking_points [..], cue_role",
    )
    checklist: list[dict[str, Any]] | None = Field(default=None, description="role, title, detail, due_minutes_before")


class TemplateCopyIn(BaseModel):
    copy_of: str = Field(description="id or key of the template to start from")
    key: str = Field(description="the new template's key, e.g. weekend_3h")
    name: str


@router.patch("/show-templates/{ref}", response_model=TemplateOut)
def edit_template(
    ref: str,
    body: TemplatePatch,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.shows_edit))],
) -> TemplateOut:
    """Edit a template. Shows already created from it keep their own copy."""
    template = service.get_template(db, principal.workspace, ref)
    template_edit.update_template(db, clock, template, body.model_dump(exclude_none=True))
    return TemplateOut.of(template)


@router.post("/show-templates", response_model=TemplateOut, status_code=201)
def copy_template(
    body: TemplateCopyIn,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.shows_edit))],
) -> TemplateOut:
    source = service.get_template(db, principal.workspace, body.copy_of)
    template = template_edit.copy_template(db, clock, principal.workspace, source, key=body.key, name=body.name)
    return TemplateOut.of(template)


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
    try:
        service.transition(db, clock, principal.workspace, show, body.to, actor=principal.user, note=body.note)
    except service.GateRefused as exc:
        service.record_refusal(db, principal.workspace, show_id, body.to, exc, principal.user)
        raise
    return show_out(db, show)


@router.post("/shows/{show_id}/roster", response_model=RosterOut, status_code=201)
def add_roster(
    show_id: str, body: RosterIn, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_edit))]
) -> RosterOut:
    show = service.get_show(db, principal.workspace, show_id)
    entry = service.add_to_roster(db, principal.workspace, show, body.role, body.user_id)
    return RosterOut.of(entry)


@router.delete("/shows/{show_id}/roster/{entry_id}", status_code=204)
def remove_roster(
    show_id: str, entry_id: DbId, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_edit))]
) -> None:
    show = service.get_show(db, principal.workspace, show_id)
    service.remove_from_roster(db, principal.workspace, show, entry_id)


@router.patch("/shows/{show_id}/checklist/{item_id}", response_model=ChecklistOut)
def patch_checklist(
    show_id: str,
    item_id: DbId,
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
    return ChecklistOut.of(item)


# ------------------------------------------------------------------ schedule, perks, rehearsals


@router.get("/schedule", response_model=WeekOut, summary="A week of shows with their conflicts")
def get_schedule(
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.shows_view))],
    start: Annotated[str | None, Query(description="any date of the first day (ISO 8601); default today")] = None,
) -> WeekOut:
    from livecrew.core.auth import service as auth
    from livecrew.shows import schedule

    first = service.parse_start(start, principal.workspace) if start else clock.now()
    w = schedule.week(db, principal.workspace, first, auth.list_users(db, principal.workspace))
    return WeekOut(
        start=w.start,
        host_rest_hours=schedule.settings_for(db, principal.workspace).host_rest_hours,
        shows=[ShowSummary.of(s) for s in w.shows],
        conflicts=[c.to_dict() for c in w.conflicts],
    )


def _perk_out(perk: Any) -> PerkOut:
    return PerkOut(
        id=perk.id,
        kind=perk.kind,
        title=perk.title,
        at_minute=perk.at_minute,
        details=perk.details,
        draw=perk.draw,
        drawn_at=perk.drawn_at,
    )


@router.get("/shows/{show_id}/perks", response_model=list[PerkOut])
def list_perks(
    show_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_view))]
) -> list[PerkOut]:
    from livecrew.shows import perks

    show = service.get_show(db, principal.workspace, show_id)
    return [_perk_out(p) for p in perks.list_perks(db, show)]


@router.post("/shows/{show_id}/perks", response_model=PerkOut, status_code=201)
def add_perk(
    show_id: str, body: PerkIn, db: Db, clock: Clk, principal: Annotated[Principal, Depends(require(Action.shows_edit))]
) -> PerkOut:
    from livecrew.shows import perks

    show = service.get_show(db, principal.workspace, show_id)
    perk = perks.add_perk(
        db, clock, show, kind=body.kind, title=body.title, at_minute=body.at_minute, details=body.details
    )
    return _perk_out(perk)


@router.post("/shows/{show_id}/perks/{perk_id}/draw", response_model=PerkOut)
def draw(
    show_id: str,
    perk_id: DbId,
    body: DrawIn,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.live_control))],
) -> PerkOut:
    from livecrew.shows import perks

    show = service.get_show(db, principal.workspace, show_id)
    perk = perks.get_perk(db, show, perk_id)
    perks.draw_lucky_bag(db, clock, show, perk, eligible=body.eligible, seed=body.seed, actor=principal.user)
    return _perk_out(perk)


@router.get("/shows/{show_id}/perks/{perk_id}/verify", summary="Re-run a recorded draw and compare the winners")
def verify(
    show_id: str, perk_id: DbId, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_view))]
) -> dict[str, Any]:
    from livecrew.shows import perks

    show = service.get_show(db, principal.workspace, show_id)
    perk = perks.get_perk(db, show, perk_id)
    return {"perk": perk.id, "drawn": perk.draw is not None, "reproduced": perks.verify_draw(perk)}


@router.get("/shows/{show_id}/rehearsals", response_model=list[RehearsalOut])
def list_rehearsals(
    show_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_view))]
) -> list[RehearsalOut]:
    from livecrew.shows import perks

    show = service.get_show(db, principal.workspace, show_id)
    return [
        RehearsalOut(id=r.id, at=r.at, participants=r.participants, notes=r.notes, problems=r.problems)
        for r in perks.list_rehearsals(db, show)
    ]


@router.post("/shows/{show_id}/rehearsals", response_model=RehearsalOut, status_code=201)
def add_rehearsal(
    show_id: str,
    body: RehearsalIn,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.shows_edit))],
) -> RehearsalOut:
    from livecrew.core.auth import service as auth
    from livecrew.shows import perks

    show = service.get_show(db, principal.workspace, show_id)
    for user_id in body.participants:
        auth.get_user(db, principal.workspace, user_id)
    r = perks.add_rehearsal(
        db,
        clock,
        show,
        at=service.parse_start(body.at, principal.workspace),
        participants=body.participants,
        notes=body.notes,
        problems=body.problems,
        actor=principal.user,
    )
    return RehearsalOut(id=r.id, at=r.at, participants=r.participants, notes=r.notes, problems=r.problems)
