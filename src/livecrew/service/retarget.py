"""Retargeting lists (高意向未成交): viewers who showed they wanted something and did not pay.

The three segments of METRICS.md (``clicked_not_paid``, ``ordered_not_paid``, ``commented_not_paid``) come
from the live engine, exactly as it counts the show (``live.public.retarget``). Two more are built on them:
``asked_not_paid`` (commenters who asked a question, by comment triage) and ``claimed_not_paid`` (buyers of a
+1 claim who never paid in the show).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.core.sheets import safe_cell
from livecrew.service.models import ServiceExport

CONTRACT_SEGMENTS = ("clicked_not_paid", "ordered_not_paid", "commented_not_paid")
SEGMENTS = (*CONTRACT_SEGMENTS, "asked_not_paid", "claimed_not_paid")


def check_segment(segment: str) -> str:
    if segment not in SEGMENTS:
        raise ValidationFailed(
            f'unknown segment "{segment}"; use one of: {", ".join(SEGMENTS)}',
            key="err.service_segment",
            params={"segment": segment},
        )
    return segment


@dataclass
class Want:
    """One user of a segment, with what they wanted."""

    user: str
    products: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    shows: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "products": self.products, "questions": self.questions, "shows": self.shows}


def _show_segments(db: Session, show_id: str) -> tuple[dict[str, dict[str, Want]], frozenset[str]]:
    from livecrew.goods.public import claims_of_show
    from livecrew.live.public import events_of, retarget
    from livecrew.text.public import triage_comment

    found = retarget(db, show_id)
    out: dict[str, dict[str, Want]] = {}
    for segment in CONTRACT_SEGMENTS:
        out[segment] = {u: Want(u, list(products), [], [show_id]) for u, products in found.segments[segment].items()}
    commenters = out["commented_not_paid"]
    asked: dict[str, Want] = {}
    if commenters:
        for e in events_of(db, show_id, ("comment",), users=list(commenters)):
            text = str(e.body.get("text") or "")
            if e.user in commenters and triage_comment(text).label == "question":
                want = asked.setdefault(e.user, Want(e.user, [], [], [show_id]))
                if text not in want.questions:
                    want.questions.append(text)
                if text not in commenters[e.user].questions:
                    commenters[e.user].questions.append(text)
    out["asked_not_paid"] = dict(sorted(asked.items()))
    claimed: dict[str, Want] = {}
    for claim in claims_of_show(db, show_id):
        if claim.status == "cancelled" or claim.buyer in found.buyers:
            continue
        want = claimed.setdefault(claim.buyer, Want(claim.buyer, [], [], [show_id]))
        if claim.sku not in want.products:
            want.products.append(claim.sku)
    for want in claimed.values():
        want.products.sort()
    out["claimed_not_paid"] = dict(sorted(claimed.items()))
    return out, found.buyers


def for_show(db: Session, workspace_id: str, show_id: str, segment: str) -> list[Want]:
    """A segment of one show, sorted by user (as strings)."""
    from livecrew.shows.public import show_info

    check_segment(segment)
    if show_info(db, workspace_id, show_id) is None:
        raise NotFound(f"no show {show_id} in this workspace", key="err.service_show")
    segments, _buyers = _show_segments(db, show_id)
    return [segments[segment][u] for u in sorted(segments[segment])]


def for_period(db: Session, workspace_id: str, start: datetime, end: datetime, segment: str) -> list[Want]:
    """A segment over the shows that started in ``[start, end)``: users in it in some show who paid in none."""
    from livecrew.shows.public import shows_between

    check_segment(segment)
    if end <= start:
        raise ValidationFailed("the period ends before it starts", key="err.service_period")
    merged: dict[str, Want] = {}
    buyers: set[str] = set()
    for show in shows_between(db, workspace_id, start, end):
        segments, show_buyers = _show_segments(db, show.id)
        buyers |= show_buyers
        for user, want in segments[segment].items():
            into = merged.setdefault(user, Want(user))
            into.products = sorted(set(into.products) | set(want.products))
            into.questions += [q for q in want.questions if q not in into.questions]
            into.shows.append(show.id)
    return [merged[u] for u in sorted(merged) if u not in buyers]


def log_export(
    db: Session, clock: Clock, workspace_id: str, user_id: str | None, what: str, params: dict[str, Any], rows: int
) -> None:
    db.add(
        ServiceExport(workspace_id=workspace_id, user_id=user_id, what=what, params=params, rows=rows, at=clock.now())
    )
    db.flush()


HEAD = {
    "zh-Hant": ["用戶", "想要的商品", "問過的問題", "場次"],
    "zh-Hans": ["用户", "想要的商品", "问过的问题", "场次"],
    "en": ["User", "Products", "Questions", "Shows"],
}


def _rows(wants: list[Want]) -> list[list[str]]:
    """Viewers' ids and questions come from the platform: a cell never runs as a formula."""
    return [
        [safe_cell(v) for v in (w.user, "、".join(w.products), " / ".join(w.questions), " ".join(w.shows))]
        for w in wants
    ]


def to_csv(wants: list[Want], lang: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEAD.get(lang, HEAD["en"]))
    writer.writerows(_rows(wants))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(wants: list[Want], lang: str, segment: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = segment[:31]
    sheet.append(HEAD.get(lang, HEAD["en"]))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(wants):
        sheet.append(row)
    for letter, width in zip("ABCD", (24, 36, 60, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
