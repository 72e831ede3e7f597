"""The case library (沉澱案例): a show, a range of its minutes or an incident kept with tags and a note."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.review.models import CaseKind, ReviewCase
from livecrew.shows import public as shows

MAX_TAGS = 12


def _tags(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace("，", ",").replace("、", ",").split(",")
    tags: list[str] = []
    for tag in raw or []:
        clean = " ".join(str(tag).split()).lower()
        if clean and clean not in tags:
            if len(clean) > 40:
                raise ValidationFailed(f'the tag "{clean[:40]}…" is longer than 40 characters', key="review.err.tag")
            tags.append(clean)
    if len(tags) > MAX_TAGS:
        raise ValidationFailed(f"at most {MAX_TAGS} tags", key="review.err.tags")
    return tags


def case_out(c: ReviewCase) -> dict[str, Any]:
    return {
        "id": c.id,
        "show_id": c.show_id,
        "kind": c.kind,
        "title": c.title,
        "minute_from": c.minute_from,
        "minute_to": c.minute_to,
        "incident_ref": c.incident_ref,
        "tags": list(c.tags or []),
        "note": c.note,
        "created_at": c.created_at.isoformat(),
    }


def add_case(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    show_id: str,
    *,
    kind: str = CaseKind.show.value,
    title: str = "",
    minute_from: int | None = None,
    minute_to: int | None = None,
    incident_ref: str | None = None,
    tags: Any = None,
    note: str = "",
    actor: User | None = None,
) -> dict[str, Any]:
    info = shows.show_details(db, workspace.id, show_id)
    if info is None:
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show", params={"id": show_id})
    if kind not in CaseKind.__members__:
        raise ValidationFailed(f'unknown case kind "{kind}"; use show, minutes or incident', key="review.err.case_kind")
    if kind == CaseKind.minutes:
        if minute_from is None or minute_to is None or minute_from < 0 or minute_to < minute_from:
            raise ValidationFailed(
                "a minute range needs a first and a last minute (first ≤ last, from 0)", key="review.err.minutes"
            )
    else:
        minute_from = minute_to = None
    if kind == CaseKind.incident and not (incident_ref or "").strip():
        raise ValidationFailed("an incident case names the incident or alert", key="review.err.incident")
    row = ReviewCase(
        workspace_id=workspace.id,
        show_id=show_id,
        kind=kind,
        title=(" ".join(title.split()) or info["title"])[:200],
        minute_from=minute_from,
        minute_to=minute_to,
        incident_ref=(incident_ref or "").strip()[:64] or None,
        tags=_tags(tags),
        note=(note or "").strip()[:5000],
        created_by=actor.id if actor else None,
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    return case_out(row)


def list_cases(
    db: Session, workspace: Workspace, *, q: str = "", tag: str = "", kind: str = "", show_id: str = ""
) -> list[dict[str, Any]]:
    stmt = select(ReviewCase).where(ReviewCase.workspace_id == workspace.id)
    if kind:
        stmt = stmt.where(ReviewCase.kind == kind)
    if show_id:
        stmt = stmt.where(ReviewCase.show_id == show_id)
    rows = db.scalars(stmt.order_by(ReviewCase.created_at.desc(), ReviewCase.id.desc())).all()
    needle = q.strip().lower()
    wanted = tag.strip().lower()
    out = []
    for c in rows:
        if wanted and wanted not in (c.tags or []):
            continue
        if needle and needle not in f"{c.title}\n{c.note}\n{' '.join(c.tags or [])}".lower():
            continue
        out.append(case_out(c))
    return out


def similar(
    db: Session, workspace: Workspace, show_id: str, rule_keys: list[str], limit: int = 5
) -> list[dict[str, Any]]:
    """Past cases of other shows sharing a tag with this show's cases or its diagnosis (rule keys are tags too)."""
    mine = db.scalars(select(ReviewCase).where(ReviewCase.show_id == show_id)).all()
    tags = {t for c in mine for t in (c.tags or [])} | {k.lower() for k in rule_keys}
    if not tags:
        return []
    rows = db.scalars(
        select(ReviewCase)
        .where(ReviewCase.workspace_id == workspace.id, ReviewCase.show_id != show_id)
        .order_by(ReviewCase.created_at.desc())
        .limit(500)
    ).all()
    scored = []
    for c in rows:
        shared = tags & set(c.tags or [])
        if shared:
            scored.append((len(shared), c, sorted(shared)))
    scored.sort(key=lambda s: -s[0])
    return [{**case_out(c), "shared_tags": shared} for _n, c, shared in scored[:limit]]
