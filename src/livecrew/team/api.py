"""API routes for the team: duties and their history, the responsibility matrix, backups, absences, KPIs."""

from __future__ import annotations

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
from livecrew.shows import public as shows
from livecrew.team import backups, duties, kpis, matrix
from livecrew.team.models import Absence, Backup, Duty, DutyChange, KpiDefinition, MatrixReview

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["team"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require(Action.team_view))]
Editor = Annotated[Principal, Depends(require(Action.team_edit))]


# ------------------------------------------------------------------ duties


class DutyOut(BaseModel):
    key: str
    role: str
    phase: str
    title: str
    detail: str
    version: int
    retired: bool
    updated_at: datetime

    @classmethod
    def of(cls, d: Duty) -> DutyOut:
        return cls(
            key=d.key,
            role=d.role,
            phase=d.phase,
            title=d.title,
            detail=d.detail,
            version=d.version,
            retired=d.retired_at is not None,
            updated_at=d.updated_at,
        )


class DutyIn(BaseModel):
    role: str = Field(description="one of the eight team roles, e.g. host")
    phase: str = Field(description="before, during or after the show")
    title: str = Field(min_length=1, max_length=200)
    detail: str = Field(default="", max_length=4000)
    key: str | None = Field(default=None, description="optional; made from the role and phase when left out")


class DutyPatch(BaseModel):
    title: str | None = Field(default=None, max_length=200)
    detail: str | None = Field(default=None, max_length=4000)
    phase: str | None = None
    role: str | None = None
    retired: bool | None = Field(default=None, description="true retires the duty, false brings it back")


class DutyChangeOut(BaseModel):
    duty_id: DbId
    version: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by_user_id: str | None
    at: datetime

    @classmethod
    def of(cls, c: DutyChange) -> DutyChangeOut:
        return cls(
            duty_id=c.duty_id,
            version=c.version,
            action=c.action,
            before=c.before,
            after=c.after,
            by_user_id=c.by_user_id,
            at=c.at,
        )


@router.get("/team/duties", response_model=list[DutyOut])
def list_duties(db: Db, principal: Viewer, role: str | None = None, include_retired: bool = False) -> list[DutyOut]:
    return [
        DutyOut.of(d) for d in duties.list_duties(db, principal.workspace, role=role, include_retired=include_retired)
    ]


@router.post("/team/duties", response_model=DutyOut, status_code=201)
def add_duty(body: DutyIn, db: Db, clock: Clk, principal: Editor) -> DutyOut:
    duty = duties.create_duty(
        db, clock, principal.workspace, role=body.role, phase=body.phase, title=body.title, detail=body.detail,
        key=body.key, actor=principal.user,
    )  # fmt: skip
    return DutyOut.of(duty)


@router.patch("/team/duties/{key}", response_model=DutyOut)
def change_duty(key: str, body: DutyPatch, db: Db, clock: Clk, principal: Editor) -> DutyOut:
    duty = duties.get_duty(db, principal.workspace, key)
    duties.edit_duty(
        db, clock, duty, title=body.title, detail=body.detail, phase=body.phase, role=body.role, actor=principal.user
    )
    if body.retired is True and duty.retired_at is None:
        duties.retire_duty(db, clock, duty, actor=principal.user)
    elif body.retired is False and duty.retired_at is not None:
        duties.restore_duty(db, clock, duty, actor=principal.user)
    return DutyOut.of(duty)


@router.get("/team/duties/history", response_model=list[DutyChangeOut])
def duty_history(
    db: Db, principal: Viewer, key: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[DutyChangeOut]:
    return [DutyChangeOut.of(c) for c in duties.history(db, principal.workspace, key=key, limit=limit)]


# ------------------------------------------------------------------ matrix


class FindingOut(BaseModel):
    kind: str = Field(description="orphan, double, unknown_duty or bad_role")
    duty: str
    title: str
    roles: list[str]


class ReviewOut(BaseModel):
    at: datetime
    by_user_id: str | None
    template_version: int
    note: str
    problems: int

    @classmethod
    def of(cls, r: MatrixReview) -> ReviewOut:
        return cls(
            at=r.at, by_user_id=r.by_user_id, template_version=r.template_version, note=r.note, problems=r.problems
        )


class MatrixOut(BaseModel):
    template_id: str
    template_key: str
    template_version: int
    ok: bool
    findings: list[FindingOut]
    owners: dict[str, list[str | None]]
    last_review: ReviewOut | None
    review_due: bool
    days_since_review: int


def matrix_out(report: matrix.MatrixReport) -> MatrixOut:
    return MatrixOut(
        template_id=report.template.id,
        template_key=report.template.key,
        template_version=report.template.version,
        ok=report.ok,
        findings=[FindingOut(**f.to_dict()) for f in report.findings],
        owners=report.owners,
        last_review=ReviewOut.of(report.last_review) if report.last_review else None,
        review_due=report.review_due,
        days_since_review=report.days_since_review,
    )


class OwnerIn(BaseModel):
    owner_role: str | None = Field(description="the one role that owns the duty; null: not part of this kind of show")


class ReviewIn(BaseModel):
    note: str = Field(default="", max_length=2000)


@router.get("/show-templates/{ref}/matrix", response_model=MatrixOut)
def get_matrix(ref: str, db: Db, clock: Clk, principal: Viewer) -> MatrixOut:
    template = shows.get_template(db, principal.workspace, ref)
    return matrix_out(matrix.check(db, principal.workspace, template, clock.now()))


@router.put("/show-templates/{ref}/matrix/{duty_key}", response_model=MatrixOut)
def set_owner(ref: str, duty_key: str, body: OwnerIn, db: Db, clock: Clk, principal: Editor) -> MatrixOut:
    template = shows.get_template(db, principal.workspace, ref)
    matrix.set_owner(db, clock, principal.workspace, template, duty_key, body.owner_role)
    return matrix_out(matrix.check(db, principal.workspace, template, clock.now()))


@router.post("/show-templates/{ref}/matrix/reviews", response_model=ReviewOut, status_code=201)
def review_matrix(ref: str, body: ReviewIn, db: Db, clock: Clk, principal: Editor) -> ReviewOut:
    template = shows.get_template(db, principal.workspace, ref)
    review = matrix.mark_reviewed(db, clock, principal.workspace, template, actor=principal.user, note=body.note)
    return ReviewOut.of(review)


# ------------------------------------------------------------------ backups and absences


class BackupIn(BaseModel):
    role: str
    person_id: str
    backup_id: str


class BackupOut(BaseModel):
    id: int
    role: str
    person_id: str
    backup_id: str

    @classmethod
    def of(cls, b: Backup) -> BackupOut:
        return cls(id=b.id, role=b.role, person_id=b.person_id, backup_id=b.backup_id)


class GapOut(BaseModel):
    role: str
    person_id: str
    name: str


class BackupsOut(BaseModel):
    critical_roles: list[str]
    backups: list[BackupOut]
    gaps: list[GapOut] = Field(description="people in a critical role with no backup named")


@router.get("/team/backups", response_model=BackupsOut)
def list_backups(db: Db, principal: Viewer) -> BackupsOut:
    ws = principal.workspace
    return BackupsOut(
        critical_roles=list(backups.CRITICAL_ROLES),
        backups=[BackupOut.of(b) for b in backups.list_backups(db, ws)],
        gaps=[GapOut(role=g.role, person_id=g.person_id, name=g.name) for g in backups.coverage_gaps(db, ws)],
    )


@router.put("/team/backups", response_model=BackupOut)
def put_backup(body: BackupIn, db: Db, clock: Clk, principal: Editor) -> BackupOut:
    row = backups.set_backup(
        db, clock, principal.workspace, role=body.role, person_id=body.person_id, backup_id=body.backup_id,
        actor=principal.user,
    )  # fmt: skip
    return BackupOut.of(row)


@router.delete("/team/backups/{backup_id}", status_code=204)
def delete_backup(backup_id: DbId, db: Db, principal: Editor) -> None:
    backups.remove_backup(db, principal.workspace, backup_id)


class AbsenceIn(BaseModel):
    user_id: str
    reason: str = Field(min_length=1, max_length=500)


class ProposalOut(BaseModel):
    role: str
    absent_id: str
    candidate_id: str | None
    candidate_name: str | None
    named_backup: bool
    reason: str = Field(description="backup, backup_busy, no_backup or nobody_free")


class AbsenceOut(BaseModel):
    id: int
    user_id: str
    reason: str
    covered_by: dict[str, str]
    at: datetime

    @classmethod
    def of(cls, a: Absence) -> AbsenceOut:
        return cls(id=a.id, user_id=a.user_id, reason=a.reason, covered_by=a.covered_by, at=a.at)


class AbsencesOut(BaseModel):
    absences: list[AbsenceOut]
    proposals: list[ProposalOut]


class CoverIn(BaseModel):
    absent_id: str
    role: str
    user_id: str


def _absences(db: Session, principal: Principal, show_id: str) -> AbsencesOut:
    show = shows.get_show(db, principal.workspace, show_id)
    return AbsencesOut(
        absences=[AbsenceOut.of(a) for a in backups.absences(db, show)],
        proposals=[ProposalOut(**p.__dict__) for p in backups.proposals(db, principal.workspace, show)],
    )


@router.get("/shows/{show_id}/absences", response_model=AbsencesOut)
def list_absences(
    show_id: str, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_view))]
) -> AbsencesOut:
    return _absences(db, principal, show_id)


@router.post("/shows/{show_id}/absences", response_model=AbsencesOut, status_code=201)
def mark_absent(
    show_id: str,
    body: AbsenceIn,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require(Action.shows_edit))],
) -> AbsencesOut:
    """Mark a rostered person absent; the answer proposes who should take over each of their roles."""
    show = shows.get_show(db, principal.workspace, show_id)
    backups.mark_absent(
        db, clock, principal.workspace, show, user_id=body.user_id, reason=body.reason, actor=principal.user
    )
    return _absences(db, principal, show_id)


@router.post("/shows/{show_id}/absences/cover", response_model=AbsencesOut)
def cover_absence(
    show_id: str, body: CoverIn, db: Db, principal: Annotated[Principal, Depends(require(Action.shows_edit))]
) -> AbsencesOut:
    """Put a person into the absent person's role (usually the proposed backup)."""
    show = shows.get_show(db, principal.workspace, show_id)
    backups.cover(db, principal.workspace, show, absent_id=body.absent_id, role=body.role, user_id=body.user_id)
    return _absences(db, principal, show_id)


# ------------------------------------------------------------------ KPIs


class KpiOut(BaseModel):
    key: str
    role: str
    name: str
    description: str
    metric: str
    source: str
    unit: str
    direction: str
    target: float | None
    weight: float
    active: bool

    @classmethod
    def of(cls, k: KpiDefinition) -> KpiOut:
        return cls(
            key=k.key,
            role=k.role,
            name=k.name,
            description=k.description,
            metric=k.metric,
            source=k.source,
            unit=k.unit,
            direction=k.direction,
            target=k.target,
            weight=k.weight,
            active=k.active,
        )


class KpisOut(BaseModel):
    kpis: list[KpiOut]
    team_goal: KpiOut | None
    weight_sums: dict[str, float] = Field(description="per role; 1.0 when the weights are complete")


class KpiIn(BaseModel):
    key: str = Field(description="e.g. host.uv_value")
    role: str = Field(description="a team role, or team for the shared goal")
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    metric: str = Field(
        description="a show figure key (docs/metrics.md) (source metrics) or a team-metric key (source team)"
    )
    source: str = Field(description="metrics or team")
    unit: str = Field(description="count, ratio, minor_units or seconds")
    direction: str = Field(description="higher or lower is better")
    target: float | None = None
    weight: float = Field(default=0.0, ge=0, le=1)


class KpiPatch(BaseModel):
    name: str | None = None
    description: str | None = None
    metric: str | None = None
    source: str | None = None
    unit: str | None = None
    direction: str | None = None
    target: float | None = None
    weight: float | None = None
    active: bool | None = None


@router.get("/team/kpis", response_model=KpisOut)
def list_kpis(db: Db, principal: Viewer, role: str | None = None, include_retired: bool = False) -> KpisOut:
    rows = kpis.list_kpis(db, principal.workspace, role=role, include_retired=include_retired)
    goal = kpis.team_goal(db, principal.workspace)
    return KpisOut(
        kpis=[KpiOut.of(k) for k in rows if k.role != kpis.TEAM],
        team_goal=KpiOut.of(goal) if goal else None,
        weight_sums=kpis.weight_sums(rows),
    )


@router.post("/team/kpis", response_model=KpiOut, status_code=201)
def add_kpi(body: KpiIn, db: Db, clock: Clk, principal: Editor) -> KpiOut:
    row = kpis.create_kpi(db, clock, principal.workspace, actor=principal.user, **body.model_dump())
    return KpiOut.of(row)


@router.patch("/team/kpis/{key}", response_model=KpiOut)
def change_kpi(key: str, body: KpiPatch, db: Db, clock: Clk, principal: Editor) -> KpiOut:
    row = kpis.get_kpi(db, principal.workspace, key)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "target"}
    kpis.update_kpi(db, clock, principal.workspace, row, actor=principal.user, **changes)
    return KpiOut.of(row)
