"""Console pages: sign-in, home, team, and the settings pages (workspace, people, tokens, profile)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.deps import (
    CSRF_COOKIE,
    DEVICE_COOKIE,
    DEVICE_DAYS,
    SESSION_COOKIE,
    Principal,
    cookie_secure,
    require_web,
    verify_csrf,
    web_principal,
)
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, TEAM_ROLES, Role
from livecrew.core.clock import Clock
from livecrew.core.config import LANGUAGES, Settings
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db, get_settings_dep
from livecrew.core.errors import DomainError, NotFound, ValidationFailed
from livecrew.core.plugins import contributions
from livecrew.core.pubsub import publish_after_commit, workspace_channel
from livecrew.web.i18n import Translator
from livecrew.web.render import LANG_COOKIE, error_text, form_failed, render, translator

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Cfg = Annotated[Settings, Depends(get_settings_dep)]

CURRENCIES = ["TWD", "CNY", "HKD", "MOP", "SGD", "MYR", "USD", "JPY", "THB", "VND", "PHP", "IDR"]
COMMON_ZONES = [
    "Asia/Taipei",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "Asia/Bangkok",
    "Asia/Ho_Chi_Minh",
    "Asia/Manila",
    "Asia/Jakarta",
    "UTC",
]


def _safe_next(value: str | None) -> str:
    """Only same-site paths are followed after sign-in or a language change."""
    if not value:
        return "/"
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def _role_rows(t: Translator) -> list[dict[str, str]]:
    return [{"key": r.value, "name": t.pick(ROLE_NAMES[r])} for r in Role]


# Features add cards to the home page, each for the roles whose day it is: a contribution returns the cards
# for this reader (none when it is not their day), each a dict {"id", "order", "template", ...} where
# "template" is the card's body (rendered inside <section class="card" id="card-ID">, with ``card`` the
# dict) and "order" places it (role cards first, below 50; shared ones after).
HomeCard = Callable[[Session, Principal, datetime], list[dict[str, Any]]]
HOME_CARDS = "web.home_card"
# Features add entries to the home page's live feed (即時動態) as it is on load: {"at" (datetime),
# "text", "href" (or None), "kind" ("alert", "action"...), "severity" (or None)}; newest first.
HomeActivity = Callable[[Session, Principal, datetime], list[dict[str, Any]]]
HOME_ACTIVITY = "web.home_activity"
ACTIVITY_ROWS = 12
# Features add tiles to the home page's figures: {"label", "value", "sub", "href", "alert"} (the board adds
# the viewer's open and overdue tasks).
HomeStat = Callable[[Session, Principal, datetime], list[dict[str, Any]]]
HOME_STATS = "web.home_stat"


# ------------------------------------------------------------------ sign in / out, language


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next_url": _safe_next(next), "email": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: Db,
    clock: Clk,
    settings: Cfg,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    ip = request.client.host if request.client else None
    policy = service.ThrottlePolicy.from_settings(settings)
    try:
        if not email.strip() or not password:
            raise ValidationFailed("Enter your e-mail address and password.", key="err.login_empty")
        device = request.cookies.get(DEVICE_COOKIE)
        user = service.authenticate(db, clock, policy, email, password, ip, device=device)
        secret = service.start_session(db, clock, user, settings.session_hours)
        device = service.remember_device(db, clock, user, device)
    except DomainError as exc:
        # Not form_failed: the record of the failed attempt is kept (the request's unit of work commits it).
        response = render(
            request,
            "login.html",
            {"next_url": _safe_next(next), "email": email, "error": error_text(request, exc)},
            status_code=exc.status_code,
        )
        if retry := getattr(exc, "retry_after", None):
            response.headers["Retry-After"] = str(retry)
        return response
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    secure = cookie_secure(request, settings)
    redirect.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    # A new CSRF token with the new session: a token planted before sign-in is worth nothing after it.
    redirect.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), httponly=True, samesite="lax", secure=secure, path="/")
    redirect.set_cookie(
        DEVICE_COOKIE, device, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="lax", secure=secure, path="/"
    )
    return redirect


@router.post("/logout")
def logout(request: Request, db: Db) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.end_session(db, cookie)
    response = RedirectResponse("/login?ok=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def change_language(
    request: Request,
    db: Db,
    clock: Clk,
    settings: Cfg,
    lang: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    cookie = request.cookies.get(SESSION_COOKIE)
    user = service.resolve_session(db, clock, cookie) if cookie else None
    if lang and lang not in LANGUAGES:
        lang = ""
    if user is not None:
        service.set_language(db, user, lang or None)
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/invite/{secret}", response_class=HTMLResponse, name="accept_invite_page")
def invite_page(request: Request, secret: str) -> Response:
    return render(request, "invite.html")


@router.post("/invite/{secret}", response_class=HTMLResponse)
def accept_invite(request: Request, secret: str, db: Db, clock: Clk, password: Annotated[str, Form()] = "") -> Response:
    try:
        service.accept_invitation(db, clock, secret, password)
    except DomainError as exc:
        return form_failed(
            request, db, exc, lambda error, status: render(request, "invite.html", {"error": error}, status_code=status)
        )
    return RedirectResponse("/login?ok=password_set", status_code=303)


# ------------------------------------------------------------------ home and team


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: Db, clock: Clk, principal: Annotated[Principal, Depends(web_principal)]) -> Response:
    t = translator(request)
    people = service.list_users(db, principal.workspace)
    active = [p for p in people if p.active]
    coverage = []
    for role in TEAM_ROLES:
        holders = [p.display_name for p in active if role.value in p.role_keys]
        coverage.append({"role": role.value, "name": t.pick(ROLE_NAMES[role]), "people": holders})
    tokens = service.list_tokens(db, principal.workspace)
    now = clock.now()
    tokens_active = [x for x in tokens if x.revoked_at is None and (x.expires_at is None or x.expires_at > now)]
    local_now = now.astimezone(ZoneInfo(principal.workspace.timezone)).strftime("%Y-%m-%d %H:%M")
    cards = [card for source in contributions(HOME_CARDS) for card in source(db, principal, now)]
    cards.sort(key=lambda card: int(card.get("order", 50)))
    stats = [tile for source in contributions(HOME_STATS) for tile in source(db, principal, now)]
    activity = [entry for source in contributions(HOME_ACTIVITY) for entry in source(db, principal, now)]
    activity.sort(key=lambda entry: entry["at"], reverse=True)
    roles = set(principal.roles)
    return render(
        request,
        "home.html",
        {
            "people_active": len(active),
            "people_inactive": len(people) - len(active),
            "coverage": coverage,
            "covered": sum(1 for row in coverage if row["people"]),
            "tokens_active": len(tokens_active),
            "local_now": local_now,
            "cards": cards,
            "stats": stats,
            "activity": activity[:ACTIVITY_ROWS],
            # The team's coverage is the planners' concern; the first steps (people, tokens, the feed) the
            # owner's and the tech's, until the team has tokens.
            "show_coverage": bool(roles & {"owner", "operations"}),
            "show_start": bool(roles & {"owner", "tech"}) and not tokens_active,
        },
        active_nav="home",
    )


# ------------------------------------------------------------------ settings: workspace


def _workspace_form_page(request: Request, principal: Principal, form: dict[str, str], **extra: object) -> Response:
    zones = list(COMMON_ZONES)
    if form["timezone"] not in zones:
        zones.insert(0, form["timezone"])
    currencies = list(CURRENCIES)
    if form["currency"] not in currencies:
        currencies.insert(0, form["currency"])
    status = int(str(extra.pop("status_code", 200)))
    return render(
        request,
        "settings/workspace.html",
        {
            "tab": "workspace",
            "form": form,
            "currencies": currencies,
            "timezones": zones,
            "can_manage": principal.can(Action.workspace_manage),
            **extra,
        },
        status_code=status,
        active_nav="settings",
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_index() -> Response:
    return RedirectResponse("/settings/workspace", status_code=303)


@router.get("/settings/workspace", response_class=HTMLResponse)
def workspace_page(
    request: Request, principal: Annotated[Principal, Depends(require_web(Action.workspace_view))]
) -> Response:
    w = principal.workspace
    form = {
        "name": w.name,
        "currency": w.currency,
        "timezone": w.timezone,
        "default_language": w.default_language,
    }
    return _workspace_form_page(request, principal, form)


@router.post("/settings/workspace", response_class=HTMLResponse)
def workspace_save(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(require_web(Action.workspace_manage))],
    name: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    default_language: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "currency": currency, "timezone": timezone, "default_language": default_language}
    try:
        service.update_workspace(
            db,
            principal.workspace,
            name=name,
            currency=currency,
            timezone=timezone,
            default_language=default_language,
        )
        publish_after_commit(db, workspace_channel(principal.workspace.id), {"kind": "workspace.updated"})
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _workspace_form_page(request, principal, form, error=error, status_code=status)

        return form_failed(request, db, exc, again)
    return RedirectResponse("/settings/workspace?ok=saved", status_code=303)


# ------------------------------------------------------------------ settings: people


def _people_page(
    request: Request,
    db: Session,
    principal: Principal,
    *,
    form: Mapping[str, object] | None = None,
    **extra: object,
) -> Response:
    t = translator(request)
    status = int(str(extra.pop("status_code", 200)))
    return render(
        request,
        "settings/people.html",
        {
            "tab": "people",
            "people": service.list_users(db, principal.workspace),
            "roles": _role_rows(t),
            "role_names": {r.value: t.pick(ROLE_NAMES[r]) for r in Role},
            "can_manage": principal.can(Action.people_manage),
            "form": form or {"display_name": "", "email": "", "roles": []},
            **extra,
        },
        status_code=status,
        active_nav="settings",
    )


@router.get("/settings/people", response_class=HTMLResponse)
def people_page(
    request: Request, db: Db, principal: Annotated[Principal, Depends(require_web(Action.people_view))]
) -> Response:
    return _people_page(request, db, principal)


@router.post("/settings/people", response_class=HTMLResponse)
async def people_add(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.people_manage))],
) -> Response:
    data = await request.form()
    roles = [str(v) for v in data.getlist("roles")]
    form = {
        "display_name": str(data.get("display_name", "")),
        "email": str(data.get("email", "")),
        "roles": roles,
    }
    password = str(data.get("password", "")) or None
    try:
        user = service.create_user(
            db,
            clock,
            principal.workspace,
            email=str(form["email"]),
            display_name=str(form["display_name"]),
            password=password,
            roles=roles,
        )
        invite_url = None
        if password is None:
            secret = service.create_invitation(db, clock, principal.workspace, user)
            invite_url = str(request.url_for("accept_invite_page", secret=secret))
        publish_after_commit(db, workspace_channel(principal.workspace.id), {"kind": "people.changed", "id": user.id})
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _people_page(
                request,
                db,
                principal,
                form=form,
                error=error,
                status_code=status,
            )

        return form_failed(request, db, exc, again)
    if invite_url:
        return _people_page(request, db, principal, invite_url=invite_url)
    return RedirectResponse("/settings/people?ok=person_added", status_code=303)


@router.post("/settings/people/{person_id}/roles", response_class=HTMLResponse)
async def people_roles(
    request: Request,
    person_id: str,
    db: Db,
    principal: Annotated[Principal, Depends(require_web(Action.people_manage))],
) -> Response:
    data = await request.form()
    try:
        user = service.get_user(db, principal.workspace, person_id)
        service.set_roles(db, principal.workspace, user, [str(v) for v in data.getlist("roles")])
        publish_after_commit(db, workspace_channel(principal.workspace.id), {"kind": "people.changed", "id": user.id})
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            if status == 404:
                raise
            return _people_page(request, db, principal, error=error, status_code=status)

        return form_failed(request, db, exc, again)
    return RedirectResponse("/settings/people?ok=roles_saved", status_code=303)


@router.post("/settings/people/{person_id}/{change}", response_class=HTMLResponse)
def people_active(
    request: Request,
    person_id: str,
    change: str,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.people_manage))],
) -> Response:
    if change not in ("activate", "deactivate"):
        raise NotFound(f'unknown change "{change}"', key="err.unknown_change", params={"change": change})
    try:
        user = service.get_user(db, principal.workspace, person_id)
        service.set_active(db, clock, principal.workspace, user, change == "activate")
        publish_after_commit(db, workspace_channel(principal.workspace.id), {"kind": "people.changed", "id": user.id})
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            if status == 404:
                raise
            return _people_page(request, db, principal, error=error, status_code=status)

        return form_failed(request, db, exc, again)
    return RedirectResponse(f"/settings/people?ok={change}d", status_code=303)


# ------------------------------------------------------------------ settings: tokens


def _tokens_page(request: Request, db: Session, clock: Clock, principal: Principal, **extra: object) -> Response:
    manage_all = principal.can(Action.tokens_manage)
    tokens = service.list_tokens(db, principal.workspace, user=None if manage_all else principal.user)
    status = int(str(extra.pop("status_code", 200)))
    extra.setdefault("form", {"name": "", "days": ""})
    return render(
        request,
        "settings/tokens.html",
        {"tab": "tokens", "tokens": tokens, "show_owner": manage_all, "now": clock.now(), **extra},
        status_code=status,
        active_nav="settings",
    )


@router.get("/settings/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.tokens_own))],
) -> Response:
    return _tokens_page(request, db, clock, principal)


@router.post("/settings/tokens", response_class=HTMLResponse)
def tokens_create(
    request: Request,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.tokens_own))],
    name: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "days": days}
    try:
        valid_days: int | None = None
        if days.strip():
            if not days.strip().isdigit():
                raise ValidationFailed("the number of days must be a whole number", key="err.token_days")
            valid_days = int(days)
        _token, secret = service.create_token(db, clock, principal.user, name=name, days=valid_days)
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _tokens_page(
                request,
                db,
                clock,
                principal,
                form=form,
                error=error,
                status_code=status,
            )

        return form_failed(request, db, exc, again)
    return _tokens_page(request, db, clock, principal, new_secret=secret)


@router.post("/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
def tokens_revoke(
    token_id: str,
    db: Db,
    clock: Clk,
    principal: Annotated[Principal, Depends(require_web(Action.tokens_own))],
) -> Response:
    service.revoke_token(
        db,
        clock,
        principal.workspace,
        token_id,
        actor=principal.user,
        may_manage_all=principal.can(Action.tokens_manage),
    )
    return RedirectResponse("/settings/tokens?ok=token_revoked", status_code=303)


# ------------------------------------------------------------------ settings: profile


@router.get("/settings/profile", response_class=HTMLResponse)
def profile_page(request: Request, principal: Annotated[Principal, Depends(web_principal)]) -> Response:
    t = translator(request)
    return render(
        request,
        "settings/profile.html",
        {"tab": "profile", "role_names": {r.value: t.pick(ROLE_NAMES[r]) for r in Role}},
        active_nav="settings",
    )


@router.post("/settings/profile/password", response_class=HTMLResponse)
def profile_password(
    request: Request,
    db: Db,
    principal: Annotated[Principal, Depends(web_principal)],
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
) -> Response:
    t = translator(request)
    try:
        service.change_password(db, principal.user, current, new, keep_session=request.cookies.get(SESSION_COOKIE))
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return render(
                request,
                "settings/profile.html",
                {
                    "tab": "profile",
                    "role_names": {r.value: t.pick(ROLE_NAMES[r]) for r in Role},
                    "error": error,
                },
                status_code=status,
                active_nav="settings",
            )

        return form_failed(request, db, exc, again)
    return RedirectResponse("/settings/profile?ok=password_changed", status_code=303)
