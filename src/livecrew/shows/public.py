"""What the shows feature offers other features: the domain events it emits (``livecrew.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from livecrew.core.events import DomainEvent


@dataclass(frozen=True)
class ShowCreated(DomainEvent):
    topic: ClassVar[str] = "shows.show_created"
    workspace_id: str
    show_id: str
    title: str
    starts_at: datetime
    actor_id: str | None


@dataclass(frozen=True)
class ShowTransitioned(DomainEvent):
    """A show moved in its lifecycle (``planned`` → ``rehearsing`` → ``ready`` → ``live`` → ``ended``...)."""

    topic: ClassVar[str] = "shows.show_transitioned"
    workspace_id: str
    show_id: str
    from_status: str
    to_status: str
    actor_id: str | None


# ------------------------------------------------------------------ reads for the review (復盤)
# A gate check of another feature is made with ``gate_check`` and returns ``Problem`` s.
from typing import Any  # noqa: E402

from livecrew.shows.gate import Problem as Problem  # noqa: E402
from livecrew.shows.gate import gate_check as gate_check  # noqa: E402
from livecrew.shows.models import ShowStatus as ShowStatus  # noqa: E402

ENDED_STATUSES = (ShowStatus.ended.value, ShowStatus.reviewed.value)


def show_info(db: Any, workspace_id: str, show_id: str) -> dict[str, Any] | None:
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


def workspace_of_show(db: Any, show_id: str) -> str | None:
    """The id of the workspace a show belongs to (None: no such show)."""
    from livecrew.shows.models import Show

    show = db.get(Show, show_id)
    return show.workspace_id if show is not None else None


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
