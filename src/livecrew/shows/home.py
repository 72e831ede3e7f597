"""The shows' cards on the home page (extension point ``web.home_card``): the next shows for everyone, the
host's own next show with its host screen, and each role's open checklist items."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal
from livecrew.shows import service
from livecrew.shows.models import ChecklistItem, ItemStatus, RosterEntry, Show, ShowStatus

ACTIVE = (ShowStatus.planned, ShowStatus.rehearsing, ShowStatus.ready, ShowStatus.live)
CHECKLIST_ROWS = 6
# Whose checklist card it is: the roles that prepare a show (the host's card shows the host's count).
CHECKLIST_ROLES = frozenset({"assistant", "operations", "selection", "controller", "service", "analyst", "tech"})


def _upcoming(db: Session, principal: Principal, now: datetime) -> list[Show]:
    return [
        s for s in service.list_shows(db, principal.workspace, start=now - timedelta(hours=6)) if s.status in ACTIVE
    ]


def next_shows_card(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """The next four shows (a live one first in time), with what stands between each and going live."""
    rows = [
        {
            "show": s,
            "unmet": len(service.gate_problems(db, s, ShowStatus.live.value)) if s.status != ShowStatus.live else 0,
        }
        for s in _upcoming(db, principal, now)[:4]
    ]
    if not rows:
        return []
    # The planners' day starts with it; for the others it comes after their own card.
    order = 15 if {"owner", "operations"} & set(principal.roles) else 60
    return [{"id": "next-shows", "order": order, "template": "shows/_home_next_shows.html", "rows": rows}]


def my_show_card(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """The host's next show: the one they are on the roster of as host (else the next show), with its host
    screen, and how many of the host's checklist items are still open."""
    if "host" not in principal.roles:
        return []
    upcoming = _upcoming(db, principal, now)
    ids = [s.id for s in upcoming]
    mine = set(
        db.scalars(
            select(RosterEntry.show_id).where(
                RosterEntry.show_id.in_(ids), RosterEntry.user_id == principal.user.id, RosterEntry.role == "host"
            )
        ).all()
    )
    show = next((s for s in upcoming if s.id in mine), upcoming[0] if upcoming else None)
    open_items = 0
    if show is not None:
        open_items = len(
            db.scalars(
                select(ChecklistItem.id).where(
                    ChecklistItem.show_id == show.id,
                    ChecklistItem.status == ItemStatus.open.value,
                    or_(ChecklistItem.role == "host", ChecklistItem.assignee_id == principal.user.id),
                )
            ).all()
        )
    return [
        {
            "id": "my-show",
            "order": 10,
            "template": "shows/_home_my_show.html",
            "show": show,
            "rostered": show is not None and show.id in mine,
            "open_items": open_items,
        }
    ]


def my_checklists_card(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """The open checklist items of the next shows addressed to one of the reader's roles (or to them)."""
    roles = CHECKLIST_ROLES & set(principal.roles)
    if not roles:
        return []
    upcoming = {s.id: s for s in _upcoming(db, principal, now)[:3]}
    items = list(
        db.scalars(
            select(ChecklistItem)
            .where(
                ChecklistItem.show_id.in_(list(upcoming)),
                ChecklistItem.status == ItemStatus.open.value,
                or_(ChecklistItem.role.in_(sorted(roles)), ChecklistItem.assignee_id == principal.user.id),
            )
            .order_by(ChecklistItem.position)
        ).all()
    )
    items.sort(key=lambda item: (upcoming[item.show_id].starts_at, item.position))
    if not items and "assistant" not in roles:
        return []  # nothing to do: no card (the assistant's day still shows "all done")
    rows = [{"item": item, "show": upcoming[item.show_id]} for item in items[:CHECKLIST_ROWS]]
    order = 10 if "assistant" in roles else 30
    return [
        {
            "id": "my-checklists",
            "order": order,
            "template": "shows/_home_checklists.html",
            "rows": rows,
            "more": max(0, len(items) - CHECKLIST_ROWS),
        }
    ]
