"""What the shows feature offers other features: the show and its template (read), the lifecycle, the
go-live gate's check decorator, perks and the domain events it emits (``livecrew.core.events``).

Other features import these from here only, never from the modules behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from livecrew.shows.facts import RehearsalProblemsFound, ShowCreated, ShowTransitioned
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
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show")
    return str(status)


def workspace_of_show(db: Session, show_id: str) -> str | None:
    """The workspace a show belongs to (None: no such show); for commands that run with the database's
    own rights, such as ``livecrew connect``."""
    from sqlalchemy import select

    from livecrew.shows.models import Show

    return db.scalar(select(Show.workspace_id).where(Show.id == show_id))
