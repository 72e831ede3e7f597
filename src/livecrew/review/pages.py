"""Console pages of the review (復盤): the review of a show, its actions and sign-off, scorecards, trends, cases
and the diagnosis rules."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth import service as auth
from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, Role
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError, ValidationFailed
from livecrew.review import cases, exports, scorecards, service, trends
from livecrew.shows import public as shows
from livecrew.web.i18n import Translator
from livecrew.web.render import language_for, render, translate_error

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False, route_class=UnitOfWorkRoute)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Viewer = Annotated[Principal, Depends(require_web(Action.review_view))]
Editor = Annotated[Principal, Depends(require_web(Action.review_edit))]
REVIEWABLE = ("live", "ended", "reviewed")


def _lang(request: Request, principal: Principal) -> str:
    return language_for(request, principal)


def _role_namer(t: Translator) -> Any:
    def role_name(role: str) -> str:
        return t.pick(ROLE_NAMES[Role(role)]) if role in Role.__members__ else role

    return role_name


@router.get("/review", response_class=HTMLResponse)
def review_index(request: Request, db: Db, principal: Viewer) -> Response:
    rows = shows.recent_shows(db, principal.workspace.id, REVIEWABLE)
    return render(request, "review/index.html", {"shows": rows}, active_nav="review")


def _show_page(
    request: Request, db: Session, clock: Clock, principal: Principal, show_id: str, error: str | None = None
) -> Response:
    lang = _lang(request, principal)
    data = service.build_review(
        db, principal.workspace, show_id, lang=lang, app=request.app, viewer=principal, wait_for_job=True
    )
    if data["state"] == service.BUILDING:
        return render(request, "review/building.html", {"r": data}, active_nav="review")
    t = Translator(lang)
    people = [u for u in auth.list_users(db, principal.workspace) if u.active]
    today = clock.now().astimezone(ZoneInfo(principal.workspace.timezone)).date()
    chart = {
        "minutes": [m["minute"] for m in data["minutes"]],
        "online": [m["online_end"] for m in data["minutes"]],
        "enters": [m["enters"] for m in data["minutes"]],
        "leaves": [m["leaves"] for m in data["minutes"]],
        "comments": [m["comments"] for m in data["minutes"]],
        "gmv": [m["gmv"] / 100 for m in data["minutes"]],
        "markers": [
            {
                "minute": m["minute"],
                "label": f"{t('review.marker.' + m['kind'])} {m.get('product') or ''} {m['action'] or ''}",
            }
            for m in data["markers"]
        ],
        "funnel": [{"name": t("review.funnel." + s["stage"]), "value": s["users"]} for s in data["funnel"]],
        "slots": [f"{s['from_minute']}–{s['to_minute']}′" for s in data["ad_slots"]["slots"]],
        "spend": [s["spend"] / 100 for s in data["ad_slots"]["slots"]],
        "slot_gmv": [s["gmv"] / 100 for s in data["ad_slots"]["slots"]],
        "labels": {
            "online": t("review.m.online_end"),
            "enters": t("review.m.enters"),
            "leaves": t("review.m.leaves"),
            "comments": t("review.m.comments"),
            "gmv": t("review.m.gmv"),
            "spend": t("review.m.ad_spend"),
        },
    }
    return render(
        request,
        "review/show.html",
        {
            "r": data,
            "f": exports.Formatter(t, principal.workspace.currency),
            "chart": chart,
            "people": people,
            "default_due": (today + timedelta(days=3)).isoformat(),
            "can_edit": principal.can(Action.review_edit),
            "role_name": _role_namer(t),
            "core": (
                "gmv", "uv", "pv", "peak_online", "avg_watch_seconds", "uv_value", "gpm", "conversion_rate",
                "click_rate", "follow_rate", "refund_rate", "ad_spend", "roi",
            ),
            "error": error,
        },
        active_nav="review",
    )  # fmt: skip


@router.get("/review/{show_id}", response_class=HTMLResponse)
async def review_show(request: Request, show_id: str, db: Db, clock: Clk, principal: Viewer) -> Response:
    response: Response = await anyio.to_thread.run_sync(lambda: _show_page(request, db, clock, principal, show_id))
    return response


def _failed(
    request: Request, db: Session, clock: Clock, principal: Principal, show_id: str, exc: DomainError
) -> Response:
    db.rollback()
    t = Translator(_lang(request, principal))
    message = translate_error(t, exc)
    for problem in exc.details if isinstance(exc.details, list) else []:  # a gate's unmet conditions, each in words
        if isinstance(problem, dict) and problem.get("key"):
            text = t(str(problem["key"]), **problem.get("params", {}))
            message += " " + (text if text != problem["key"] else str(problem.get("message", "")))
    response = _show_page(request, db, clock, principal, show_id, error=message)
    response.status_code = exc.status_code
    return response


@router.post("/review/{show_id}/actions", response_class=HTMLResponse)
async def add_action(request: Request, show_id: str, db: Db, clock: Clk, principal: Editor) -> Response:
    form = await request.form()
    try:
        service.add_action(
            db, clock, principal.workspace, show_id,
            problem=str(form.get("problem", "")), cause=str(form.get("cause", "")),
            action=str(form.get("action", "")), owner_id=str(form.get("owner_id", "")) or None,
            due_on=str(form.get("due_on", "")), actor=principal.user,
        )  # fmt: skip
        db.flush()
    except DomainError as exc:
        return _failed(request, db, clock, principal, show_id, exc)
    return RedirectResponse(f"/review/{show_id}?ok=review_action#actions", status_code=303)


@router.post("/review/{show_id}/notes", response_class=HTMLResponse)
async def save_notes(request: Request, show_id: str, db: Db, clock: Clk, principal: Editor) -> Response:
    form = await request.form()
    intent = str(form.get("intent", "save"))
    try:
        service.save_notes(
            db, clock, principal.workspace, show_id, notes=str(form.get("notes", "")),
            sign_off=intent in ("sign_off", "reviewed"), nothing_to_change=form.get("nothing_to_change") == "on",
            actor=principal.user,
        )  # fmt: skip
        if intent == "reviewed":
            db.flush()
            service.mark_reviewed(db, clock, principal.workspace, show_id, principal.user)
        db.flush()
    except DomainError as exc:
        return _failed(request, db, clock, principal, show_id, exc)
    ok = {"reviewed": "review_reviewed", "sign_off": "review_signed"}.get(intent, "saved")
    return RedirectResponse(f"/review/{show_id}?ok={ok}", status_code=303)


@router.post("/review/{show_id}/cases", response_class=HTMLResponse)
async def add_case(request: Request, show_id: str, db: Db, clock: Clk, principal: Editor) -> Response:
    form = await request.form()

    def number(name: str) -> int | None:
        raw = str(form.get(name, "")).strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise ValidationFailed(f'"{raw}" is not a minute', key="review.err.minutes")
        return int(raw)

    try:
        cases.add_case(
            db, clock, principal.workspace, show_id, kind=str(form.get("kind", "show")),
            title=str(form.get("title", "")), minute_from=number("minute_from"), minute_to=number("minute_to"),
            incident_ref=str(form.get("incident_ref", "")) or None, tags=str(form.get("tags", "")),
            note=str(form.get("note", "")), actor=principal.user,
        )  # fmt: skip
        db.flush()
    except DomainError as exc:
        return _failed(request, db, clock, principal, show_id, exc)
    return RedirectResponse(f"/review/{show_id}?ok=review_case#cases", status_code=303)


@router.get("/review-trends", response_class=HTMLResponse)
def trends_page(
    request: Request, db: Db, principal: Viewer, room: str = "", host: str = "", period: str = "week"
) -> Response:
    t = Translator(_lang(request, principal))
    try:
        data = trends.trends(db, principal.workspace, room=room, host=host, period=period)
    except DomainError as exc:
        data = trends.trends(db, principal.workspace)
        return render(request, "review/trends.html", _trends_context(data, t, principal, db, translate_error(t, exc)))
    return render(request, "review/trends.html", _trends_context(data, t, principal, db, None), active_nav="review")


def _trends_context(
    data: dict[str, Any], t: Translator, principal: Principal, db: Session, error: str | None
) -> dict[str, Any]:
    return {
        "d": data,
        "f": exports.Formatter(t, principal.workspace.currency),
        "people": auth.list_users(db, principal.workspace),
        "keys": trends.TREND_KEYS,
        "chart": json.dumps(
            {
                "x": [s["starts_at"][:10] for s in data["shows"]],
                "gmv": [(s["gmv"] or 0) / 100 for s in data["shows"]],
                "band": [
                    (v or 0) / 100
                    for v in (data["bands"]["gmv"]["p25"], data["bands"]["gmv"]["median"], data["bands"]["gmv"]["p75"])
                ],
                "label": t("review.m.gmv"),
            },
            ensure_ascii=False,
        ),
        "error": error,
    }


@router.get("/review-scorecards", response_class=HTMLResponse)
def scorecards_page(request: Request, db: Db, principal: Viewer, period: str = "week") -> Response:
    if period not in scorecards.PERIODS:
        period = "week"
    user_id = None if scorecards.sees_all(principal) else principal.user.id
    rows = scorecards.period_scores(db, principal.workspace, period, user_id=user_id)
    t = Translator(_lang(request, principal))
    return render(
        request,
        "review/scorecards.html",
        {
            "rows": rows,
            "period": period,
            "all": user_id is None,
            "f": exports.Formatter(t, principal.workspace.currency),
            "role_name": _role_namer(t),
        },
        active_nav="review",
    )


@router.get("/review-cases", response_class=HTMLResponse)
def cases_page(request: Request, db: Db, principal: Viewer, q: str = "", tag: str = "", kind: str = "") -> Response:
    rows = cases.list_cases(db, principal.workspace, q=q, tag=tag, kind=kind)
    tags = sorted({tg for c in cases.list_cases(db, principal.workspace) for tg in c["tags"]})
    return render(
        request,
        "review/cases.html",
        {"rows": rows, "q": q, "tag": tag, "kind": kind, "tags": tags},
        active_nav="review",
    )


@router.get("/review-rules", response_class=HTMLResponse)
def rules_page(request: Request, db: Db, principal: Viewer) -> Response:
    rules = service.rules_of(db, principal.workspace.id)
    return render(
        request,
        "review/rules.html",
        {"text": json.dumps(rules, ensure_ascii=False, indent=2), "can_edit": principal.can(Action.review_edit)},
        active_nav="review",
    )


@router.post("/review-rules", response_class=HTMLResponse)
async def save_rules(request: Request, db: Db, clock: Clk, principal: Editor) -> Response:
    form = await request.form()
    raw = str(form.get("rules", ""))
    try:
        try:
            parsed = json.loads(raw)
        except ValueError as exc:
            raise ValidationFailed(f"the rules are not valid JSON: {exc}", key="review.err.rules_json") from None
        service.set_rules(db, clock, principal.workspace, parsed, principal.user)
        db.flush()
    except DomainError as exc:
        db.rollback()
        t = Translator(_lang(request, principal))
        return render(
            request,
            "review/rules.html",
            {"text": raw, "can_edit": True, "error": translate_error(t, exc)},
            status_code=exc.status_code,
            active_nav="review",
        )
    return RedirectResponse("/review-rules?ok=saved", status_code=303)
