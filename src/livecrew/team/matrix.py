"""The responsibility matrix of a show template: every active duty has exactly one owner role.

A template's matrix is a list of rows ``{"duty": key, "owner_role": role}``; a row whose owner is ``null``
says on purpose that the duty is not part of this kind of show. The check reports duties with no row
(orphans), duties owned by more than one row (double owners), rows naming duties the catalog doesn't
have, and owners that are not team roles. A matrix is due for review 30 days after its last review.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.board.public import TaskSource, close_tasks_from
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import ValidationFailed
from livecrew.shows.public import ShowTemplate
from livecrew.team import duties
from livecrew.team.models import Duty, MatrixReview

REVIEW_EVERY = timedelta(days=30)


@dataclass(frozen=True)
class Finding:
    kind: str  # orphan | double | unknown_duty | bad_role
    duty: str
    title: str
    roles: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "duty": self.duty, "title": self.title, "roles": list(self.roles)}


@dataclass
class MatrixReport:
    template: ShowTemplate
    owners: dict[str, list[str | None]]
    findings: list[Finding] = field(default_factory=list)
    last_review: MatrixReview | None = None
    review_due: bool = False
    days_since_review: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


def check(db: Session, workspace: Workspace, template: ShowTemplate, now: datetime) -> MatrixReport:
    catalog = {d.key: d for d in duties.list_duties(db, workspace)}
    owners: dict[str, list[str | None]] = defaultdict(list)
    for row in template.matrix:
        owners[str(row.get("duty", ""))].append(row.get("owner_role"))
    findings: list[Finding] = []
    for key, duty in catalog.items():
        named = owners.get(key, [])
        roles = [r for r in named if r]
        if not named:
            findings.append(Finding("orphan", key, duty.title))
        elif len(named) > 1:
            findings.append(Finding("double", key, duty.title, tuple(sorted({r or "-" for r in named}))))
        for role in roles:
            if role not in duties.TEAM_ROLE_KEYS:
                findings.append(Finding("bad_role", key, duty.title, (role,)))
    retired = {
        d.key
        for d in db.scalars(select(Duty).where(Duty.workspace_id == workspace.id, Duty.retired_at.is_not(None))).all()
    }
    for key in owners:
        if key not in catalog and key not in retired:
            findings.append(Finding("unknown_duty", key, key))
    report = MatrixReport(template=template, owners=dict(owners), findings=findings)
    report.last_review = last_review(db, template)
    since = report.last_review.at if report.last_review else template.created_at
    report.days_since_review = max(0, (now - since).days)
    report.review_due = now - since >= REVIEW_EVERY
    return report


def last_review(db: Session, template: ShowTemplate) -> MatrixReview | None:
    return db.scalar(
        select(MatrixReview)
        .where(MatrixReview.template_id == template.id)
        .order_by(MatrixReview.at.desc(), MatrixReview.id.desc())
        .limit(1)
    )


def reviews(db: Session, template: ShowTemplate, limit: int = 20) -> list[MatrixReview]:
    stmt = select(MatrixReview).where(MatrixReview.template_id == template.id)
    return list(db.scalars(stmt.order_by(MatrixReview.at.desc(), MatrixReview.id.desc()).limit(limit)).all())


def set_owner(
    db: Session, clock: Clock, workspace: Workspace, template: ShowTemplate, duty_key: str, role: str | None
) -> ShowTemplate:
    """Make ``role`` the one owner of the duty in this template (``None``: not part of this kind of show).

    Shows already created keep their copy; the template's version goes up.
    """
    duty = duties.get_duty(db, workspace, duty_key)
    if role is not None:
        duties.check_role(role)
    current = [row.get("owner_role") for row in template.matrix if row.get("duty") == duty.key]
    if current == [role]:
        return template  # already so: no new version
    rows = [row for row in template.matrix if row.get("duty") != duty.key]
    rows.append({"duty": duty.key, "owner_role": role})
    template.matrix = rows
    template.version += 1
    template.updated_at = clock.now()
    db.flush()
    return template


def mark_reviewed(
    db: Session, clock: Clock, workspace: Workspace, template: ShowTemplate, *, actor: User | None, note: str = ""
) -> MatrixReview:
    if len(note) > 2000:
        raise ValidationFailed("the review note must be at most 2,000 characters", key="err.review_note_long")
    report = check(db, workspace, template, clock.now())
    review = MatrixReview(
        workspace_id=workspace.id,
        template_id=template.id,
        template_version=template.version,
        at=clock.now(),
        by_user_id=actor.id if actor else None,
        note=note.strip(),
        problems=len(report.findings),
    )
    db.add(review)
    db.flush()
    # Marking the matrix reviewed closes the reminder task (team.reminders raised it).
    close_tasks_from(db, clock, workspace, source_kind=TaskSource.matrix, source_id=template.id, actor=actor)
    return review
