"""Text API: compliance scan (with the caller's workspace lexicon) and comment triage, for one text or a batch;
any signed-in member may call them. The workspace lexicon: its effective terms and its history (workspace view),
and its changes: add, remove, allow, unallow, revert (``compliance.edit``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, api_principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.deps import UnitOfWorkRoute, get_db
from livecrew.text import lexicon
from livecrew.text.compliance import CATEGORIES, SEVERITIES
from livecrew.text.lexicon import lexicon_for
from livecrew.text.models import LexiconChange
from livecrew.text.triage import triage

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/text", tags=["text"])

MAX_TEXTS = 1000
MAX_CHARS = 10_000
Member = Annotated[Principal, Depends(api_principal)]
Text = Annotated[str, Field(max_length=MAX_CHARS)]


class TextsIn(BaseModel):
    """Either ``text`` (one) or ``texts`` (a batch of up to 1000), not both."""

    model_config = ConfigDict(extra="forbid")

    text: Text | None = None
    texts: Annotated[list[Text], Field(max_length=MAX_TEXTS)] | None = None

    @model_validator(mode="after")
    def one_or_many(self) -> TextsIn:
        if (self.text is None) == (self.texts is None):
            raise ValueError('send either "text" (one string) or "texts" (a list of strings), not both')
        return self

    def items(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class ScanIn(TextsIn):
    profile: Literal["host", "audience"] = "host"
    lang: Literal["zh-Hant", "zh-Hans", "en"] = "zh-Hant"


class HitOut(BaseModel):
    start: int
    end: int
    term: str
    category: str
    severity: str
    reason: str


class ScanOut(BaseModel):
    hits: list[HitOut]


class ScanBatchOut(BaseModel):
    results: list[ScanOut]


class TriageOut(BaseModel):
    label: str
    topic: str | None
    why: str


class TriageBatchOut(BaseModel):
    results: list[TriageOut]


@router.post(
    "/scan",
    response_model=ScanOut | ScanBatchOut,
    summary="Compliance scan: hits with offsets into the text as given (one `text`, or `texts` for a batch)",
)
def post_scan(body: ScanIn, principal: Member, db: Annotated[Session, Depends(get_db)]) -> dict[str, Any]:
    lexicon = lexicon_for(db, principal.workspace.id)
    results = [{"hits": [h.to_dict() for h in lexicon.scan(t, body.profile, body.lang)]} for t in body.items()]
    return results[0] if body.text is not None else {"results": results}


@router.post(
    "/triage",
    response_model=TriageOut | TriageBatchOut,
    summary="Comment triage: label, topic and why (one `text`, or `texts` for a batch)",
)
def post_triage(body: TextsIn, principal: Member) -> dict[str, Any]:
    results = [triage(t).to_dict() for t in body.items()]
    return results[0] if body.text is not None else {"results": results}


# ------------------------------------------------------------------ the workspace lexicon

Db = Annotated[Session, Depends(get_db)]
LexiconViewer = Annotated[Principal, Depends(require(Action.workspace_view))]
LexiconEditor = Annotated[Principal, Depends(require(Action.compliance_edit))]
Word = Annotated[str, Field(max_length=lexicon.MAX_TERM * 4, description="a term or allow-word, as written")]
Note = Annotated[str, Field(max_length=lexicon.MAX_NOTE, description="why (shown in the history)")]


class LexiconItemOut(BaseModel):
    term: str
    kind: Literal["term", "pattern", "allow"]
    source: Literal["shipped", "workspace"]
    category: str | None
    severity: str | None
    profiles: list[str]
    languages: list[str]
    reason: str
    version: int | None = Field(description="the version that added it (workspace rows)")
    entry_id: str | None = Field(description="the shipped entry it belongs to")
    applies_to: str | None = Field(default=None, description="an allow-word of one term: that term")


class LexiconPageOut(BaseModel):
    version: int = Field(description="the workspace lexicon's version (0: the shipped lexicon, unchanged)")
    total: int
    page: int
    per_page: int
    items: list[LexiconItemOut]


class ChangeOut(BaseModel):
    id: str
    version: int
    action: Literal["add", "remove", "allow", "unallow", "revert"]
    term: str | None
    category: str | None
    severity: str | None
    profiles: list[str]
    languages: list[str]
    reason: str
    target_version: int | None = Field(description="revert: the version whose lexicon it brought back")
    applies_to: str | None = Field(default=None, description="allow / unallow: the one term it protects")
    note: str
    actor_id: str | None
    actor_name: str | None
    created_at: datetime


class HistoryOut(BaseModel):
    version: int
    items: list[ChangeOut]


class AddIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: Word
    category: str = Field(description=", ".join(CATEGORIES))
    severity: str = Field("warn", description=", ".join(SEVERITIES))
    profiles: list[str] | None = Field(
        None, max_length=2, description="host and/or audience (default: both for diversion and abuse, else host)"
    )
    languages: list[str] | None = Field(
        None, max_length=3, description="zh-Hant, zh-Hans, en (default: from the term's script)"
    )
    reason: str = Field("", max_length=lexicon.MAX_REASON, description="what to say instead, shown with each hit")
    note: Note = ""


class WordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: Word
    applies_to: Word | None = Field(default=None, description="protect this one term only (default: every term)")
    note: Note = ""


class RevertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="the version to bring back (0: the shipped lexicon)")
    note: Note = ""


def _change(db: Session, change: LexiconChange, principal: Principal) -> dict[str, Any]:
    out = lexicon.HistoryRow(change, principal.viewer.name if change.actor_id else None).to_dict()
    return out


@router.get("/lexicon", response_model=LexiconPageOut, summary="The workspace's effective lexicon, filtered and paged")
def get_lexicon(
    db: Db,
    principal: LexiconViewer,
    category: Annotated[str | None, Query(description=", ".join(CATEGORIES))] = None,
    profile: Annotated[Literal["host", "audience"] | None, Query()] = None,
    source: Annotated[Literal["shipped", "workspace"] | None, Query()] = None,
    kind: Annotated[Literal["term", "pattern", "allow"] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, description="text in the term or its reason")] = None,
    lang: Annotated[Literal["zh-Hant", "zh-Hans", "en"], Query(description="language of the reasons")] = "zh-Hant",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=lexicon.MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    found = lexicon.list_items(
        db,
        principal.workspace,
        category=category,
        profile=profile,
        source=source,
        kind=kind,
        q=q,
        page=page,
        per_page=per_page,
        lang=lang,
    )
    return {
        "version": found.version,
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
        "items": [i.to_dict() for i in found.items],
    }


@router.get("/lexicon/history", response_model=HistoryOut, summary="The lexicon's changes, newest first")
def get_history(
    db: Db,
    principal: LexiconViewer,
    limit: Annotated[int, Query(ge=1, le=lexicon.MAX_PER_PAGE)] = 50,
    before: Annotated[int | None, Query(ge=1, description="only versions below this one (the next page)")] = None,
) -> dict[str, Any]:
    rows = lexicon.history(db, principal.workspace, limit=limit, before=before)
    version = lexicon.current_version(db, principal.workspace)
    return {"version": version, "items": [r.to_dict() for r in rows]}


@router.post("/lexicon/add", response_model=ChangeOut, status_code=201, summary="Add a term")
def post_add(body: AddIn, db: Db, principal: LexiconEditor) -> dict[str, Any]:
    change = lexicon.add_term(
        db,
        principal.workspace,
        term=body.term,
        category=body.category,
        severity=body.severity,
        profiles=body.profiles,
        languages=body.languages,
        reason=body.reason,
        note=body.note,
        actor=principal.user,
    )
    return _change(db, change, principal)


@router.post("/lexicon/remove", response_model=ChangeOut, status_code=201, summary="Remove a term (shipped or added)")
def post_remove(body: WordIn, db: Db, principal: LexiconEditor) -> dict[str, Any]:
    change = lexicon.remove_term(db, principal.workspace, body.term, note=body.note, actor=principal.user)
    return _change(db, change, principal)


@router.post("/lexicon/allow", response_model=ChangeOut, status_code=201, summary="Add an allow-word (never flagged)")
def post_allow(body: WordIn, db: Db, principal: LexiconEditor) -> dict[str, Any]:
    change = lexicon.allow_word(
        db, principal.workspace, body.term, applies_to=body.applies_to, note=body.note, actor=principal.user
    )
    return _change(db, change, principal)


@router.post("/lexicon/unallow", response_model=ChangeOut, status_code=201, summary="Remove an allow-word")
def post_unallow(body: WordIn, db: Db, principal: LexiconEditor) -> dict[str, Any]:
    change = lexicon.unallow_word(
        db, principal.workspace, body.term, applies_to=body.applies_to, note=body.note, actor=principal.user
    )
    return _change(db, change, principal)


@router.post(
    "/lexicon/revert",
    response_model=ChangeOut,
    status_code=201,
    summary="Bring back an earlier version's lexicon, as a new version (history is kept)",
)
def post_revert(body: RevertIn, db: Db, principal: LexiconEditor) -> dict[str, Any]:
    change = lexicon.revert(db, principal.workspace, body.version, note=body.note, actor=principal.user)
    return _change(db, change, principal)
