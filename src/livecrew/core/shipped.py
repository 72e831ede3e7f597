"""Built-in text in the reader's language, a team's own text as typed.

livecrew ships content in three languages (duties, show templates with their run of show and checklists, KPI
names, the demo's tasks...). A workspace stores one copy of it, in the language it was made in. A field whose
stored text is still one of the shipped texts (in any of the three languages) is *unedited*: it reads in the
reader's language. Once a team types its own text, that text is kept and shown as typed.

A feature registers which columns of which model hold shipped text, and the index of its shipped texts
(:func:`index_of` builds it from the feature's data file). When a row is loaded by a session that knows its
reader's language (:func:`set_reader_language`, done where the request's principal is resolved), each
registered field is swapped for the reader's version with ``set_committed_value``: the row is not dirty, so
nothing is written back, and a later save of an unedited field stores another shipped text, still unedited.
JSON columns (a run of show, a checklist) are walked: every string in them that is a shipped text is swapped.
Jobs and the command line set no language and see the stored text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from livecrew.core.config import LANGUAGES

READER_LANGUAGE = "livecrew.reader_language"
# Keys of JSON objects that hold codes, never shipped text: left alone when a JSON column is walked.
_CODE_KEYS = frozenset({"key", "kind", "role", "cue_role", "metric", "unit", "direction", "source", "status"})

Index = Mapping[str, Mapping[str, str]]


def set_reader_language(db: Session, language: str | None) -> None:
    """Rows this session loads from now on show shipped text in ``language`` (None: as stored)."""
    if language in LANGUAGES:
        db.info[READER_LANGUAGE] = language
    else:
        db.info.pop(READER_LANGUAGE, None)


def reader_language(db: Session) -> str | None:
    value = db.info.get(READER_LANGUAGE)
    return value if isinstance(value, str) else None


def match_accept_language(header: str | None) -> str | None:
    """The best of our languages for an Accept-Language header, or None."""
    if not header:
        return None
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, index, tag.strip().lower()))
    for _q, _i, tag in sorted(weighted):
        if tag.startswith("zh"):
            if any(x in tag for x in ("hans", "-cn", "-sg", "-my")):
                return "zh-Hans"
            return "zh-Hant"
        if tag.startswith("en"):
            return "en"
    return None


def is_texts(value: Any) -> bool:
    """A {language: text} mapping, as the data files write a text in three languages."""
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= set(LANGUAGES)
        and all(isinstance(v, str) for v in value.values())
    )


def index_of(*data: Any) -> dict[str, dict[str, str]]:
    """Every text variant in ``data`` (data files' JSON, walked) mapped to its three languages.

    When two shipped texts share a variant (the same words in one language, different in another), the first
    one wins; a test keeps the shipped files free of such clashes."""
    index: dict[str, dict[str, str]] = {}

    def walk(node: Any) -> None:
        if is_texts(node):
            for text in node.values():
                if text.strip():
                    index.setdefault(text, node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    for item in data:
        walk(item)
    return index


def translate(value: Any, index: Index, language: str) -> Any:
    """``value`` with every shipped text in ``language``; the same object when nothing changed."""
    if isinstance(value, str):
        texts = index.get(value)
        if texts is None:
            return value
        wanted = texts.get(language)
        return wanted if wanted and wanted != value else value  # already in that language: the same object
    if isinstance(value, list):
        items = [translate(v, index, language) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for k, v in value.items():
            new = v if k in _CODE_KEYS else translate(v, index, language)
            changed = changed or new is not v
            out[k] = new
        return out if changed else value
    return value


def register(model: type, fields: Iterable[str], index: Index | Any) -> None:
    """Show ``model``'s ``fields`` in the reader's language while they hold shipped text.

    ``index`` is an :func:`index_of` mapping, or a callable returning one (built when first needed)."""
    names = tuple(fields)
    cached: list[Index] = []

    def the_index() -> Index:
        if not cached:
            cached.append(index() if callable(index) else index)
        return cached[0]

    def localise(target: Any, session: Session | None) -> None:
        language = reader_language(session) if session is not None else None
        if language is None:
            return
        state = target.__dict__
        for name in names:
            if name not in state:
                continue
            value = state[name]
            new = translate(value, the_index(), language)
            if new is not value:
                set_committed_value(target, name, new)

    def on_load(target: Any, context: Any) -> None:
        localise(target, context.session)

    def on_refresh(target: Any, context: Any, attrs: Any) -> None:
        localise(target, context.session)

    event.listen(model, "load", on_load)
    event.listen(model, "refresh", on_refresh)


def localise_value(db: Session, value: Any, index: Index) -> Any:
    """A value read outside the ORM's rows (a column selected on its own), in the session's reader language."""
    language = reader_language(db)
    return translate(value, index, language) if language else value
