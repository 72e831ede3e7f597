"""AB backups (AB 角) and absences: who steps in when a person cannot play their part in a show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.shows.public import EDITABLE, RosterEntry, Show, ShowStatus, ends_at, resolve_assignments
from livecrew.team.duties import check_role
from livecrew.team.models import Absence, Backup

# Roles a show cannot go on without: each person holding one must have a named backup.
CRITICAL_ROLES = ("host", "controller", "operations")
BUSY = (ShowStatus.planned, ShowStatus.rehearsing, ShowStatus.ready, ShowStatus.live)


def _person(db: Session, workspace: Workspace, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None or user.workspace_id != workspace.id:
        raise NotFound(f'no person with id "{user_id}" in this workspace', key="err.no_person")
    return user


def list_backups(db: Session, workspace: Workspace) -> list[Backup]:
    return list(db.scalars(select(Backup).where(Backup.workspace_id == workspace.id).order_by(Backup.id)).all())


def set_backup(
    db: Session, clock: Clock, workspace: Workspace, *, role: str, person_id: str, backup_id: str, actor: User | None
) -> Backup:
    check_role(role)
    person = _person(db, workspace, person_id)
    backup = _person(db, workspace, backup_id)
    if person.id == backup.id:
        raise ValidationFailed("a person cannot be their own backup; pick someone else", key="err.backup_self")
    for who in (person, backup):
        if role not in who.role_keys:
            raise ValidationFailed(
                f'{who.display_name} does not hold the role "{role}"; give them the role in People first',
                key="err.backup_role",
                params={"name": who.display_name, "role": role},
            )
    if not backup.active:
        raise Conflict(f"{backup.display_name} is deactivated", key="err.person_inactive")
    row = db.scalar(
        select(Backup).where(Backup.workspace_id == workspace.id, Backup.role == role, Backup.person_id == person.id)
    )
    if row is None:
        row = Backup(workspace_id=workspace.id, role=role, person_id=person.id, backup_id=backup.id)
        db.add(row)
    row.backup_id = backup.id
    row.updated_at = clock.now()
    row.updated_by = actor.id if actor else None
    db.flush()
    return row


def remove_backup(db: Session, workspace: Workspace, backup_id: int) -> None:
    row = db.get(Backup, backup_id)
    if row is None or row.workspace_id != workspace.id:
        raise NotFound(f"no backup {backup_id} in this workspace", key="err.no_backup", params={"id": backup_id})
    db.delete(row)
    db.flush()


@dataclass(frozen=True)
class Gap:
    role: str
    person_id: str
    name: str


def coverage_gaps(db: Session, workspace: Workspace) -> list[Gap]:
    """Active people in a critical role with no active backup named."""
    people = list(db.scalars(select(User).where(User.workspace_id == workspace.id, User.active.is_(True))).all())
    active = {u.id for u in people}
    named = {(b.role, b.person_id) for b in list_backups(db, workspace) if b.backup_id in active}
    return [
        Gap(role, u.id, u.display_name)
        for role in CRITICAL_ROLES
        for u in people
        if role in u.role_keys and (role, u.id) not in named
    ]


# ------------------------------------------------------------------ absences


def absences(db: Session, show: Show) -> list[Absence]:
    return list(db.scalars(select(Absence).where(Absence.show_id == show.id).order_by(Absence.id)).all())


def _busy_ids(db: Session, show: Show) -> set[str]:
    """People on the roster of another show overlapping this one, or absent from this one."""
    start, end = show.starts_at, ends_at(show)
    others = db.scalars(
        select(Show).where(
            Show.workspace_id == show.workspace_id,
            Show.id != show.id,
            Show.status.in_([s.value for s in BUSY]),
            Show.starts_at < end,
            Show.starts_at > start - timedelta(hours=24),
        )
    ).all()
    busy = {e.user_id for other in others if other.starts_at < end and start < ends_at(other) for e in other.roster}
    return busy | {a.user_id for a in absences(db, show)}


@dataclass(frozen=True)
class Proposal:
    role: str
    absent_id: str
    candidate_id: str | None
    candidate_name: str | None
    named_backup: bool
    reason: str


def proposals(db: Session, workspace: Workspace, show: Show) -> list[Proposal]:
    """For each role an absent person was to play: their named backup if free, else another free holder."""
    found: list[Proposal] = []
    busy = _busy_ids(db, show)
    people = {u.id: u for u in db.scalars(select(User).where(User.workspace_id == workspace.id)).all()}
    already = {(e.role, e.user_id) for e in show.roster}
    named_for = {(b.role, b.person_id): b.backup_id for b in list_backups(db, workspace)}
    for absence in absences(db, show):
        for entry in show.roster:
            if entry.user_id != absence.user_id or entry.role in absence.covered_by:
                continue
            role = entry.role
            backup_id = named_for.get((role, absence.user_id))
            named = people.get(backup_id) if backup_id else None
            if named is not None and named.active and named.id not in busy and (role, named.id) not in already:
                found.append(Proposal(role, absence.user_id, named.id, named.display_name, True, "backup"))
                continue
            others = sorted(
                (
                    u
                    for u in people.values()
                    if u.active
                    and role in u.role_keys
                    and u.id not in busy
                    and u.id != absence.user_id
                    and (role, u.id) not in already  # already plays the role here: not an extra pair of hands
                ),
                key=lambda u: u.display_name,
            )
            if others:
                pick = others[0]
                reason = "backup_busy" if named is not None else "no_backup"
                found.append(Proposal(role, absence.user_id, pick.id, pick.display_name, False, reason))
            else:
                found.append(Proposal(role, absence.user_id, None, None, False, "nobody_free"))
    return found


def _editable(show: Show) -> None:
    if show.status not in EDITABLE:
        raise Conflict(
            f'the show is "{show.status}"; its crew can no longer change',
            key="err.show_locked",
            params={"status": show.status},
        )


def mark_absent(
    db: Session, clock: Clock, workspace: Workspace, show: Show, *, user_id: str, reason: str, actor: User | None
) -> Absence:
    _editable(show)
    person = _person(db, workspace, user_id)
    if not any(e.user_id == person.id for e in show.roster):
        raise ValidationFailed(
            f"{person.display_name} is not on this show's roster",
            key="err.absent_not_rostered",
            params={"name": person.display_name},
        )
    if db.scalar(select(Absence.id).where(Absence.show_id == show.id, Absence.user_id == person.id)) is not None:
        raise Conflict(f"{person.display_name} is already marked absent", key="err.absent_twice")
    clean = " ".join(reason.split())
    if not clean:
        raise ValidationFailed("say why the person is absent", key="err.absent_reason")
    absence = Absence(
        show_id=show.id,
        user_id=person.id,
        reason=clean[:500],
        covered_by={},
        at=clock.now(),
        by_user_id=actor.id if actor else None,
    )
    db.add(absence)
    db.flush()
    return absence


def cover(db: Session, workspace: Workspace, show: Show, *, absent_id: str, role: str, user_id: str) -> Absence:
    """Put ``user_id`` into ``role`` in place of the absent person (the absent person leaves that role)."""
    _editable(show)
    check_role(role)
    absence = db.scalar(select(Absence).where(Absence.show_id == show.id, Absence.user_id == absent_id))
    if absence is None:
        raise NotFound("that person is not marked absent for this show", key="err.no_absence")
    person = _person(db, workspace, user_id)
    if not person.active:
        raise Conflict(f"{person.display_name} is deactivated", key="err.person_inactive")
    if role not in person.role_keys:
        raise ValidationFailed(
            f'{person.display_name} does not hold the role "{role}"',
            key="err.backup_role",
            params={"name": person.display_name, "role": role},
        )
    if person.id in _busy_ids(db, show):
        raise Conflict(
            f"{person.display_name} is busy at that time (another show, or absent)",
            key="err.cover_busy",
            params={"name": person.display_name},
        )
    entry = next((e for e in show.roster if e.user_id == absent_id and e.role == role), None)
    if entry is None:
        raise ValidationFailed(f'the absent person was not playing "{role}" in this show', key="err.cover_role")
    show.roster.remove(entry)
    if not any(e.user_id == person.id and e.role == role for e in show.roster):
        show.roster.append(RosterEntry(role=role, user_id=person.id))
    absence.covered_by = {**absence.covered_by, role: person.id}
    db.flush()
    if show.status != ShowStatus.planned:
        resolve_assignments(db, show)
    return absence


def withdraw_absence(db: Session, show: Show, absence_id: int) -> None:
    _editable(show)
    absence = db.get(Absence, absence_id)
    if absence is None or absence.show_id != show.id:
        raise NotFound(f"no absence {absence_id} in this show", key="err.no_absence", params={"id": absence_id})
    db.delete(absence)
    db.flush()
