"""The gate: named checks that must pass before a show may move to a status (above all, ``live``).

Features make their own checks with ``@gate_check`` (for example the lineup's readiness in goods, script
compliance in the text analysis) and list them in their manifest's ``gate_checks``.
Each check returns the unmet conditions as ``Problem`` s, in words a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.core.plugins import loaded
from livecrew.shows.models import ItemStatus, Show, ShowStatus


@dataclass(frozen=True)
class Problem:
    check: str
    message: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "message": self.message, "key": self.key, "params": self.params}


CheckFn = Callable[[Session, Show], list[Problem]]


@dataclass(frozen=True)
class GateCheck:
    name: str
    applies_to: frozenset[str]
    fn: CheckFn

    def __call__(self, db: Session, show: Show) -> list[Problem]:
        return self.fn(db, show)


def gate_check(name: str, applies_to: tuple[ShowStatus, ...] = (ShowStatus.live,)) -> Callable[[CheckFn], GateCheck]:
    """Make a function a named gate check; a feature lists its checks in its manifest (``gate_checks``)."""

    def decorator(fn: CheckFn) -> GateCheck:
        return GateCheck(name, frozenset(s.value for s in applies_to), fn)

    return decorator


def registered_checks() -> list[GateCheck]:
    checks: list[GateCheck] = loaded("gate_checks")
    return sorted(checks, key=lambda c: c.name)


def evaluate(db: Session, show: Show, target: str) -> list[Problem]:
    problems: list[Problem] = []
    for check in registered_checks():
        if target in check.applies_to:
            problems.extend(check.fn(db, show))
    return problems


def active_roster(db: Session, show: Show) -> dict[str, list[User]]:
    """Role -> the active people rostered for it."""
    ids = {entry.user_id for entry in show.roster}
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids))).all()} if ids else {}
    by_role: dict[str, list[User]] = {}
    for entry in show.roster:
        user = users.get(entry.user_id)
        if user is not None and user.active:
            by_role.setdefault(entry.role, []).append(user)
    return by_role


@gate_check("roles_staffed", applies_to=(ShowStatus.ready, ShowStatus.live))
def roles_staffed(db: Session, show: Show) -> list[Problem]:
    staffed = active_roster(db, show)
    return [
        Problem(
            "roles_staffed",
            f'the role "{role}" has nobody active on the roster; add a person for it',
            "gate.role_missing",
            {"role": role},
        )
        for role in show.required_roles
        if not staffed.get(role)
    ]


@gate_check("checklist_complete", applies_to=(ShowStatus.live,))
def checklist_complete(db: Session, show: Show) -> list[Problem]:
    problems = []
    for item in show.checklist:
        if item.status == ItemStatus.done.value:
            continue
        if item.status == ItemStatus.skipped.value and (item.skip_reason or "").strip():
            continue
        problems.append(
            Problem(
                "checklist_complete",
                f'checklist item "{item.title}" ({item.role}) is not done; tick it or skip it with a reason',
                "gate.item_open",
                {"title": item.title, "role": item.role},
            )
        )
    return problems
