"""What the shows feature offers other features: the show and its template (read), the lifecycle, the
go-live gate's check decorator, perks and the domain events it emits (``livecrew.core.events``).

Other features import these from here only, never from the modules behind them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.shows.facts import GateRefusedFact, RehearsalProblemsFound, ShowCreated, ShowTransitioned
from livecrew.shows.gate import Problem, active_roster, gate_check
from livecrew.shows.models import (
    ItemStatus,
    Perk,
    PerkKind,
    RosterEntry,
    Show,
    ShowSegment,
    ShowStatus,
    ShowTemplate,
)
from livecrew.shows.perks import draw_lucky_bag, get_perk, link_rehearsal_tasks, list_perks
from livecrew.shows.service import (
    EDITABLE,
    add_to_roster,
    create_show,
    ends_at,
    gate_problems,
    get_show,
    get_template,
    list_shows,
    list_templates,
    resolve_assignments,
    transition,
)

if TYPE_CHECKING:
    from fastapi import Request, Response

    from livecrew.core.auth.deps import Principal
    from livecrew.core.errors import DomainError

__all__ = [
    "EDITABLE",
    "GateRefusedFact",
    "ItemStatus",
    "Perk",
    "PerkKind",
    "Problem",
    "RehearsalProblemsFound",
    "RosterEntry",
    "Show",
    "ShowCreated",
    "ShowSegment",
    "ShowStatus",
    "ShowTemplate",
    "ShowTransitioned",
    "active_roster",
    "add_to_roster",
    "create_show",
    "draw_lucky_bag",
    "ends_at",
    "gate_check",
    "gate_problems",
    "get_perk",
    "get_show",
    "get_template",
    "link_rehearsal_tasks",
    "list_perks",
    "list_shows",
    "list_templates",
    "resolve_assignments",
    "show_page_with_error",
    "show_status",
    "transition",
    "workspace_of_show",
]


def show_page_with_error(
    request: Request, db: Session, principal: Principal, show_id: str, exc: DomainError
) -> Response:
    """The show's console page again, with what went wrong (for a form another feature adds to it)."""
    from livecrew.shows.pages import _failed

    return _failed(request, db, principal, show_id, exc)


def show_status(db: Session, workspace_id: str, show_id: str) -> str:
    """The show's status, when it is this workspace's; NotFound otherwise (other features check ownership so)."""
    from sqlalchemy import select

    from livecrew.core.errors import NotFound
    from livecrew.shows.models import Show

    status = db.scalar(select(Show.status).where(Show.id == show_id, Show.workspace_id == workspace_id))
    if status is None:
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show", params={"id": show_id})
    return str(status)


def workspace_of_show(db: Session, show_id: str) -> str | None:
    """The workspace a show belongs to (None: no such show); for commands that run with the database's
    own rights, such as ``livecrew connect``."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    return db.scalar(select(Show.workspace_id).where(Show.id == show_id))


# ------------------------------------------------------------------ read functions for other features


@dataclass(frozen=True)
class ShowInfo:
    """A show's plain facts, for features that show or link to it."""

    id: str
    workspace_id: str
    title: str
    status: str
    starts_at: datetime
    planned_minutes: int
    live_at: datetime | None  # when it last went live


def _info(show: Any, live_at: datetime | None = None) -> ShowInfo:
    return ShowInfo(show.id, show.workspace_id, show.title, show.status, show.starts_at, show.planned_minutes, live_at)


def show_info(db: Session, workspace_id: str, show_id: str) -> ShowInfo | None:
    """The show if it belongs to the workspace, else None (callers answer 404)."""
    from livecrew.shows.models import Show, ShowTransition

    show = db.get(Show, show_id)
    if show is None or show.workspace_id != workspace_id:
        return None
    live_at = db.scalar(
        select(ShowTransition.at)
        .where(ShowTransition.show_id == show_id, ShowTransition.to_status == "live")
        .order_by(ShowTransition.id.desc())
        .limit(1)
    )
    return _info(show, live_at)


def shows_info(db: Session, workspace_id: str, show_ids: list[str]) -> dict[str, ShowInfo]:
    """Several shows of a workspace at once (without their live time)."""
    from livecrew.shows.models import Show

    if not show_ids:
        return {}
    rows = db.scalars(select(Show).where(Show.workspace_id == workspace_id, Show.id.in_(show_ids))).all()
    return {s.id: _info(s) for s in rows}


def roster(db: Session, show_id: str) -> dict[str, list[str]]:
    """Role -> the ids of the people rostered for it in the show."""
    from livecrew.shows.models import RosterEntry

    by_role: dict[str, list[str]] = {}
    for role, user_id in db.execute(
        select(RosterEntry.role, RosterEntry.user_id).where(RosterEntry.show_id == show_id).order_by(RosterEntry.id)
    ).all():
        by_role.setdefault(role, []).append(user_id)
    return by_role


def run_of_show_now(db: Session, show_id: str, now: datetime) -> dict[str, Any]:
    """Where the show is in its run of show: the current segment and the next one with its start and the
    seconds until it (counted from when the show went live; before that, from its planned start)."""
    from livecrew.shows.models import Show, ShowSegment

    show = db.get(Show, show_id)
    if show is None:
        return {"current": None, "next": None}
    info = show_info(db, show.workspace_id, show_id)
    start = info.live_at if info and info.live_at else show.starts_at
    segments = db.scalars(select(ShowSegment).where(ShowSegment.show_id == show_id).order_by(ShowSegment.position))
    current: dict[str, Any] | None = None
    upcoming: dict[str, Any] | None = None
    at = start
    for seg in segments:
        ends = at + timedelta(minutes=seg.planned_minutes)
        item = {
            "title": seg.title,
            "kind": seg.kind,
            "minutes": seg.planned_minutes,
            "talking_points": list(seg.talking_points or []),
            "starts_at": at.isoformat(),
            "seconds": max(0, int((at - now).total_seconds())),
        }
        if at <= now < ends:
            current = item
        elif at > now and upcoming is None:
            upcoming = item
        at = ends
    return {"current": current, "next": upcoming, "started_at": start.isoformat()}


def shows_in_status(db: Session, workspace_id: str, statuses: frozenset[str]) -> dict[str, ShowInfo]:
    """The workspace's shows in any of these statuses (without their live time), by id."""
    from livecrew.shows.models import Show

    rows = db.scalars(select(Show).where(Show.workspace_id == workspace_id, Show.status.in_(sorted(statuses)))).all()
    return {s.id: _info(s) for s in rows}


# ------------------------------------------------------------------ reads for the review (復盤)


ENDED_STATUSES = (ShowStatus.ended.value, ShowStatus.reviewed.value)


def show_details(db: Any, workspace_id: str, show_id: str) -> dict[str, Any] | None:
    """A show of the workspace as plain data (None when there is none): title, room, theme, status, planned
    start and minutes, targets, when it went live and ended, and its roster (role, user id, name)."""
    from sqlalchemy import select

    from livecrew.core.auth.models import User
    from livecrew.shows.models import Show

    show = db.get(Show, show_id)
    if show is None or show.workspace_id != workspace_id:
        return None
    ids = {entry.user_id for entry in show.roster}
    names = dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}

    def last(status: str) -> datetime | None:
        return next((t.at for t in reversed(show.transitions) if t.to_status == status), None)

    return {
        "id": show.id,
        "title": show.title,
        "room": show.room,
        "theme": show.theme,
        "status": show.status,
        "starts_at": show.starts_at,
        "planned_minutes": show.planned_minutes,
        "targets": dict(show.targets or {}),
        "live_at": last(ShowStatus.live.value),
        "ended_at": last(ShowStatus.ended.value),
        "reviewed_at": last(ShowStatus.reviewed.value),
        "roster": [
            {"role": e.role, "user_id": e.user_id, "name": names.get(e.user_id, "")}
            for e in show.roster
            if e.user_id in names
        ],
    }


def room_history(db: Any, workspace_id: str, room: str, before: datetime, limit: int = 10) -> list[str]:
    """Ids of the room's ended (or reviewed) shows that started before ``before``, newest first."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    stmt = (
        select(Show.id)
        .where(
            Show.workspace_id == workspace_id,
            Show.room == room,
            Show.starts_at < before,
            Show.status.in_(ENDED_STATUSES),
        )
        .order_by(Show.starts_at.desc())
        .limit(limit)
    )
    return list(db.scalars(stmt).all())


def drawn_perks(db: Any, show_id: str) -> list[dict[str, Any]]:
    """The show's perks that were drawn or used: kind, title, when."""
    from sqlalchemy import select

    from livecrew.shows.models import Perk

    rows = db.scalars(select(Perk).where(Perk.show_id == show_id, Perk.drawn_at.is_not(None)).order_by(Perk.id)).all()
    return [{"kind": p.kind, "title": p.title, "at": p.drawn_at} for p in rows]


def transition_show(db: Any, clock: Any, workspace: Any, show_id: str, to: str, *, actor: Any, note: str = "") -> str:
    """Move a show in its lifecycle (the gate applies); returns the new status."""
    from livecrew.shows import service

    show = service.get_show(db, workspace, show_id)
    return service.transition(db, clock, workspace, show, to, actor=actor, note=note).status


def recent_shows(db: Any, workspace_id: str, statuses: tuple[str, ...], limit: int = 50) -> list[dict[str, Any]]:
    """The workspace's shows in these statuses, latest start first: id, title, room, status, planned start."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    stmt = (
        select(Show.id, Show.title, Show.room, Show.status, Show.starts_at)
        .where(Show.workspace_id == workspace_id, Show.status.in_(statuses))
        .order_by(Show.starts_at.desc())
        .limit(limit)
    )
    return [
        {"id": i, "title": title, "room": room, "status": status, "starts_at": starts_at}
        for i, title, room, status, starts_at in db.execute(stmt).all()
    ]


def shows_between(db: Any, workspace_id: str, start: datetime, end: datetime) -> list[ShowInfo]:
    """The workspace's shows starting in ``[start, end)``, oldest first."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    rows = db.scalars(
        select(Show)
        .where(Show.workspace_id == workspace_id, Show.starts_at >= start, Show.starts_at < end)
        .order_by(Show.starts_at)
    ).all()
    return [_info(s) for s in rows]


def make_gate_check(name: str, fn: Callable[[Session, Any], list[Any]], applies_to: tuple[str, ...] = ("live",)) -> Any:
    """A go-live gate check for another feature's manifest: ``fn(db, show)`` returns problems made with
    :func:`gate_problem` (``show`` has ``id``, ``workspace_id`` and ``status``)."""
    from livecrew.shows.gate import GateCheck

    return GateCheck(name, frozenset(applies_to), fn)


def gate_problem(check: str, message: str, key: str, params: dict[str, Any] | None = None) -> Any:
    """One unmet go-live condition, in words a person can act on (``key`` is its catalog key)."""
    from livecrew.shows.gate import Problem

    return Problem(check, message, key, params or {})


def show_info_any(db: Session, show_id: str) -> ShowInfo | None:
    """A show by id whatever its workspace (the caller checks the workspace), or None: for jobs and commands."""
    from livecrew.shows.models import Show

    show = db.get(Show, show_id)
    if show is None:
        return None
    return _info(show)
