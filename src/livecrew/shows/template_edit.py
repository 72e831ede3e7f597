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
MAX_TARGET = 1e13


def _bad(message: str, catalog_key: str, /, **params: Any) -> ValidationFailed:
    return ValidationFailed(message, key=catalog_key, params=params)


# Field and row labels: catalog keys for the console, English for the API's message.
_LABELS = {
    "tpl.f.name": "the name",
    "tpl.f.description": "the description",
    "tpl.f.length": "the length",
    "tpl.f.segment_title": "segment {n}'s title",
    "tpl.f.point": "a talking point of segment {n}",
    "tpl.f.perk_note": "segment {n}'s perk note",
    "tpl.f.item_title": "checklist item {n}'s title",
    "tpl.f.item_detail": "checklist item {n}'s detail",
    "tpl.where.segment": "segment {n}",
    "tpl.where.item": "checklist item {n}",
    "tpl.where.roles": "required roles",
    "tpl.where.slot": "segment {n}'s product slot",
}


def _label(key: str, n: int | None) -> str:
    return _LABELS[key].format(n=n if n is not None else "")


def _text(value: Any, what: str, limit: int, *, required: bool = True, n: int | None = None) -> str:
    if value is not None and not isinstance(value, str):
        raise _bad(f"{_label(what, n)} must be text", "err.tpl_not_text", what=what, n=n or "")
    clean = " ".join((value or "").split())
    if required and not clean:
        raise _bad(f"{_label(what, n)} is empty", "err.tpl_empty", what=what, n=n or "")
    if len(clean) > limit:
        raise _bad(
            f"{_label(what, n)} is longer than {limit} characters", "err.tpl_long", what=what, n=n or "", limit=limit
        )
    return clean


def _role(value: Any, where: str, n: int | None = None) -> str:
    role = str(value or "")
    if role not in TEAM_ROLE_KEYS:
        raise _bad(f'{_label(where, n)}: unknown role "{role}"', "err.tpl_role", where=where, n=n or "", role=role)
    return role


def _minutes(value: Any, where: str, low: int, high: int, n: int | None = None) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if number is None:
        raise _bad(
            f'{_label(where, n)}: "{value}" is not a whole number of minutes', "err.tpl_minutes",
            where=where, n=n or "", value=value,
        )  # fmt: skip
    if not low <= number <= high:
        raise _bad(
            f"{_label(where, n)}: minutes must be {low} to {high} (got {number})", "err.tpl_minutes_range",
            where=where, n=n or "", low=low, high=high, value=number,
        )  # fmt: skip
    return number


def _keys(raw: list[dict[str, Any]], prefix: str) -> list[str]:
    """Each row's key: its own when valid and not taken by an earlier row, else a new one no row uses."""
    incoming = [str(row.get("key") or "").strip() for row in raw]
    taken = {k for k in incoming if _KEY.match(k)}
    seen: set[str] = set()
    keys = []
    counter = 0
    for key in incoming:
        if _KEY.match(key) and key not in seen:
            seen.add(key)
            keys.append(key)
            continue
        counter += 1
        while f"{prefix}{counter}" in taken or f"{prefix}{counter}" in seen:
            counter += 1
        made = f"{prefix}{counter}"
        seen.add(made)
        keys.append(made)
    return keys


def _rows(raw: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        raise _bad(f"{what} must be a list of objects", "err.tpl_shape", what=what)
    return raw


def clean_segments(raw: Any, duration: int) -> list[dict[str, Any]]:
    rows = _rows(raw, "segments")
    if not rows:
        raise _bad("the run of show needs at least one segment", "err.tpl_no_segments")
    out = []
    for number, (seg, key) in enumerate(zip(rows, _keys(rows, "seg"), strict=True), start=1):
        where = "tpl.where.segment"
        title = _text(seg.get("title"), "tpl.f.segment_title", 200, n=number)
        kind = str(seg.get("kind") or "product")
        if kind not in SEGMENT_KINDS:
            raise _bad(f'segment {number}: unknown kind "{kind}"', "err.tpl_kind", where=where, n=number, kind=kind)
        raw_slot = seg.get("product_slot")
        slot = None if raw_slot in ("", None) else _minutes(raw_slot, "tpl.where.slot", 1, 500, number)
        perk = seg.get("perk")
        if perk is not None and not isinstance(perk, dict):
            raise _bad(
                f"segment {number}: the perk must be an object with kind and note", "err.tpl_perk_shape", n=number
            )
        if perk:
            perk_kind = str(perk.get("kind") or "")
            if perk_kind not in PerkKind.__members__:
                raise _bad(
                    f'segment {number}: unknown perk "{perk_kind}"', "err.tpl_perk", where=where, n=number,
                    kind=perk_kind,
                )  # fmt: skip
            perk = {
                "kind": perk_kind,
                "note": _text(perk.get("note"), "tpl.f.perk_note", 500, required=False, n=number),
            }
        points_raw = seg.get("talking_points", [])
        if not isinstance(points_raw, list):
            raise _bad(f"segment {number}: talking points must be a list of lines", "err.tpl_points", n=number)
        points = [_text(p, "tpl.f.point", 500, n=number) for p in points_raw if not isinstance(p, str) or p.strip()]
        cue = seg.get("cue_role") or None
        out.append(
            {
                "key": key,
                "title": title,
                "kind": kind,
                "planned_minutes": _minutes(seg.get("planned_minutes"), where, 1, duration, number),
                "product_slot": slot,
                "perk": perk or None,
                "talking_points": points,
                "cue_role": _role(cue, where, number) if cue else None,
            }
        )
    return out


def clean_checklist(raw: Any) -> list[dict[str, Any]]:
    rows = _rows(raw, "checklist")
    out = []
    for number, (item, key) in enumerate(zip(rows, _keys(rows, "check"), strict=True), start=1):
        where = "tpl.where.item"
        out.append(
            {
                "key": key,
                "role": _role(item.get("role"), where, number),
                "due_minutes_before": _minutes(item.get("due_minutes_before", 30), where, 0, 24 * 60, number),
                "title": _text(item.get("title"), "tpl.f.item_title", 200, n=number),
                "detail": _text(item.get("detail"), "tpl.f.item_detail", 2000, required=False, n=number),
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
        if not math.isfinite(number) or not 0 <= number <= MAX_TARGET:
            raise _bad(f'target "{key}" must be between 0 and {MAX_TARGET:.0f}', "err.tpl_target_value", key=key)
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
    name = _text(changes.get("name", template.name), "tpl.f.name", 120)
    description = _text(changes.get("description", template.description), "tpl.f.description", 4000, required=False)
    duration = _minutes(changes.get("duration_minutes", template.duration_minutes), "tpl.f.length", 1, MAX_MINUTES)
    raw_roles = changes.get("required_roles", template.required_roles)
    if not isinstance(raw_roles, list):
        raise _bad("required roles must be a list", "err.tpl_shape", what="required_roles")
    roles = [_role(r, "tpl.where.roles") for r in raw_roles]
    if not roles:
        raise _bad("a show needs at least one required role", "err.tpl_no_roles")
    raw_targets = changes.get("default_targets", template.default_targets)
    if not isinstance(raw_targets, dict):
        raise _bad("default targets must be an object", "err.tpl_shape", what="default_targets")
    targets = clean_targets(dict(raw_targets))
    segments = clean_segments(changes.get("segments", template.segments), duration)
    checklist = clean_checklist(changes.get("checklist", template.checklist))
    after = (name, description, duration, list(dict.fromkeys(roles)), targets, segments, checklist)
    before = (
        template.name, template.description, template.duration_minutes, template.required_roles,
        template.default_targets, template.segments, template.checklist,
    )  # fmt: skip
    if after == before:
        return template  # nothing changed: no new version
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
            "name": _text(name, "tpl.f.name", 120),
            "description": source.description,
            "duration_minutes": source.duration_minutes,
            "required_roles": list(source.required_roles),
            "default_targets": dict(source.default_targets),
            "segments": [dict(s) for s in source.segments],
            "checklist": [dict(i) for i in source.checklist],
            "matrix": [dict(r) for r in source.matrix],
        },
    )
