"""Reply templates (macros): per topic, in three languages, with placeholders ``{customer}``, ``{product}``,
``{order}`` and ``{tracking}``. The shipped ones come from ``data/macros.json``; a workspace's own template with
the same key replaces it. Every template is checked by the compliance scanner."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.service.models import ReplyTemplate
from livecrew.service.tickets import ReplyFlagged

DATA = Path(__file__).parent / "data" / "macros.json"
LANGS = ("zh-Hant", "zh-Hans", "en")
PLACEHOLDERS = ("customer", "product", "order", "tracking")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Macro:
    key: str
    topic: str
    titles: dict[str, str]
    bodies: dict[str, str]
    shipped: bool
    hits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # language -> compliance findings

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("zh-Hant") or self.key

    def body(self, lang: str) -> str:
        return self.bodies.get(lang) or self.bodies.get("zh-Hant") or ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "topic": self.topic,
            "titles": self.titles,
            "bodies": self.bodies,
            "shipped": self.shipped,
            "flagged": {lang: hits for lang, hits in self.hits.items() if hits},
        }


@cache
def shipped() -> tuple[dict[str, Any], ...]:
    data: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))["macros"]
    return tuple(data)


def _scan(db: Session, workspace_id: str, bodies: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    from livecrew.text.public import scan_reply

    return {lang: scan_reply(db, workspace_id, text) for lang, text in bodies.items() if text}


def macros(db: Session, workspace_id: str) -> list[Macro]:
    """The workspace's templates: shipped ones unless replaced or archived, then its own, each with its findings."""
    own = {r.key: r for r in db.scalars(select(ReplyTemplate).where(ReplyTemplate.workspace_id == workspace_id))}
    out: list[Macro] = []
    for item in shipped():
        row = own.pop(item["key"], None)
        if row is None:
            out.append(Macro(item["key"], item["topic"], dict(item["titles"]), dict(item["bodies"]), True))
        elif not row.archived:
            out.append(Macro(row.key, row.topic, dict(row.titles), dict(row.bodies), False))
    out += [Macro(r.key, r.topic, dict(r.titles), dict(r.bodies), False) for r in own.values() if not r.archived]
    for m in out:
        m.hits = _scan(db, workspace_id, m.bodies)
    return out


def get_macro(db: Session, workspace_id: str, key: str) -> Macro:
    for m in macros(db, workspace_id):
        if m.key == key:
            return m
    raise NotFound(f'no reply template "{key}"', key="err.service_macro")


def fill(text: str, values: dict[str, str | None]) -> str:
    """Put the values in; a placeholder without a value stays as it is, for the sender to fill."""

    def sub(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        return str(value) if value else m.group(0)

    return _SLOT.sub(sub, text)


def unfilled(text: str) -> list[str]:
    return [name for name in _SLOT.findall(text) if name in PLACEHOLDERS]


def save_macro(
    db: Session,
    clock: Clock,
    workspace_id: str,
    *,
    key: str,
    topic: str,
    titles: dict[str, str],
    bodies: dict[str, str],
    actor_id: str | None,
    confirm: bool = False,
) -> Macro:
    """Add or replace a template. Wording the compliance scanner flags needs ``confirm``."""
    key = key.strip().lower()
    if not _KEY.match(key):
        raise ValidationFailed(
            "a template key is lower-case letters, digits, - and _ (up to 64)", key="err.service_macro_key"
        )
    bodies = {lang: (bodies.get(lang) or "").strip() for lang in LANGS}
    titles = {lang: (titles.get(lang) or "").strip()[:120] for lang in LANGS}
    if not any(bodies.values()):
        raise ValidationFailed("write the template's text in at least one language", key="err.service_empty")
    for lang, text in bodies.items():
        bad = [name for name in _SLOT.findall(text) if name not in PLACEHOLDERS]
        if bad:
            raise ValidationFailed(
                f"unknown placeholder {{{bad[0]}}} ({lang}); use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                key="err.service_placeholder",
                params={"name": bad[0]},
            )
    hits = _scan(db, workspace_id, bodies)
    flagged = [h for found in hits.values() for h in found]
    if flagged and not confirm:
        terms = "、".join(dict.fromkeys(h["term"] for h in flagged))
        raise ReplyFlagged(
            f"the template holds wording the compliance check flags ({terms}); change it, or save it confirming",
            details={"hits": hits},
            key="err.service_flagged",
            params={"terms": terms},
        )
    row = db.scalar(select(ReplyTemplate).where(ReplyTemplate.workspace_id == workspace_id, ReplyTemplate.key == key))
    if row is None:
        row = ReplyTemplate(workspace_id=workspace_id, key=key)
        db.add(row)
    row.topic = (topic or "other").strip()[:20] or "other"
    row.titles, row.bodies, row.archived = titles, bodies, False
    row.updated_at, row.updated_by = clock.now(), actor_id
    db.flush()
    return get_macro(db, workspace_id, key)


def archive_macro(db: Session, clock: Clock, workspace_id: str, key: str, *, actor_id: str | None) -> None:
    m = get_macro(db, workspace_id, key)
    row = db.scalar(select(ReplyTemplate).where(ReplyTemplate.workspace_id == workspace_id, ReplyTemplate.key == key))
    if row is None:
        row = ReplyTemplate(workspace_id=workspace_id, key=key, topic=m.topic, titles=m.titles, bodies=m.bodies)
        db.add(row)
    row.archived, row.updated_at, row.updated_by = True, clock.now(), actor_id
    db.flush()
