"""The duty catalog: each role's duties before, during and after a show; every change is kept as a version."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.auth.roles import TEAM_ROLES
from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.team.models import Duty, DutyChange, Phase
from livecrew.web.i18n import pick

ROLES_FILE = Path(__file__).parent / "data" / "roles.json"
TEAM_ROLE_KEYS = tuple(r.value for r in TEAM_ROLES)
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,95}$")


@cache
def shipped_roles() -> list[dict[str, Any]]:
    roles: list[dict[str, Any]] = json.loads(ROLES_FILE.read_text(encoding="utf-8"))["roles"]
    return roles


def check_role(role: str) -> str:
    if role not in TEAM_ROLE_KEYS:
        raise ValidationFailed(
            f'unknown role "{role}"; use one of: {", ".join(TEAM_ROLE_KEYS)}',
            key="err.bad_role",
            params={"role": role},
        )
    return role


def _check_phase(phase: str) -> str:
    if phase not in Phase.__members__:
        raise ValidationFailed(
            f'unknown phase "{phase}"; use before, during or after', key="err.bad_phase", params={"phase": phase}
        )
    return phase


def _clean_title(title: str) -> str:
    clean = " ".join(title.split())
    if not clean:
        raise ValidationFailed("a duty needs a title", key="err.duty_title")
    if len(clean) > 200:
        raise ValidationFailed("a duty's title must be at most 200 characters", key="err.duty_title_long")
    return clean


def snapshot(duty: Duty) -> dict[str, Any]:
    return {
        "key": duty.key,
        "role": duty.role,
        "phase": duty.phase,
        "title": duty.title,
        "detail": duty.detail,
        "retired": duty.retired_at is not None,
    }


def _record(
    db: Session, clock: Clock, duty: Duty, action: str, before: dict[str, Any] | None, actor: User | None
) -> None:
    db.add(
        DutyChange(
            workspace_id=duty.workspace_id,
            duty_id=duty.id,
            version=duty.version,
            action=action,
            before=before,
            after=snapshot(duty),
            by_user_id=actor.id if actor else None,
            at=clock.now(),
        )
    )


def install_shipped(db: Session, clock: Clock, workspace: Workspace) -> int:
    """Copy the shipped duties the workspace lacks, in its language. Returns how many were added."""
    have = set(db.scalars(select(Duty.key).where(Duty.workspace_id == workspace.id)).all())
    added = 0
    for role in shipped_roles():
        for position, raw in enumerate(role["duties"]):
            if raw["key"] in have:
                continue
            duty = Duty(
                workspace_id=workspace.id,
                key=raw["key"],
                role=role["key"],
                phase=raw["phase"],
                position=position,
                title=pick(raw["title"], workspace.default_language),
                detail=pick(raw.get("detail", ""), workspace.default_language),
                version=1,
                updated_at=clock.now(),
            )
            db.add(duty)
            db.flush()
            _record(db, clock, duty, "created", None, None)
            added += 1
    db.flush()
    return added


def list_duties(
    db: Session, workspace: Workspace, *, role: str | None = None, include_retired: bool = False
) -> list[Duty]:
    stmt = select(Duty).where(Duty.workspace_id == workspace.id)
    if role:
        stmt = stmt.where(Duty.role == check_role(role))
    if not include_retired:
        stmt = stmt.where(Duty.retired_at.is_(None))
    duties = list(db.scalars(stmt).all())
    order = {r: i for i, r in enumerate(TEAM_ROLE_KEYS)}
    phases = {p.value: i for i, p in enumerate(Phase)}
    return sorted(duties, key=lambda d: (order.get(d.role, 99), phases.get(d.phase, 9), d.position, d.id))


def get_duty(db: Session, workspace: Workspace, key: str) -> Duty:
    duty = db.scalar(select(Duty).where(Duty.workspace_id == workspace.id, Duty.key == key))
    if duty is None:
        raise NotFound(f'no duty with key "{key}" in this workspace', key="err.no_duty", params={"key": key})
    return duty


def _new_key(db: Session, workspace: Workspace, role: str, phase: str) -> str:
    count = db.scalar(select(func.count()).select_from(Duty).where(Duty.workspace_id == workspace.id)) or 0
    n = count + 1
    while True:
        key = f"{role}.{phase}.custom{n}"
        if db.scalar(select(Duty.id).where(Duty.workspace_id == workspace.id, Duty.key == key)) is None:
            return key
        n += 1


def create_duty(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    *,
    role: str,
    phase: str,
    title: str,
    detail: str = "",
    key: str | None = None,
    actor: User | None,
) -> Duty:
    check_role(role)
    _check_phase(phase)
    clean = _clean_title(title)
    if key:
        if not _KEY.match(key):
            raise ValidationFailed(
                f'"{key}" is not a usable duty key; use lower-case letters, digits, dots, dashes or underscores',
                key="err.duty_key",
                params={"key": key},
            )
        if db.scalar(select(Duty.id).where(Duty.workspace_id == workspace.id, Duty.key == key)) is not None:
            raise Conflict(f'a duty with key "{key}" already exists', key="err.duty_exists", params={"key": key})
    last = db.scalar(
        select(func.max(Duty.position)).where(Duty.workspace_id == workspace.id, Duty.role == role, Duty.phase == phase)
    )
    duty = Duty(
        workspace_id=workspace.id,
        key=key or _new_key(db, workspace, role, phase),
        role=role,
        phase=phase,
        position=(last if last is not None else -1) + 1,
        title=clean,
        detail=detail.strip(),
        version=1,
        updated_at=clock.now(),
    )
    db.add(duty)
    db.flush()
    _record(db, clock, duty, "created", None, actor)
    db.flush()
    return duty


def edit_duty(
    db: Session,
    clock: Clock,
    duty: Duty,
    *,
    title: str | None = None,
    detail: str | None = None,
    phase: str | None = None,
    role: str | None = None,
    actor: User | None,
) -> Duty:
    before = snapshot(duty)
    if title is not None:
        duty.title = _clean_title(title)
    if detail is not None:
        duty.detail = detail.strip()
    if phase is not None:
        duty.phase = _check_phase(phase)
    if role is not None:
        duty.role = check_role(role)
    if snapshot(duty) == before:
        return duty
    duty.version += 1
    duty.updated_at = clock.now()
    _record(db, clock, duty, "edited", before, actor)
    db.flush()
    return duty


def retire_duty(db: Session, clock: Clock, duty: Duty, *, actor: User | None) -> Duty:
    if duty.retired_at is not None:
        raise Conflict(
            f'the duty "{duty.title}" is already retired', key="err.duty_retired", params={"title": duty.title}
        )
    before = snapshot(duty)
    duty.retired_at = clock.now()
    duty.version += 1
    duty.updated_at = clock.now()
    _record(db, clock, duty, "retired", before, actor)
    db.flush()
    return duty


def restore_duty(db: Session, clock: Clock, duty: Duty, *, actor: User | None) -> Duty:
    if duty.retired_at is None:
        raise Conflict(f'the duty "{duty.title}" is not retired', key="err.duty_active", params={"title": duty.title})
    before = snapshot(duty)
    duty.retired_at = None
    duty.version += 1
    duty.updated_at = clock.now()
    _record(db, clock, duty, "restored", before, actor)
    db.flush()
    return duty


def history(db: Session, workspace: Workspace, *, key: str | None = None, limit: int = 200) -> list[DutyChange]:
    stmt = select(DutyChange).where(DutyChange.workspace_id == workspace.id)
    if key:
        stmt = stmt.where(DutyChange.duty_id == get_duty(db, workspace, key).id)
    return list(db.scalars(stmt.order_by(DutyChange.id.desc()).limit(limit)).all())
