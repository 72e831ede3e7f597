"""A workspace's compliance lexicon: the shipped lexicon with the workspace's changes folded in version order.

Each change is one ``LexiconChange`` row (add a term, remove a term, allow a word, unallow a word, revert to an
earlier version). The state after version *n* is the shipped lexicon with changes 1..n applied; a revert replaces
the state with the state after its target version (0 is the shipped lexicon), so history is never rewritten.

Terms are compared by their scan key (``term_key``: folded, noise removed, repeats collapsed), so 最好 and 最好
written in Simplified, full-width or with spaces are the same term.

Scanning asks ``lexicon_for(db, workspace_id)``: one indexed query for the newest version, then the compiled
``Lexicon`` comes from an in-process cache keyed by (workspace, version, change id), so a change takes effect on
the next scan and the ~30 ms compile happens once per version and process. Services flush; callers commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import clock_of
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.core.ids import new_id
from livecrew.text.compliance import (
    AUDIENCE_CATEGORIES,
    CATEGORIES,
    LANGUAGES,
    PROFILES,
    SEVERITIES,
    Lexicon,
    default_lexicon,
    shipped_data,
    term_key,
)
from livecrew.text.models import ChangeAction, LexiconChange

MAX_TERM = 40
MAX_REASON = 500
MAX_NOTE = 500
MAX_PER_PAGE = 200
KINDS = ("term", "pattern", "allow")
SOURCES = ("shipped", "workspace")

# The reason a hit shows when whoever added the term gave none.
DEFAULT_REASONS: dict[str, dict[str, str]] = {
    "zh-Hant": {
        "absolute": "本團隊詞庫：絕對化用語，請改說具體事實。",
        "medical": "本團隊詞庫：非藥品不可宣稱療效。",
        "false_promise": "本團隊詞庫：做不到的保證，請拿掉。",
        "price": "本團隊詞庫：價格說法可能誤導。",
        "inducement": "本團隊詞庫：平台不允許的誘導說法。",
        "diversion": "本團隊詞庫：把買家帶離平台。",
        "abuse": "本團隊詞庫：辱罵或不當用語。",
    },
    "zh-Hans": {
        "absolute": "本团队词库：绝对化用语，请改说具体事实。",
        "medical": "本团队词库：非药品不可宣称疗效。",
        "false_promise": "本团队词库：做不到的保证，请拿掉。",
        "price": "本团队词库：价格说法可能误导。",
        "inducement": "本团队词库：平台不允许的诱导说法。",
        "diversion": "本团队词库：把买家带离平台。",
        "abuse": "本团队词库：辱骂或不当用语。",
    },
    "en": {
        "absolute": "Team lexicon: an absolute claim; say the concrete fact instead.",
        "medical": "Team lexicon: a non-drug product may not claim to treat anything.",
        "false_promise": "Team lexicon: a guarantee that cannot be kept; drop it.",
        "price": "Team lexicon: a price claim that may mislead.",
        "inducement": "Team lexicon: inducement the platform does not allow.",
        "diversion": "Team lexicon: takes buyers off the platform.",
        "abuse": "Team lexicon: abuse or an insult.",
    },
}


# ------------------------------------------------------------------ folding


@dataclass(frozen=True)
class Added:
    """A term the workspace added."""

    term: str
    category: str
    severity: str
    profiles: tuple[str, ...]
    languages: tuple[str, ...]
    reason: str
    version: int


@dataclass
class State:
    """What a workspace changed, keyed by ``term_key``: the result of folding its changes."""

    version: int = 0
    added: dict[str, Added] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)  # shipped term → the version that removed it
    allowed: dict[str, tuple[str, int]] = field(default_factory=dict)  # allow-word → (as written, version)
    unallowed: dict[str, int] = field(default_factory=dict)  # shipped allow-word → the version that removed it
    # (allow-word key, term key) → (allow-word as written, term as written, version): protects that term only
    allowed_for: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)

    def copy(self) -> State:
        return State(
            self.version,
            dict(self.added),
            dict(self.removed),
            dict(self.allowed),
            dict(self.unallowed),
            dict(self.allowed_for),
        )


@dataclass(frozen=True)
class ShippedTerm:
    key: str
    term: str
    kind: str  # "term" or "pattern"
    entry_id: str
    category: str
    severity: str
    profiles: tuple[str, ...]
    languages: tuple[str, ...]
    reason: Mapping[str, str]


@dataclass(frozen=True)
class Shipped:
    terms: dict[str, ShippedTerm]
    allow: dict[str, str]  # key → the allow-word as written


_SHIPPED: Shipped | None = None


def shipped() -> Shipped:
    """The shipped lexicon indexed by term key (built once per process)."""
    global _SHIPPED
    if _SHIPPED is None:
        doc = shipped_data()
        terms: dict[str, ShippedTerm] = {}
        for raw in doc.get("entries", []):
            reason = raw.get("reason", "")
            reasons = {lang: reason for lang in LANGUAGES} if isinstance(reason, str) else dict(reason)
            category = raw["category"]
            default_profiles = ["host", "audience"] if category in AUDIENCE_CATEGORIES else ["host"]
            by_lang: list[tuple[str, str]] = []
            if raw.get("term"):
                by_lang.append((raw["term"], ""))
            for lang in LANGUAGES:
                by_lang.extend((s, lang) for s in (raw.get("terms") or {}).get(lang, []))
            for spelling, lang in by_lang:
                key = term_key(spelling)
                known = terms.get(key)
                if known is not None:
                    if lang and lang not in known.languages and known.entry_id == raw["id"]:
                        terms[key] = replace(known, languages=(*known.languages, lang))
                    continue
                terms[key] = ShippedTerm(
                    key,
                    spelling,
                    "term",
                    str(raw["id"]),
                    category,
                    str(raw.get("severity", "warn")),
                    tuple(raw.get("profiles", default_profiles)),
                    (lang,) if lang else (),
                    reasons,
                )
        for raw in doc.get("patterns", []):
            key = term_key(str(raw["term"]))
            reason = raw.get("reason", "")
            terms.setdefault(
                key,
                ShippedTerm(
                    key,
                    str(raw["term"]),
                    "pattern",
                    str(raw["id"]),
                    raw["category"],
                    str(raw.get("severity", "block")),
                    tuple(raw.get("profiles", PROFILES)),
                    (),
                    {lang: reason for lang in LANGUAGES} if isinstance(reason, str) else dict(reason),
                ),
            )
        allow = {term_key(w): w for w in doc.get("allow", [])}
        _SHIPPED = Shipped(terms, allow)
    return _SHIPPED


def _apply(state: State, change: LexiconChange, snapshots: Mapping[int, State]) -> State:
    key = term_key(change.term) if change.term else ""
    base = shipped()
    if change.action == ChangeAction.revert:
        target = snapshots.get(change.target_version or 0, State())
        state = target.copy()
    elif change.action == ChangeAction.add:
        state.added[key] = Added(
            change.term,
            change.category or "absolute",
            change.severity or "warn",
            tuple(change.profiles or ()),
            tuple(change.languages or ()),
            change.reason,
            change.version,
        )
    elif change.action == ChangeAction.remove:
        if key in state.added:
            del state.added[key]
        elif key in base.terms:
            state.removed[key] = change.version
    elif change.action == ChangeAction.allow and change.applies_to:
        state.allowed_for[(key, term_key(change.applies_to))] = (change.term, change.applies_to, change.version)
    elif change.action == ChangeAction.unallow and change.applies_to:
        state.allowed_for.pop((key, term_key(change.applies_to)), None)
    elif change.action == ChangeAction.allow:
        if key in base.allow:
            state.unallowed.pop(key, None)
        else:
            state.allowed[key] = (change.term, change.version)
    elif change.action == ChangeAction.unallow:
        if key in state.allowed:
            del state.allowed[key]
        elif key in base.allow:
            state.unallowed[key] = change.version
    state.version = change.version
    return state


def fold(changes: Sequence[LexiconChange]) -> State:
    """The state after every change, changes given in version order."""
    targets = {c.target_version or 0 for c in changes if c.action == ChangeAction.revert}
    snapshots: dict[int, State] = {0: State()}
    state = State()
    for change in changes:
        state = _apply(state, change, snapshots)
        if change.version in targets:
            snapshots[change.version] = state.copy()
    return state


def build(state: State) -> Lexicon:
    """Compile a folded state into a ``Lexicon`` (the expensive part; cached by ``lexicon_for``)."""
    base = shipped()
    doc = dict(shipped_data())
    doc["allow"] = [w for k, w in base.allow.items() if k not in state.unallowed]
    removes = [base.terms[k].term for k in state.removed if k in base.terms]
    # An added term that a later shipped lexicon also has: the workspace's version wins.
    removes += [base.terms[k].term for k in state.added if k in base.terms and k not in state.removed]
    added = [
        {
            "id": f"ws:{key}",
            "term": a.term,
            "category": a.category,
            "severity": a.severity,
            "profiles": list(a.profiles),
            "reason": {lang: a.reason or DEFAULT_REASONS[lang][a.category] for lang in LANGUAGES},
        }
        for key, a in state.added.items()
    ]
    allow = [word for word, _v in state.allowed.values()]
    allow_for: dict[str, list[str]] = {}
    for word, term, _v in state.allowed_for.values():
        allow_for.setdefault(term, []).append(word)
    return Lexicon.load({"add": added, "remove": removes, "allow": allow, "allow_for": allow_for}, data=doc)


# ------------------------------------------------------------------ the compiled lexicon per workspace

_CACHE: OrderedDict[tuple[str, int, str], Lexicon] = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 64


# Built once: every ingest batch with comments asks for the head version.
_HEAD = (
    select(LexiconChange.version, LexiconChange.id)
    .where(LexiconChange.workspace_id == bindparam("workspace"))
    .order_by(LexiconChange.version.desc())
    .limit(1)
)


def lexicon_for(db: Session, workspace_id: str) -> Lexicon:
    """The workspace's effective lexicon, compiled once per (workspace, version) in this process."""
    head = db.execute(_HEAD, {"workspace": workspace_id}).first()
    if head is None:
        return default_lexicon()
    key = (workspace_id, int(head[0]), str(head[1]))
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    lexicon = build(fold(_changes(db, workspace_id)))
    with _LOCK:
        _CACHE[key] = lexicon
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return lexicon


def _changes(db: Session, workspace_id: str) -> list[LexiconChange]:
    stmt = select(LexiconChange).where(LexiconChange.workspace_id == workspace_id).order_by(LexiconChange.version)
    return list(db.scalars(stmt).all())


def state_of(db: Session, workspace: Workspace) -> State:
    return fold(_changes(db, workspace.id))


def current_version(db: Session, workspace: Workspace) -> int:
    return int(
        db.scalar(select(func.max(LexiconChange.version)).where(LexiconChange.workspace_id == workspace.id)) or 0
    )


# ------------------------------------------------------------------ the effective lexicon, as rows


@dataclass(frozen=True)
class Item:
    """One row of the effective lexicon."""

    term: str
    kind: str  # "term", "pattern" (a shipped regular expression: phone numbers, links ...) or "allow"
    source: str  # "shipped" or "workspace"
    category: str | None = None
    severity: str | None = None
    profiles: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    reason: str = ""
    version: int | None = None  # the version that added it (workspace rows)
    entry_id: str | None = None
    applies_to: str | None = None  # an allow-word of one term: that term (None: every term)

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "kind": self.kind,
            "source": self.source,
            "category": self.category,
            "severity": self.severity,
            "profiles": list(self.profiles),
            "languages": list(self.languages),
            "reason": self.reason,
            "version": self.version,
            "entry_id": self.entry_id,
            "applies_to": self.applies_to,
        }


def items(state: State, lang: str = "zh-Hant") -> list[Item]:
    """Every effective term, then every allow-word: the workspace's own first (by version), then the shipped ones
    (in file order)."""
    base = shipped()
    out: list[Item] = []
    for a in state.added.values():
        reason = a.reason or DEFAULT_REASONS.get(lang, DEFAULT_REASONS["en"])[a.category]
        out.append(
            Item(a.term, "term", "workspace", a.category, a.severity, a.profiles, a.languages, reason, a.version)
        )
    for key, s in base.terms.items():
        if key in state.removed or key in state.added:
            continue
        reason = s.reason.get(lang) or s.reason.get("zh-Hant") or ""
        out.append(
            Item(s.term, s.kind, "shipped", s.category, s.severity, s.profiles, s.languages, reason, None, s.entry_id)
        )
    out += [Item(w, "allow", "workspace", version=v) for w, v in state.allowed.values()]
    out += [Item(w, "allow", "workspace", version=v, applies_to=t) for w, t, v in state.allowed_for.values()]
    out += [Item(w, "allow", "shipped") for k, w in base.allow.items() if k not in state.unallowed]
    return out


@dataclass(frozen=True)
class Page:
    version: int
    total: int
    page: int
    per_page: int
    items: list[Item]


def list_items(
    db: Session,
    workspace: Workspace,
    *,
    category: str | None = None,
    profile: str | None = None,
    q: str | None = None,
    source: str | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
    lang: str = "zh-Hant",
) -> Page:
    """The effective lexicon filtered (category, profile, source, kind, text in the term or reason) and paged."""
    for value, allowed, name in (
        (category, CATEGORIES, "category"),
        (profile, PROFILES, "profile"),
        (source, SOURCES, "source"),
        (kind, KINDS, "kind"),
    ):
        if value and value not in allowed:
            raise ValidationFailed(
                f'{name} must be one of {", ".join(allowed)} (got "{value}")',
                key="err.lexicon_choice",
                params={"field": name, "value": value, "choices": ", ".join(allowed)},
            )
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    state = state_of(db, workspace)
    rows = items(state, lang)
    if category:
        rows = [r for r in rows if r.category == category]
    if profile:
        rows = [r for r in rows if r.kind == "allow" or profile in r.profiles]
    if source:
        rows = [r for r in rows if r.source == source]
    if kind:
        rows = [r for r in rows if r.kind == kind]
    if q and q.strip():
        needle, key = q.strip().lower(), term_key(q)
        rows = [r for r in rows if needle in r.term.lower() or (key and key in term_key(r.term)) or needle in r.reason]
    start = (page - 1) * per_page
    return Page(state.version, len(rows), page, per_page, rows[start : start + per_page])


# ------------------------------------------------------------------ changes


def _lock(db: Session, workspace: Workspace) -> None:
    """Changes of one workspace one at a time: a no-op write to the workspace's row takes PostgreSQL's row lock
    and SQLite's write lock before the state and the next version number are read, so parallel edits queue up
    instead of reading the same head version (8 parallel adds gave 8 × version n+1 and 7 unique violations on
    SQLite, where the SELECT ... FOR UPDATE this replaced locks nothing)."""
    db.execute(update(Workspace).where(Workspace.id == workspace.id).values(name=Workspace.name))


def _text(value: str | None, name: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(f"{name} is empty", key="err.lexicon_empty", params={"field": name})
    if len(text) > limit:
        raise ValidationFailed(
            f"{name} is longer than {limit} characters",
            key="err.lexicon_too_long",
            params={"field": name, "max": limit},
        )
    return text


def _word(value: str | None, name: str = "term") -> tuple[str, str]:
    text = _text(value, name, MAX_TERM)
    key = term_key(text)
    if not key:
        raise ValidationFailed(
            f'"{text}" has no letters, digits or characters to match', key="err.lexicon_empty", params={"field": name}
        )
    return text, key


def _choice(value: str, choices: Sequence[str], name: str) -> str:
    if value not in choices:
        raise ValidationFailed(
            f'{name} must be one of {", ".join(choices)} (got "{value}")',
            key="err.lexicon_choice",
            params={"field": name, "value": value, "choices": ", ".join(choices)},
        )
    return value


def _guess_languages(term: str) -> list[str]:
    if any("\u3400" <= ch <= "\u9fff" for ch in term):
        return ["zh-Hant", "zh-Hans"]
    return ["en"]


def _record(
    db: Session,
    workspace: Workspace,
    action: ChangeAction,
    actor: User | None,
    note: str | None,
    **values: Any,
) -> LexiconChange:
    change = LexiconChange(
        id=new_id("lx_"),
        workspace_id=workspace.id,
        version=current_version(db, workspace) + 1,
        action=action.value,
        note=_text(note, "note", MAX_NOTE, required=False),
        actor_id=actor.id if actor is not None else None,
        created_at=clock_of(db).now(),
        **values,
    )
    db.add(change)
    db.flush()
    return change


def add_term(
    db: Session,
    workspace: Workspace,
    *,
    term: str,
    category: str,
    severity: str = "warn",
    profiles: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    reason: str = "",
    note: str = "",
    actor: User | None = None,
) -> LexiconChange:
    """Add a term; refused when it is empty, too long, already in the lexicon or an allow-word."""
    text, key = _word(term)
    _choice(category, CATEGORIES, "category")
    _choice(severity, SEVERITIES, "severity")
    chosen = list(dict.fromkeys(profiles or ())) or (
        ["host", "audience"] if category in AUDIENCE_CATEGORIES else ["host"]
    )
    for profile in chosen:
        _choice(profile, PROFILES, "profile")
    langs = list(dict.fromkeys(languages or ())) or _guess_languages(text)
    for lang in langs:
        _choice(lang, LANGUAGES, "language")
    why = _text(reason, "reason", MAX_REASON, required=False)
    _lock(db, workspace)
    state = state_of(db, workspace)
    base = shipped()
    if key in state.added or (key in base.terms and key not in state.removed):
        source = "workspace" if key in state.added else "shipped"
        raise Conflict(
            f'"{text}" is already in the lexicon ({source})',
            key="err.lexicon_duplicate",
            params={"term": text, "source": source},
        )
    if key in state.allowed or (key in base.allow and key not in state.unallowed):
        raise Conflict(
            f'"{text}" is an allow-word; remove the allow-word first',
            key="err.lexicon_is_allowed",
            params={"term": text},
        )
    return _record(
        db,
        workspace,
        ChangeAction.add,
        actor,
        note,
        term=text,
        category=category,
        severity=severity,
        profiles=chosen,
        languages=langs,
        reason=why,
    )


def remove_term(
    db: Session, workspace: Workspace, term: str, *, note: str = "", actor: User | None = None
) -> LexiconChange:
    """Take a term (shipped or added) out of the workspace's lexicon."""
    text, key = _word(term)
    _lock(db, workspace)
    state = state_of(db, workspace)
    base = shipped()
    if key in state.added:
        written = state.added[key].term
    elif key in base.terms and key not in state.removed:
        written = base.terms[key].term
    else:
        raise NotFound(f'"{text}" is not in the lexicon', key="err.lexicon_not_found", params={"term": text})
    return _record(db, workspace, ChangeAction.remove, actor, note, term=written)


def _effective_term(state: State, term: str) -> str:
    """The term as the lexicon writes it, or NotFound: an allow-word of one term needs that term."""
    text, key = _word(term, "applies_to")
    if key in state.added:
        return state.added[key].term
    base = shipped()
    if key in base.terms and key not in state.removed:
        return base.terms[key].term
    raise NotFound(f'"{text}" is not in the lexicon', key="err.lexicon_not_found", params={"term": text})


def allow_word(
    db: Session,
    workspace: Workspace,
    word: str,
    *,
    applies_to: str | None = None,
    note: str = "",
    actor: User | None = None,
) -> LexiconChange:
    """Add an allow-word: text it covers is never flagged (e.g. 最後 inside 最後一輪). With ``applies_to`` it
    protects that one term only (e.g. 神器級 keeps 神器 quiet but not a 級神 found in it)."""
    text, key = _word(word, "word")
    _lock(db, workspace)
    state = state_of(db, workspace)
    if applies_to and applies_to.strip():
        term = _effective_term(state, applies_to)
        if (key, term_key(term)) in state.allowed_for:
            raise Conflict(
                f'"{text}" is already an allow-word of "{term}"',
                key="err.lexicon_allow_duplicate",
                params={"term": text},
            )
        return _record(db, workspace, ChangeAction.allow, actor, note, term=text, applies_to=term)
    base = shipped()
    if key in state.allowed or (key in base.allow and key not in state.unallowed):
        raise Conflict(f'"{text}" is already an allow-word', key="err.lexicon_allow_duplicate", params={"term": text})
    return _record(db, workspace, ChangeAction.allow, actor, note, term=text)


def unallow_word(
    db: Session,
    workspace: Workspace,
    word: str,
    *,
    applies_to: str | None = None,
    note: str = "",
    actor: User | None = None,
) -> LexiconChange:
    """Remove an allow-word (shipped or added; with ``applies_to``, the allow-word of that one term)."""
    text, key = _word(word, "word")
    _lock(db, workspace)
    state = state_of(db, workspace)
    if applies_to and applies_to.strip():
        _t, tkey = _word(applies_to, "applies_to")
        found = state.allowed_for.get((key, tkey))
        if found is None:
            raise NotFound(
                f'"{text}" is not an allow-word of "{applies_to.strip()}"',
                key="err.lexicon_allow_not_found",
                params={"term": text},
            )
        return _record(db, workspace, ChangeAction.unallow, actor, note, term=found[0], applies_to=found[1])
    base = shipped()
    if key in state.allowed:
        written = state.allowed[key][0]
    elif key in base.allow and key not in state.unallowed:
        written = base.allow[key]
    else:
        raise NotFound(f'"{text}" is not an allow-word', key="err.lexicon_allow_not_found", params={"term": text})
    return _record(db, workspace, ChangeAction.unallow, actor, note, term=written)


def revert(
    db: Session, workspace: Workspace, version: int, *, note: str = "", actor: User | None = None
) -> LexiconChange:
    """A new version whose lexicon is the one after ``version`` (0: the shipped lexicon)."""
    _lock(db, workspace)
    current = current_version(db, workspace)
    if version < 0 or version > current:
        raise NotFound(
            f"there is no version {version} (the lexicon is at version {current})",
            key="err.lexicon_no_version",
            params={"version": version, "current": current},
        )
    if version == current:
        raise Conflict(
            f"the lexicon is already at version {version}",
            key="err.lexicon_revert_current",
            params={"version": version},
        )
    return _record(db, workspace, ChangeAction.revert, actor, note, target_version=version)


@dataclass(frozen=True)
class HistoryRow:
    change: LexiconChange
    actor_name: str | None

    def to_dict(self) -> dict[str, Any]:
        c = self.change
        return {
            "id": c.id,
            "version": c.version,
            "action": c.action,
            "term": c.term or None,
            "category": c.category,
            "severity": c.severity,
            "profiles": list(c.profiles or []),
            "languages": list(c.languages or []),
            "reason": c.reason,
            "target_version": c.target_version,
            "applies_to": c.applies_to or None,
            "note": c.note,
            "actor_id": c.actor_id,
            "actor_name": self.actor_name,
            "created_at": c.created_at,
        }


def history(db: Session, workspace: Workspace, *, limit: int = 50, before: int | None = None) -> list[HistoryRow]:
    """The workspace's changes, newest first (``before``: only versions below it, for paging)."""
    stmt = (
        select(LexiconChange, User.display_name)
        .outerjoin(User, User.id == LexiconChange.actor_id)
        .where(LexiconChange.workspace_id == workspace.id)
        .order_by(LexiconChange.version.desc())
        .limit(min(max(1, limit), MAX_PER_PAGE))
    )
    if before is not None:
        stmt = stmt.where(LexiconChange.version < before)
    return [HistoryRow(change, name) for change, name in db.execute(stmt).all()]
