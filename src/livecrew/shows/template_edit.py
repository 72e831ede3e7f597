"""Editing show templates: the run of show, the checklist, required roles and default targets.

Every save is validated as a whole (nothing is half-saved) and raises the template's version; shows already
created keep the copy they took, so editing a template never changes an existing show.
"""

from __future__ import annotations

import math
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, ValidationFailed
from livecrew.shows.models import PerkKind, ShowTemplate
from livecrew.shows.service import MAX_MINUTES, TEAM_ROLE_KEYS

SEGMENT_KINDS = ("warmup", "product", "perk", "interaction", "closing")
TARGET_KEYS = ("gmv", "uv", "conversion_rate", "uv_value", "new_followers", "roi", "peak_online")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")


def _bad(message: str, catalog_key: str, /, **params: Any) -> ValidationFailed:
    return ValidationFailed(message, key=catalog_key, params=params)


def _text(value: Any, what: str, limit: int, *, required: bool = True) -> str:
    clean = " ".join(str(value or "").split())
    if required and not clean:
        raise _bad(f"{what} is empty", "err.tpl_empty", what=what)
    if len(clean) > limit:
        raise _bad(f"{what} is longer than {limit} characters", "err.tpl_long", what=what, n=limit)
    return clean


def _role(value: Any, where: str) -> str:
    role = str(value or "")
    if role not in TEAM_ROLE_KEYS:
        raise _bad(f'{where}: unknown role "{role}"', "err.tpl_role", where=where, role=role)
    return role


def _minutes(value: Any, where: str, low: int, high: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise _bad(f'{where}: "{value}" is not a whole number of minutes', "err.tpl_minutes", where=where) from None
    if not low <= n <= high:
        raise _bad(f"{where}: minutes must be {low} to {high} (got {n})", "err.tpl_minutes", where=where)
    return n


def _unique_key(raw: Any, title: str, taken: set[str], prefix: str) -> str:
    key = str(raw or "").strip()
    if not key or not _KEY.match(key) or key in taken:
        n = len(taken) + 1
        key = f"{prefix}{n}"
        while key in taken:
            n += 1
            key = f"{prefix}{n}"
    taken.add(key)
    return key


def clean_segments(raw: list[dict[str, Any]], duration: int) -> list[dict[str, Any]]:
    if not raw:
        raise _bad("the run of show needs at least one segment", "err.tpl_no_segments")
    taken: set[str] = set()
    out = []
    for number, seg in enumerate(raw, start=1):
        where = f"segment {number}"
        title = _text(seg.get("title"), f"{where}'s title", 200)
        kind = str(seg.get("kind") or "product")
        if kind not in SEGMENT_KINDS:
            raise _bad(f'{where}: unknown kind "{kind}"', "err.tpl_kind", where=where, kind=kind)
        raw_slot = seg.get("product_slot")
        slot = None if raw_slot in ("", None) else _minutes(raw_slot, f"{where}'s product slot", 1, 500)
        perk = seg.get("perk")
        if perk:
            perk_kind = str(perk.get("kind") or "")
            if perk_kind not in PerkKind.__members__:
                raise _bad(f'{where}: unknown perk "{perk_kind}"', "err.tpl_perk", where=where, kind=perk_kind)
            perk = {"kind": perk_kind, "note": _text(perk.get("note"), f"{where}'s perk note", 500, required=False)}
        points = [_text(p, f"{where}'s talking point", 500) for p in seg.get("talking_points", []) if str(p).strip()]
        cue = seg.get("cue_role") or None
        out.append(
            {
                "key": _unique_key(seg.get("key"), title, taken, "seg"),
                "title": title,
                "kind": kind,
                "planned_minutes": _minutes(seg.get("planned_minutes"), where, 1, duration),
                "product_slot": slot,
                "perk": perk or None,
                "talking_points": points,
                "cue_role": _role(cue, where) if cue else None,
            }
        )
    return out


def clean_checklist(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    taken: set[str] = set()
    out = []
    for number, item in enumerate(raw, start=1):
        where = f"checklist item {number}"
        title = _text(item.get("title"), f"{where}'s title", 200)
        out.append(
            {
                "key": _unique_key(item.get("key"), title, taken, "check"),
                "role": _role(item.get("role"), where),
                "due_minutes_before": _minutes(item.get("due_minutes_before", 30), where, 0, 24 * 60),
                "title": title,
                "detail": _text(item.get("detail"), f"{where}'s detail", 2000, required=False),
            }
        )
    return out


def clean_targets(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in TARGET_KEYS:
            raise _bad(f'unknown target "{key}"; use one of: {", ".join(TARGET_KEYS)}', "err.tpl_target", key=key)
        if value in ("", None):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _bad(f'target "{key}": "{value}" is not a number', "err.tpl_target_value", key=key) from None
        if not math.isfinite(number) or number < 0:
            raise _bad(f'target "{key}" must be zero or more', "err.tpl_target_value", key=key)
        if key in ("conversion_rate",) and number > 1:
            raise _bad(f'target "{key}" is a ratio between 0 and 1', "err.tpl_target_value", key=key)
        out[key] = int(number) if number.is_integer() and key not in ("conversion_rate", "roi") else number
    return out


def warnings(template: ShowTemplate) -> list[dict[str, Any]]:
    """Things worth a look that are not errors: minutes that don't add up, checklist roles not on the crew."""
    found: list[dict[str, Any]] = []
    total = sum(int(s["planned_minutes"]) for s in template.segments)
    if total != template.duration_minutes:
        found.append({"key": "tpl.warn_minutes", "params": {"total": total, "duration": template.duration_minutes}})
    for item in template.checklist:
        if item["role"] not in template.required_roles:
            found.append({"key": "tpl.warn_role", "params": {"title": item["title"], "role": item["role"]}})
    return found


def update_template(db: Session, clock: Clock, template: ShowTemplate, changes: dict[str, Any]) -> ShowTemplate:
    """Apply a partial change (name, description, duration_minutes, required_roles, default_targets, segments,
    checklist); all of it is validated before anything is written."""
    unknown = set(changes) - {
        "name", "description", "duration_minutes", "required_roles", "default_targets", "segments", "checklist"
    }  # fmt: skip
    if unknown:
        raise _bad(f"these template fields cannot be changed: {', '.join(sorted(unknown))}", "err.tpl_field")
    name = _text(changes.get("name", template.name), "the name", 120)
    description = _text(changes.get("description", template.description), "the description", 4000, required=False)
    duration = _minutes(changes.get("duration_minutes", template.duration_minutes), "the length", 1, MAX_MINUTES)
    roles = [_role(r, "required roles") for r in changes.get("required_roles", template.required_roles)]
    if not roles:
        raise _bad("a show needs at least one required role", "err.tpl_no_roles")
    targets = clean_targets(dict(changes.get("default_targets", template.default_targets)))
    segments = clean_segments(list(changes.get("segments", template.segments)), duration)
    checklist = clean_checklist(list(changes.get("checklist", template.checklist)))
    template.name = name
    template.description = description
    template.duration_minutes = duration
    template.required_roles = list(dict.fromkeys(roles))
    template.default_targets = targets
    template.segments = segments
    template.checklist = checklist
    template.version += 1
    template.updated_at = clock.now()
    db.flush()
    return template


def copy_template(
    db: Session, clock: Clock, workspace: Workspace, source: ShowTemplate, *, key: str, name: str
) -> ShowTemplate:
    """A new template starting as a copy of another (its own version 1)."""
    from livecrew.shows.service import create_template

    clean_key = key.strip()
    if not _KEY.match(clean_key):
        raise _bad(
            f'"{key}" is not a usable template key; use lower-case letters, digits, dashes or underscores',
            "err.tpl_key",
            key=key,
        )
    exists = db.scalar(
        select(ShowTemplate.id).where(ShowTemplate.workspace_id == workspace.id, ShowTemplate.key == clean_key)
    )
    if exists is not None:
        raise Conflict(
            f'a template with key "{clean_key}" already exists', key="err.tpl_exists", params={"key": clean_key}
        )
    return create_template(
        db,
        clock,
        workspace,
        {
            "key": clean_key,
            "name": _text(name, "the name", 120),
            "description": source.description,
            "duration_minutes": source.duration_minutes,
            "required_roles": list(source.required_roles),
            "default_targets": dict(source.default_targets),
            "segments": [dict(s) for s in source.segments],
            "checklist": [dict(i) for i in source.checklist],
            "matrix": [dict(r) for r in source.matrix],
        },
    )
