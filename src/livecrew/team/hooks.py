"""Team hooks: new workspaces get the duty catalog and KPIs; the demo gets AB backups, tasks and a daily board."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth import service as auth
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.team import backups, duties, kpis, matrix

# (role, A, B): B also holds the role and steps in for A; each pair covers the other.
DEMO_BACKUPS = (
    ("host", "host", "assistant"),
    ("host", "assistant", "host"),
    ("controller", "control", "ops"),
    ("controller", "ops", "control"),
    ("operations", "ops", "analyst"),
    ("operations", "analyst", "ops"),
)


def on_workspace_created(db: Session, clock: Clock, workspace: Workspace) -> None:
    duties.install_shipped(db, clock, workspace)
    kpis.install_shipped(db, clock, workspace)


def on_demo_seed(db: Session, clock: Clock, workspace: Workspace) -> None:
    from livecrew.core.hooks import demo_email
    from livecrew.shows import public as shows

    duties.install_shipped(db, clock, workspace)
    kpis.install_shipped(db, clock, workspace)
    people = {u.email: u for u in db.scalars(select(User).where(User.workspace_id == workspace.id)).all()}
    for role, person_login, backup_login in DEMO_BACKUPS:
        person, backup = people.get(demo_email(person_login)), people.get(demo_email(backup_login))
        if person is None or backup is None:
            continue
        for who in (person, backup):
            if role not in who.role_keys:
                auth.set_roles(db, workspace, who, [*who.role_keys, role])
        if not any(b.role == role and b.person_id == person.id for b in backups.list_backups(db, workspace)):
            backups.set_backup(db, clock, workspace, role=role, person_id=person.id, backup_id=backup.id, actor=None)
    ops = people.get(demo_email("ops"))
    for template in shows.list_templates(db, workspace):
        if matrix.last_review(db, template) is None:
            review = matrix.mark_reviewed(db, clock, workspace, template, actor=ops, note="")
            # The promotion-day matrix was last looked at long ago: the reminder shows.
            if template.key == "promo_day_4h":
                review.at = clock.now() - timedelta(days=41)
    db.flush()
