"""Show templates and shows: creation by copying a template, the lifecycle with its gate, roster, checklist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload, load_only

from livecrew.core.auth.models import User, Workspace
from livecrew.core.auth.roles import TEAM_ROLES
from livecrew.core.clock import Clock
from livecrew.core.db import keep_on_error
from livecrew.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from livecrew.core.events import emit
from livecrew.core.ids import new_id
from livecrew.core.pubsub import publish_after_commit, show_channel, workspace_channel
from livecrew.shows import gate
from livecrew.shows.facts import GateRefusedFact, ShowCreated, ShowTransitioned
from livecrew.shows.models import (
    ChecklistItem,
    ItemStatus,
    RosterEntry,
    Show,
    ShowSegment,
    ShowStatus,
    ShowTemplate,
    ShowTransition,
)
from livecrew.shows.templates import localise, shipped_templates

TEAM_ROLE_KEYS = [r.value for r in TEAM_ROLES]
MAX_MINUTES = 24 * 60

# Where each status may go next. Going back one step is allowed before the show goes live.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ShowStatus.planned: (ShowStatus.rehearsing, ShowStatus.ready, ShowStatus.cancelled),
    ShowStatus.rehearsing: (ShowStatus.ready, ShowStatus.planned, ShowStatus.cancelled),
    ShowStatus.ready: (ShowStatus.live, ShowStatus.rehearsing, ShowStatus.cancelled),
    ShowStatus.live: (ShowStatus.ended,),
    ShowStatus.ended: (ShowStatus.reviewed,),
    ShowStatus.reviewed: (),
    ShowStatus.cancelled: (ShowStatus.planned,),
}
EDITABLE = (ShowStatus.planned, ShowStatus.rehearsing, ShowStatus.ready)


class GateRefused(Conflict):
    code = "gate"


# ------------------------------------------------------------------ templates


def _check_role(role: str) -> str:
    if role not in TEAM_ROLE_KEYS:
        raise ValidationFailed(f'unknown role "{role}"; use one of: {", ".join(TEAM_ROLE_KEYS)}', key="err.bad_role")
    return role


def create_template(db: Session, clock: Clock, workspace: Workspace, data: dict[str, Any]) -> ShowTemplate:
    duration = int(data["duration_minutes"])
    if not 1 <= duration <= MAX_MINUTES:
        raise ValidationFailed(
            f"a template lasts 1 to {MAX_MINUTES} minutes (got {duration})",
            key="err.template_minutes",
            params={"max": MAX_MINUTES},
        )
    for role in data.get("required_roles", []):
        _check_role(role)
    template = ShowTemplate(
        id=new_id("st"),
        workspace_id=workspace.id,
        key=data["key"],
        name=data["name"],
        description=data.get("description", ""),
        duration_minutes=duration,
        required_roles=list(data.get("required_roles", [])),
        default_targets=dict(data.get("default_targets", {})),
        segments=list(data.get("segments", [])),
        checklist=list(data.get("checklist", [])),
        matrix=list(data.get("matrix", [])),
        version=1,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    db.add(template)
    db.flush()
    return template


def install_shipped_templates(db: Session, clock: Clock, workspace: Workspace) -> list[ShowTemplate]:
    """Copy the shipped templates the workspace does not have yet, in its default language."""
    have = set(db.scalars(select(ShowTemplate.key).where(ShowTemplate.workspace_id == workspace.id)).all())
    made = []
    for shipped in shipped_templates():
        if shipped["key"] not in have:
            made.append(create_template(db, clock, workspace, localise(shipped, workspace.default_language)))
    return made


def list_templates(db: Session, workspace: Workspace) -> list[ShowTemplate]:
    stmt = select(ShowTemplate).where(ShowTemplate.workspace_id == workspace.id).order_by(ShowTemplate.duration_minutes)
    return list(db.scalars(stmt).all())


def get_template(db: Session, workspace: Workspace, ref: str) -> ShowTemplate:
    template = db.get(ShowTemplate, ref)
    if template is None or template.workspace_id != workspace.id:
        template = db.scalar(
            select(ShowTemplate).where(ShowTemplate.workspace_id == workspace.id, ShowTemplate.key == ref)
        )
    if template is None:
        raise NotFound(f'no show template with id or key "{ref}" in this workspace', key="err.no_template")
    return template


# ------------------------------------------------------------------ shows


def parse_start(value: str, workspace: Workspace) -> datetime:
    """ISO 8601; a time without an offset is read in the workspace's time zone."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f'"{value}" is not an ISO 8601 date and time; write it like 2026-06-12T20:00+08:00',
            key="err.bad_start",
            params={"value": value},
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(workspace.timezone))
    return when


def create_show(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    *,
    title: str,
    starts_at: datetime,
    minutes: int | None = None,
    template: str | None = None,
    room: str = "",
    theme: str = "",
    actor: User | None = None,
) -> Show:
    """A new show. With a template, the show gets its own copy of it: later template edits don't reach it."""
    clean_title = " ".join(title.split())
    if not clean_title:
        raise ValidationFailed("the show needs a title", key="err.show_title")
    if len(clean_title) > 160:
        raise ValidationFailed("the title must be at most 160 characters", key="err.show_title_long")
    if starts_at.tzinfo is None:
        raise ValidationFailed("the start time needs a time zone (e.g. +08:00)", key="err.show_start_tz")
    source = get_template(db, workspace, template) if template else None
    length = minutes if minutes is not None else (source.duration_minutes if source else 120)
    if not 1 <= length <= MAX_MINUTES:
        raise ValidationFailed(
            f"a show lasts 1 to {MAX_MINUTES} minutes (got {length})", key="err.show_minutes", params={"n": length}
        )
    show = Show(
        id=new_id("s"),
        workspace_id=workspace.id,
        template_id=source.id if source else None,
        template_version=source.version if source else None,
        title=clean_title,
        room=" ".join(room.split())[:120],
        theme=" ".join(theme.split())[:200],
        starts_at=starts_at.astimezone(UTC),
        planned_minutes=length,
        status=ShowStatus.planned.value,
        required_roles=list(source.required_roles) if source else ["host", "controller", "operations"],
        targets=dict(source.default_targets) if source else {},
        created_at=clock.now(),
        created_by=actor.id if actor else None,
    )
    if source:
        show.segments = [
            ShowSegment(
                position=i,
                key=seg["key"],
                title=seg["title"],
                kind=seg.get("kind", "product"),
                planned_minutes=int(seg["planned_minutes"]),
                product_slot=seg.get("product_slot"),
                perk=seg.get("perk"),
                talking_points=list(seg.get("talking_points", [])),
                cue_role=seg.get("cue_role"),
            )
            for i, seg in enumerate(source.segments)
        ]
        show.checklist = [
            ChecklistItem(
                position=i,
                key=item["key"],
                role=item["role"],
                due_minutes_before=int(item.get("due_minutes_before", 30)),
                title=item["title"],
                detail=item.get("detail", ""),
                status=ItemStatus.open.value,
            )
            for i, item in enumerate(source.checklist)
        ]
    db.add(show)
    db.flush()
    publish_after_commit(db, workspace_channel(workspace.id), {"kind": "show.created", "id": show.id})
    emit(db, ShowCreated(workspace.id, show.id, show.title, show.starts_at, actor.id if actor else None))
    return show


# Ingest's show: the columns it and its listeners read, none of the related rows (other attributes load
# when touched); built once, so its cache key is kept.
_BARE_SHOW = (
    select(Show)
    .options(load_only(Show.id, Show.workspace_id, Show.status, Show.events_ts_min, Show.events_ts_max))
    .options(lazyload("*"))
    .where(Show.id == bindparam("id"))
)


def get_show(db: Session, workspace: Workspace, show_id: str, *, bare: bool = False) -> Show:
    """The show, or NotFound. ``bare``: only the columns ingest reads (id, workspace, status, ts range), without
    its segments, checklist, roster and transitions — for ingest and for routes that only check the show is the
    caller's (loading the rest was four more queries each time)."""
    show = db.execute(_BARE_SHOW, {"id": show_id}).scalar_one_or_none() if bare else db.get(Show, show_id)
    if show is None or show.workspace_id != workspace.id:
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show", params={"id": show_id})
    return show


def list_shows(
    db: Session,
    workspace: Workspace,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
) -> list[Show]:
    stmt = select(Show).where(Show.workspace_id == workspace.id)
    if start is not None:
        stmt = stmt.where(Show.starts_at >= start - timedelta(hours=24))
    if end is not None:
        stmt = stmt.where(Show.starts_at < end)
    if status is not None:
        if status not in ShowStatus.__members__:
            raise ValidationFailed(
                f'unknown status "{status}"; use one of: {", ".join(ShowStatus)}',
                key="err.bad_status",
                params={"to": status},
            )
        stmt = stmt.where(Show.status == status)
    shows = list(db.scalars(stmt.order_by(Show.starts_at)).all())
    if start is not None:
        shows = [s for s in shows if s.starts_at + timedelta(minutes=s.planned_minutes) > start]
    return shows


def ends_at(show: Show) -> datetime:
    return show.starts_at + timedelta(minutes=show.planned_minutes)


# ------------------------------------------------------------------ lifecycle


def resolve_assignments(db: Session, show: Show) -> list[str]:
    """Give checklist items and run-of-show cues to the rostered person of their role; returns unresolved roles."""
    staffed = gate.active_roster(db, show)
    gaps: set[str] = set()
    for item in show.checklist:
        people = staffed.get(item.role)
        item.assignee_id = people[0].id if people else None
        if not people:
            gaps.add(item.role)
    for seg in show.segments:
        if seg.cue_role:
            people = staffed.get(seg.cue_role)
            seg.assignee_id = people[0].id if people else None
            if not people:
                gaps.add(seg.cue_role)
    db.flush()
    return sorted(gaps)


def gate_problems(db: Session, show: Show, target: str = ShowStatus.live.value) -> list[gate.Problem]:
    return gate.evaluate(db, show, target)


def transition(
    db: Session, clock: Clock, workspace: Workspace, show: Show, to: str, *, actor: User | None, note: str = ""
) -> Show:
    if to not in ShowStatus.__members__:
        raise ValidationFailed(
            f'unknown status "{to}"; use one of: {", ".join(ShowStatus)}', key="err.bad_status", params={"to": to}
        )
    current = show.status
    allowed = TRANSITIONS[current]
    if to not in allowed:
        nexts = ", ".join(allowed) or "nothing (this is the last step)"
        raise Conflict(
            f'a show that is "{current}" cannot become "{to}"; from "{current}" it can go to: {nexts}',
            key="err.bad_transition",
            params={"current": current, "to": to},
        )
    if current == ShowStatus.planned and to != ShowStatus.cancelled:
        resolve_assignments(db, show)
    problems = gate.evaluate(db, show, to)
    if problems:
        listed = "; ".join(p.message for p in problems)
        raise GateRefused(
            f'the show cannot become "{to}" yet; {len(problems)} condition(s) are not met: {listed}',
            details=[p.to_dict() for p in problems],
            key="err.gate",
            params={"n": len(problems)},
        )
    show.status = to
    show.transitions.append(
        ShowTransition(
            from_status=current, to_status=to, at=clock.now(), by_user_id=actor.id if actor else None, note=note
        )
    )
    db.flush()
    emit(db, ShowTransitioned(workspace.id, show.id, current, to, actor.id if actor else None))
    message = {"kind": "show.status", "id": show.id, "status": to}
    publish_after_commit(db, workspace_channel(workspace.id), message)
    publish_after_commit(db, show_channel(show.id), message)
    return show


def record_refusal(
    db: Session, workspace: Workspace, show_id: str, to: str, exc: GateRefused, actor: User | None
) -> None:
    """A move the gate refused: roll it back and tell the subscribers (the show's channel). The request fails,
    but keeps this (``core.db.keep_on_error``): its unit of work commits the refusal's record."""

    db.rollback()
    problems = tuple(d for d in (exc.details or []) if isinstance(d, dict))
    emit(db, GateRefusedFact(workspace.id, show_id, to, problems, actor.id if actor else None))
    keep_on_error(db)


def transition_time(show: Show, status: str) -> datetime | None:
    """When the show last entered a status."""
    for step in reversed(show.transitions):
        if step.to_status == status:
            return step.at
    return None


# ------------------------------------------------------------------ roster and checklist


def _ensure_editable(show: Show) -> None:
    if show.status not in EDITABLE:
        raise Conflict(
            f'the show is "{show.status}"; its roster and checklist can no longer change',
            key="err.show_locked",
            params={"status": show.status},
        )


def add_to_roster(db: Session, workspace: Workspace, show: Show, role: str, user_id: str) -> RosterEntry:
    _ensure_editable(show)
    _check_role(role)
    user = db.get(User, user_id)
    if user is None or user.workspace_id != workspace.id:
        raise NotFound(f'no person with id "{user_id}" in this workspace', key="err.no_person")
    if not user.active:
        raise Conflict(f"{user.display_name} is deactivated and cannot be put on a show", key="err.person_inactive")
    if any(e.role == role and e.user_id == user_id for e in show.roster):
        raise Conflict(f'{user.display_name} already plays "{role}" in this show', key="err.roster_duplicate")
    entry = RosterEntry(role=role, user_id=user_id)
    show.roster.append(entry)
    db.flush()
    if show.status != ShowStatus.planned:
        resolve_assignments(db, show)
    return entry


def remove_from_roster(db: Session, workspace: Workspace, show: Show, entry_id: int) -> None:
    _ensure_editable(show)
    entry = next((e for e in show.roster if e.id == entry_id), None)
    if entry is None:
        raise NotFound(f"no roster entry {entry_id} in this show", key="err.no_roster_entry", params={"id": entry_id})
    show.roster.remove(entry)
    db.flush()
    if show.status != ShowStatus.planned:
        resolve_assignments(db, show)


def set_checklist_item(
    db: Session,
    clock: Clock,
    show: Show,
    item_id: int,
    *,
    status: str,
    reason: str | None,
    actor: User,
    may_edit_any: bool,
) -> ChecklistItem:
    _ensure_editable(show)
    item = next((i for i in show.checklist if i.id == item_id), None)
    if item is None:
        raise NotFound(f"no checklist item {item_id} in this show", key="err.no_checklist_item", params={"id": item_id})
    if not may_edit_any and item.role not in actor.role_keys and item.assignee_id != actor.id:
        raise Forbidden(
            f'this item is for the "{item.role}" role; ask them, or operations, to tick it',
            key="err.item_not_yours",
            params={"role": item.role},
        )
    if status not in ItemStatus.__members__:
        raise ValidationFailed(
            f'unknown checklist status "{status}"; use open, done or skipped',
            key="err.checklist_status",
            params={"status": status},
        )
    clean_reason = (reason or "").strip()
    if status == ItemStatus.skipped and not clean_reason:
        raise ValidationFailed("say why the item is skipped", key="err.skip_reason")
    item.status = status
    item.skip_reason = clean_reason if status == ItemStatus.skipped else None
    item.done_by = actor.id if status != ItemStatus.open else None
    item.done_at = clock.now() if status != ItemStatus.open else None
    db.flush()
    publish_after_commit(db, show_channel(show.id), {"kind": "checklist.changed", "item": item.id, "status": status})
    return item
