"""The workspace's runbook library: seeded from the shipped runbooks, edited with a version per change."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.auth.roles import TEAM_ROLES
from livecrew.core.clock import Clock
from livecrew.core.config import LANGUAGES
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.incidents.models import Runbook, RunbookVersion

DATA_FILE = Path(__file__).parent / "data" / "runbooks.json"
SEVERITIES = ("sev1", "sev2", "sev3")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_STEPS = 30
MAX_TARGET_SECONDS = 7 * 24 * 3600


@cache
def shipped() -> tuple[dict[str, Any], ...]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(data["runbooks"])


def _snapshot(rb: Runbook) -> dict[str, Any]:
    return {
        "key": rb.key,
        "title": dict(rb.title),
        "trigger": dict(rb.trigger),
        "announcement": dict(rb.announcement),
        "severity": rb.severity,
        "critical": rb.critical,
        "steps": [dict(s) for s in rb.steps],
    }


def _record(db: Session, clock: Clock, rb: Runbook, actor: User | None, summary: str) -> None:
    db.add(
        RunbookVersion(
            runbook_id=rb.id,
            version=rb.version,
            at=clock.now(),
            by_user_id=actor.id if actor else None,
            summary=summary,
            snapshot=_snapshot(rb),
        )
    )


def _from_shipped(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": raw["title"],
        "trigger": raw.get("trigger", {}),
        "announcement": raw.get("announcement", {}),
        "severity": raw["severity"],
        "critical": raw["severity"] == "sev1",
        "steps": [
            {
                "role": s["role"],
                "title": s["title"],
                "detail": s.get("detail", {}),
                "target_seconds": int(s["target_seconds"]),
                "products": list(s.get("products", [])),
                "reply_script": dict(s.get("reply_script", {})),
            }
            for s in raw["steps"]
        ],
    }


def install_shipped(db: Session, clock: Clock, workspace_id: str) -> list[Runbook]:
    """Add the shipped runbooks the workspace does not have yet (by key); existing ones are left as edited."""
    have = set(db.scalars(select(Runbook.key).where(Runbook.workspace_id == workspace_id)).all())
    added = []
    for raw in shipped():
        if raw["key"] in have:
            continue
        rb = Runbook(workspace_id=workspace_id, key=raw["key"], version=1, updated_at=clock.now(), **_from_shipped(raw))
        db.add(rb)
        db.flush()
        _record(db, clock, rb, None, "shipped")
        added.append(rb)
    db.flush()
    return added


def on_workspace_created(db: Session, clock: Clock, workspace: Workspace) -> None:
    install_shipped(db, clock, workspace.id)


def list_runbooks(db: Session, workspace_id: str, *, archived: bool = False) -> list[Runbook]:
    stmt = select(Runbook).where(Runbook.workspace_id == workspace_id)
    if not archived:
        stmt = stmt.where(Runbook.archived.is_(False))
    return list(db.scalars(stmt.order_by(Runbook.id)).all())


def get_runbook(db: Session, workspace_id: str, key: str) -> Runbook:
    rb = db.scalar(select(Runbook).where(Runbook.workspace_id == workspace_id, Runbook.key == key))
    if rb is None:
        keys = ", ".join(r.key for r in list_runbooks(db, workspace_id))
        raise NotFound(
            f'no runbook "{key}" in this workspace; it has: {keys or "none"}',
            key="err.no_runbook",
            params={"key": key},
        )
    return rb


def versions(db: Session, rb: Runbook) -> list[RunbookVersion]:
    return list(
        db.scalars(
            select(RunbookVersion).where(RunbookVersion.runbook_id == rb.id).order_by(RunbookVersion.version.desc())
        ).all()
    )


def _texts(value: Any, name: str, *, required: bool, limit: int = 2000) -> dict[str, str]:
    """A {language: text} mapping; a plain string is taken for every language."""
    if value is None:
        value = {}
    if isinstance(value, str):
        value = dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        raise ValidationFailed(
            f"{name} must be text or an object of texts per language ({', '.join(LANGUAGES)})",
            key="err.runbook_texts",
            params={"field": name},
        )
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise ValidationFailed(
                f'{name}: unknown language "{lang}"; use {", ".join(LANGUAGES)}',
                key="err.runbook_language",
                params={"field": name, "lang": lang},
            )
        if not isinstance(text, str):
            raise ValidationFailed(
                f"{name} ({lang}) must be text", key="err.runbook_text", params={"field": name, "lang": lang}
            )
        clean = text.strip()
        if len(clean) > limit:
            raise ValidationFailed(
                f"{name} ({lang}) is longer than {limit} characters",
                key="err.runbook_text_long",
                params={"field": name, "lang": lang, "max": limit},
            )
        if clean:
            out[lang] = clean
    if required and not out:
        raise ValidationFailed(f"{name} is required", key="err.runbook_field", params={"field": name})
    return out


def _step(raw: Any, n: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationFailed(f"step {n} must be an object", key="err.runbook_step", params={"n": n})
    roles = {r.value for r in TEAM_ROLES}
    role = raw.get("role")
    if role not in roles:
        raise ValidationFailed(
            f"step {n}: role must be one of {', '.join(sorted(roles))} (got {role!r})",
            key="err.runbook_step_role",
            params={"n": n},
        )
    seconds = raw.get("target_seconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= MAX_TARGET_SECONDS:
        raise ValidationFailed(
            f"step {n}: target_seconds must be a whole number of seconds from 1 to {MAX_TARGET_SECONDS}",
            key="err.runbook_step_target",
            params={"n": n},
        )
    products = raw.get("products") or []
    if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
        raise ValidationFailed(
            f"step {n}: products must be a list of SKUs", key="err.runbook_step_products", params={"n": n}
        )
    return {
        "role": role,
        "title": _texts(raw.get("title"), f"step {n} title", required=True, limit=200),
        "detail": _texts(raw.get("detail"), f"step {n} detail", required=False),
        "target_seconds": seconds,
        "products": [p.strip() for p in products if p.strip()][:20],
        "reply_script": _texts(raw.get("reply_script"), f"step {n} reply script", required=False),
    }


def check_scripts(db: Session, workspace_id: str, steps: list[dict[str, Any]], announcement: dict[str, str]) -> None:
    """Reply scripts and the announcement are said on air: the compliance scanner must find no ``block``."""
    from livecrew.text.public import script_issues

    lines: list[tuple[str, str, str]] = [("announcement", lang, text) for lang, text in announcement.items()]
    for n, step in enumerate(steps, start=1):
        lines += [(f"step {n} reply script", lang, text) for lang, text in step["reply_script"].items()]
    problems = []
    for where, lang, text in lines:
        issues = [i for i in script_issues(db, workspace_id, text, lang) if i.severity == "block"]
        if issues:
            terms = "、".join(dict.fromkeys(i.term for i in issues))
            problems.append({"where": where, "lang": lang, "terms": terms, "reason": issues[0].reason})
    if problems:
        listed = "; ".join(f"{p['where']} ({p['lang']}): {p['terms']} — {p['reason']}" for p in problems)
        raise ValidationFailed(
            f"the compliance scanner blocks wording in this runbook: {listed}",
            details=problems,
            key="err.runbook_script",
            params={"where": problems[0]["where"], "terms": problems[0]["terms"]},
        )


def _clean(db: Session, workspace_id: str, data: dict[str, Any]) -> dict[str, Any]:
    severity = data.get("severity")
    if severity not in SEVERITIES:
        raise ValidationFailed(
            f"severity must be one of {', '.join(SEVERITIES)} (got {severity!r})",
            key="err.runbook_severity",
            params={"value": severity},
        )
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise ValidationFailed("a runbook needs at least one step", key="err.runbook_no_steps")
    if len(steps_raw) > MAX_STEPS:
        raise ValidationFailed(
            f"a runbook has at most {MAX_STEPS} steps", key="err.runbook_steps_max", params={"max": MAX_STEPS}
        )
    steps = [_step(s, n) for n, s in enumerate(steps_raw, start=1)]
    clean = {
        "title": _texts(data.get("title"), "title", required=True, limit=200),
        "trigger": _texts(data.get("trigger"), "trigger", required=False),
        "announcement": _texts(data.get("announcement"), "announcement", required=False),
        "severity": severity,
        "critical": bool(data.get("critical", False)),
        "steps": steps,
    }
    check_scripts(db, workspace_id, steps, clean["announcement"])
    return clean


def _describe(before: dict[str, Any], after: dict[str, Any]) -> str:
    changed = [k for k in ("title", "trigger", "announcement", "severity", "critical") if before.get(k) != after[k]]
    b_steps, a_steps = before.get("steps", []), after["steps"]
    if len(b_steps) != len(a_steps):
        changed.append(f"steps {len(b_steps)} → {len(a_steps)}")
    elif b_steps != a_steps:
        which = [str(i + 1) for i, (x, y) in enumerate(zip(b_steps, a_steps, strict=True)) if x != y]
        changed.append("step " + ", ".join(which))
    return ", ".join(changed) or "no change"


def create_runbook(db: Session, clock: Clock, workspace: Workspace, data: dict[str, Any], actor: User) -> Runbook:
    key = str(data.get("key") or "")
    if not KEY_PATTERN.match(key):
        raise ValidationFailed(
            "the key is 2-64 lower-case letters, digits or _, starting with a letter", key="err.runbook_key"
        )
    if db.scalar(select(Runbook.id).where(Runbook.workspace_id == workspace.id, Runbook.key == key)):
        raise Conflict(f'a runbook "{key}" exists already', key="err.runbook_exists", params={"key": key})
    clean = _clean(db, workspace.id, data)
    rb = Runbook(workspace_id=workspace.id, key=key, version=1, updated_at=clock.now(), updated_by=actor.id, **clean)
    db.add(rb)
    db.flush()
    _record(db, clock, rb, actor, "created")
    db.flush()
    return rb


def update_runbook(
    db: Session, clock: Clock, workspace: Workspace, key: str, data: dict[str, Any], actor: User
) -> Runbook:
    """Save a new version of the runbook (``data`` as the whole runbook); runs already open keep their copy."""
    rb = get_runbook(db, workspace.id, key)
    expected = data.get("version")
    if expected is not None and expected != rb.version:
        raise Conflict(
            f"the runbook was changed meanwhile (now version {rb.version}, you edited {expected}); reload it",
            key="err.runbook_stale",
            params={"version": rb.version},
        )
    before = _snapshot(rb)
    clean = _clean(db, workspace.id, data)
    summary = _describe(before, clean)
    if summary == "no change":
        return rb
    for name, value in clean.items():
        setattr(rb, name, value)
    rb.version += 1
    rb.updated_at = clock.now()
    rb.updated_by = actor.id
    db.flush()
    _record(db, clock, rb, actor, summary)
    db.flush()
    return rb


def runbook_dict(rb: Runbook, last_drilled_at: Any = None) -> dict[str, Any]:
    return {
        "key": rb.key,
        "title": rb.title,
        "trigger": rb.trigger,
        "announcement": rb.announcement,
        "severity": rb.severity,
        "critical": rb.critical,
        "version": rb.version,
        "updated_at": rb.updated_at.isoformat(),
        "last_drilled_at": last_drilled_at.isoformat() if last_drilled_at else None,
        "steps": [
            {
                "role": s["role"],
                "title": s["title"],
                "detail": s.get("detail", {}),
                "target_seconds": s["target_seconds"],
                "products": s.get("products", []),
                "reply_script": s.get("reply_script", {}),
            }
            for s in rb.steps
        ],
    }
