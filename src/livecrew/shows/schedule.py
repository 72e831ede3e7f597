"""The week view and its conflicts: a person on two overlapping shows, a room with two overlapping shows,
and a host with too little rest between shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.db import unsaved_defaults
from livecrew.core.errors import ValidationFailed
from livecrew.shows.models import Show, ShowSettings, ShowStatus
from livecrew.shows.service import ends_at, list_shows

COUNTED = (ShowStatus.planned, ShowStatus.rehearsing, ShowStatus.ready, ShowStatus.live)


@dataclass(frozen=True)
class Conflict:
    kind: str  # "person_overlap", "room_overlap", "host_rest"
    shows: tuple[str, str]
    message: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "shows": list(self.shows),
            "message": self.message,
            "key": self.key,
            "params": self.params,
        }


def settings_for(db: Session, workspace: Workspace) -> ShowSettings:
    """The workspace's scheduling rules (made with the workspace); reading never writes: a workspace
    without its row reads the defaults."""
    return db.get(ShowSettings, workspace.id) or unsaved_defaults(ShowSettings, workspace_id=workspace.id)


def create_settings(db: Session, workspace: Workspace) -> ShowSettings:
    """The scheduling rules of a new workspace (the defaults), or the ones it has."""
    row = db.get(ShowSettings, workspace.id)
    if row is None:
        row = unsaved_defaults(ShowSettings, workspace_id=workspace.id)
        db.add(row)
        db.flush()
    return row


def set_host_rest_hours(db: Session, workspace: Workspace, hours: int) -> ShowSettings:
    if not 0 <= hours <= 72:
        raise ValidationFailed(f"the rest between a host's shows is 0 to 72 hours (got {hours})", key="err.rest_hours")
    row = create_settings(db, workspace)
    row.host_rest_hours = hours
    db.flush()
    return row


def _overlap(a: Show, b: Show) -> bool:
    return a.starts_at < ends_at(b) and b.starts_at < ends_at(a)


def entry_warnings(db: Session, workspace: Workspace, show: Show, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """What is worth a second look when a show is typed in: a start in the past, another show in the same room
    at the same time. Each as (catalog key, params)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if show.starts_at < now:
        found.append(("shows.warn_past", {}))
    if show.room:
        for other in list_shows(db, workspace):
            if other.id != show.id and other.status in COUNTED and other.room == show.room and _overlap(show, other):
                found.append(("shows.warn_room_overlap", {"room": show.room, "other": other.title}))
    return found


def find_conflicts(shows: list[Show], names: dict[str, str], rest_hours: int) -> list[Conflict]:
    """All conflicts among the given shows (cancelled, ended and reviewed shows do not count)."""
    active = sorted((s for s in shows if s.status in COUNTED), key=lambda s: s.starts_at)
    found: list[Conflict] = []
    rest = timedelta(hours=rest_hours)
    for a, b in combinations(active, 2):
        pair = (a.id, b.id)
        if _overlap(a, b):
            if a.room and a.room == b.room:
                found.append(
                    Conflict(
                        "room_overlap",
                        pair,
                        f'room "{a.room}" has two overlapping shows: "{a.title}" and "{b.title}"',
                        "conflict.room",
                        {"room": a.room, "a": a.title, "b": b.title},
                    )
                )
            people_a = {e.user_id for e in a.roster}
            for user_id in sorted(people_a & {e.user_id for e in b.roster}):
                name = names.get(user_id, user_id)
                found.append(
                    Conflict(
                        "person_overlap",
                        pair,
                        f'{name} is on two overlapping shows: "{a.title}" and "{b.title}"',
                        "conflict.person",
                        {"person": name, "a": a.title, "b": b.title},
                    )
                )
        else:
            hosts = {e.user_id for e in a.roster if e.role == "host"} & {
                e.user_id for e in b.roster if e.role == "host"
            }
            gap = b.starts_at - ends_at(a)
            if rest_hours and gap < rest:
                for user_id in sorted(hosts):
                    name = names.get(user_id, user_id)
                    hours = round(gap.total_seconds() / 3600, 1)
                    found.append(
                        Conflict(
                            "host_rest",
                            pair,
                            f'host {name} has only {hours} h between "{a.title}" and "{b.title}" '
                            f"(the workspace asks for {rest_hours} h)",
                            "conflict.rest",
                            {"person": name, "hours": hours, "need": rest_hours, "a": a.title, "b": b.title},
                        )
                    )
    return found


@dataclass
class Week:
    start: datetime  # local midnight of the first day, in the workspace's zone
    days: list[datetime]
    rooms: list[str]
    shows: list[Show]
    conflicts: list[Conflict]
    by_show: dict[str, list[Conflict]]


def week(db: Session, workspace: Workspace, start: datetime, users: list[User]) -> Week:
    """Seven days from ``start`` (any time that day, in the workspace's zone)."""
    zone = ZoneInfo(workspace.timezone)
    first = start.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    last = first + timedelta(days=7)
    rest = settings_for(db, workspace).host_rest_hours
    # Look a little beyond the week so rest-time conflicts at its edges are seen too.
    nearby = list_shows(db, workspace, start=first - timedelta(days=2), end=last + timedelta(days=2))
    names = {u.id: u.display_name for u in users}
    conflicts = find_conflicts(nearby, names, rest)
    in_week = [s for s in nearby if s.starts_at < last and ends_at(s) > first]
    week_ids = {s.id for s in in_week}
    conflicts = [c for c in conflicts if c.shows[0] in week_ids or c.shows[1] in week_ids]
    by_show: dict[str, list[Conflict]] = {}
    for conflict in conflicts:
        for show_id in conflict.shows:
            by_show.setdefault(show_id, []).append(conflict)
    rooms = sorted({s.room or "" for s in in_week})
    return Week(first, [first + timedelta(days=i) for i in range(7)], rooms, in_week, conflicts, by_show)
