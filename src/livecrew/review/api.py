"""Review API: the review of a show (JSON, PDF, XLSX, HTML), actions, notes and sign-off, rules, scorecards,
trends and cases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import ValidationFailed
from livecrew.review import cases, exports, scorecards, service, trends
from livecrew.review.schemas import ActionIn, CaseIn, NotesIn, RulesIn

router = APIRouter(prefix="/api/v1", tags=["review"], route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require(Action.review_view))]
Editor = Annotated[Principal, Depends(require(Action.review_edit))]
LANGS = ("zh-Hant", "zh-Hans", "en")
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def reader_language(principal: Principal, lang: str | None) -> str:
    if lang is not None:
        if lang not in LANGS:
            raise ValidationFailed(f'unknown language "{lang}"; use zh-Hant, zh-Hans or en', key="review.err.lang")
        return lang
    return principal.viewer.language or principal.viewer.default_language


def review_of(request: Request, db: Session, principal: Principal, show_id: str, lang: str) -> dict[str, Any]:
    """The review, its metrics from this process's live engine (the very object ``GET .../metrics`` gives)."""
    return service.build_review(
        db, principal.workspace, show_id, lang=lang, app=request.app, viewer=principal, wait_for_job=True
    )


def building(data: dict[str, Any]) -> Response:
    """202 while the review job builds the show's final review: ``{"state": "building", ...}``, ask again later."""
    return JSONResponse(data, status_code=202, headers={"Retry-After": str(data["retry_after"])})


@router.get(
    "/shows/{show_id}/review",
    summary="The show's review (復盤): metrics, diagnosis, products, actions...",
    responses={202: {"description": 'The final review is being built: {"state": "building"}; ask again later'}},
)
async def get_review(show_id: str, request: Request, db: Db, principal: Viewer, lang: str | None = None) -> Any:
    language = reader_language(principal, lang)
    result: dict[str, Any] = await anyio.to_thread.run_sync(
        lambda: review_of(request, db, principal, show_id, language)
    )
    if result["state"] == service.BUILDING:
        return building(result)
    return result


def _file(request: Request, db: Session, principal: Principal, show_id: str, fmt: str, lang: str | None) -> Response:
    language = reader_language(principal, lang)
    data = review_of(request, db, principal, show_id, language)
    if data["state"] == service.BUILDING:
        return building(data)
    content = exports.render(data, fmt, language, principal.workspace.currency)
    headers = {"Content-Disposition": f'attachment; filename="review-{show_id}.{fmt}"'} if fmt != "html" else {}
    return Response(content, media_type=MEDIA[fmt], headers=headers)


@router.get("/shows/{show_id}/review.pdf", summary="The review as a PDF (Chinese text in an embedded font)")
def review_pdf(show_id: str, request: Request, db: Db, principal: Viewer, lang: str | None = None) -> Response:
    return _file(request, db, principal, show_id, "pdf", lang)


@router.get("/shows/{show_id}/review.xlsx", summary="The review as a workbook with native charts")
def review_xlsx(show_id: str, request: Request, db: Db, principal: Viewer, lang: str | None = None) -> Response:
    return _file(request, db, principal, show_id, "xlsx", lang)


@router.get("/shows/{show_id}/review.html", summary="The review as a self-contained page")
def review_html(show_id: str, request: Request, db: Db, principal: Viewer, lang: str | None = None) -> Response:
    return _file(request, db, principal, show_id, "html", lang)


@router.get("/shows/{show_id}/review/actions", summary="The review's actions")
def get_actions(show_id: str, db: Db, principal: Viewer) -> list[dict[str, Any]]:
    service.require_show(db, principal.workspace, show_id)
    return service.list_actions(db, principal.workspace, show_id)


@router.post("/shows/{show_id}/review/actions", status_code=201, summary="Add an action (it becomes a board task)")
def post_action(show_id: str, body: ActionIn, db: Db, clock: Clk, principal: Editor) -> dict[str, Any]:
    out = service.add_action(
        db,
        clock,
        principal.workspace,
        show_id,
        problem=body.problem,
        cause=body.cause,
        action=body.action,
        owner_id=body.owner_id,
        due_on=body.due_on,
        actor=principal.user,
    )
    db.flush()
    return out


@router.put("/shows/{show_id}/review/notes", summary="Meeting notes; sign the review off")
def put_notes(show_id: str, body: NotesIn, db: Db, clock: Clk, principal: Editor) -> dict[str, Any]:
    out = service.save_notes(
        db,
        clock,
        principal.workspace,
        show_id,
        notes=body.notes,
        sign_off=body.sign_off,
        nothing_to_change=body.nothing_to_change,
        actor=principal.user,
    )
    db.flush()
    return out


@router.get("/review/rules", summary="The workspace's diagnosis rules")
def get_rules(db: Db, principal: Viewer) -> list[dict[str, Any]]:
    return service.rules_of(db, principal.workspace.id)


@router.put("/review/rules", summary="Replace the workspace's diagnosis rules")
def put_rules(body: RulesIn, db: Db, clock: Clk, principal: Editor) -> list[dict[str, Any]]:
    out = service.set_rules(db, clock, principal.workspace, body.rules, principal.user)
    db.flush()
    return out


@router.get("/review/scorecards", summary="Scores per person and week or month (one's own unless allowed all)")
def get_scorecards(
    db: Db, principal: Viewer, period: Annotated[str, Query(description="week or month")] = "week"
) -> list[dict[str, Any]]:
    user_id = None if scorecards.sees_all(principal) else principal.user.id
    return scorecards.period_scores(db, principal.workspace, period, user_id=user_id)


@router.get("/review/trends", summary="Trends across shows by room, host and period, with the median band")
def get_trends(
    db: Db,
    principal: Viewer,
    room: str = "",
    host: str = "",
    period: str = "week",
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    return trends.trends(db, principal.workspace, room=room, host=host, period=period, since=since, until=until)


@router.get("/review/cases", summary="The case library (沉澱案例): search and filter")
def get_cases(
    db: Db, principal: Viewer, q: str = "", tag: str = "", kind: str = "", show: str = ""
) -> list[dict[str, Any]]:
    return cases.list_cases(db, principal.workspace, q=q, tag=tag, kind=kind, show_id=show)


@router.post("/shows/{show_id}/review/cases", status_code=201, summary="Keep a show, minutes or an incident as a case")
def post_case(show_id: str, body: CaseIn, db: Db, clock: Clk, principal: Editor) -> dict[str, Any]:
    out = cases.add_case(
        db,
        clock,
        principal.workspace,
        show_id,
        kind=body.kind,
        title=body.title,
        minute_from=body.minute_from,
        minute_to=body.minute_to,
        incident_ref=body.incident_ref,
        tags=body.tags,
        note=body.note,
        actor=principal.user,
    )
    db.flush()
    return out
