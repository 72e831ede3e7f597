"""Text API: compliance scan and comment triage, for one text or a batch. Any signed-in member may call them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from livecrew.core.auth.deps import Principal, api_principal
from livecrew.text.compliance import default_lexicon
from livecrew.text.triage import triage

router = APIRouter(prefix="/api/v1/text", tags=["text"])

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
def post_scan(body: ScanIn, principal: Member) -> dict[str, Any]:
    lexicon = default_lexicon()
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
