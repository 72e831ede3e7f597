"""Rendering console pages: the template environment and what every page gets."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from livecrew import __version__
from livecrew.core.auth.deps import CSRF_COOKIE, Principal, Viewer
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, Role
from livecrew.core.deps import app_context
from livecrew.core.errors import DomainError
from livecrew.core.money import format_major, format_percent
from livecrew.core.plugins import sections
from livecrew.web.i18n import LANGUAGE_NAMES, Translator, match_accept_language
from livecrew.web.icons import SPRITE_URL, icon_markup

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# A form shows what a person types: money in the ordinary unit (89900 -> "899"), fractions as percents (0.25 -> "25").
TEMPLATES.env.filters["major"] = format_major
TEMPLATES.env.filters["percent"] = format_percent


def icon(name: str, label: str | None = None, css: str = "") -> Markup:
    """``{{ icon('warning') }}``: an inline SVG icon from the sprite (see :mod:`livecrew.web.icons`)."""
    return Markup(icon_markup(name, label, css))


TEMPLATES.env.globals["icon"] = icon
TEMPLATES.env.globals["icon_sprite"] = SPRITE_URL
LANG_COOKIE = "lc_lang"


@dataclass(frozen=True)
class NavItem:
    key: str
    icon: str
    href: str | None


# Icons of the console's sections; the sections themselves come from the features' manifests.
# (names in livecrew.web.icons.ICONS; a section without one gets the plain "section" dot).
_ICONS: dict[str, str] = {key: key for key in ("home", "team", "goods", "shows", "live", "channels", "review")}
_ICONS.update({key: key for key in ("incidents", "service", "settings")})


def nav_items(viewer: Viewer | None = None) -> list[NavItem]:
    """Home first, then the feature sections the reader may open in their declared order, then settings."""
    items = [NavItem("home", _ICONS["home"], "/")]
    items += [
        NavItem(s.key, _ICONS.get(s.key, "section"), s.href)
        for s in sections()
        if s.action is None or (viewer is not None and viewer.can(Action(s.action)))
    ]
    items.append(NavItem("settings", _ICONS["settings"], "/settings/workspace"))
    return items


def csrf_token(request: Request) -> str:
    """The double-submit token: the cookie's value, or a new one the middleware will set."""
    token: str | None = getattr(request.state, "csrf_token", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf_token = token
    return token


def language_for(request: Request, principal: Principal | None) -> str:
    if principal is not None:
        return principal.viewer.language or principal.viewer.default_language
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGE_NAMES:
        return cookie
    return (
        match_accept_language(request.headers.get("accept-language")) or app_context(request).settings.default_language
    )


ROLE_KEYS = frozenset(r.value for r in Role)


def translator(request: Request, principal: Principal | None = None) -> Translator:
    """The reader's translator: their own language when signed in (``principal``, else the request's), else
    the cookie's, the browser's, or the workspace default's. The one ``_t`` of every console page."""
    return Translator(language_for(request, principal or getattr(request.state, "principal", None)))


def translate_error(t: Translator, exc: DomainError) -> str:
    if exc.key:
        params = dict(exc.params)
        role = params.get("role")
        if isinstance(role, str) and role in ROLE_KEYS:  # a role key reads as the role's name
            params["role"] = t.pick(ROLE_NAMES[Role(role)])
        roles = params.get("roles")
        if isinstance(roles, list):  # a list of role keys reads as their names
            comma = ", " if t.language == "en" else "、"
            params["roles"] = comma.join(t.pick(ROLE_NAMES[Role(r)]) for r in roles if r in ROLE_KEYS)
        for name in ("where", "what"):  # row and field labels given as catalog keys
            label = params.get(name)
            if isinstance(label, str) and (text := t(label, n=params.get("n", ""))) != label:
                params[name] = text
        field = params.get("field")  # a form field's name reads as its label (field.list_price: 直播價)
        if isinstance(field, str) and (text := t(f"field.{field}")) != f"field.{field}":
            params["field"] = text
        text = t(exc.key, **params)
        if text != exc.key:
            return text
    return exc.message


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    active_nav: str | None = None,
) -> HTMLResponse:
    principal: Principal | None = getattr(request.state, "principal", None)
    lang = language_for(request, principal)
    t = Translator(lang)
    me = principal.viewer if principal else None
    tz = ZoneInfo(me.timezone) if me else ZoneInfo("UTC")

    def fmt(when: datetime | None) -> str:
        return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else ""

    notice_key = request.query_params.get("ok")
    base: dict[str, Any] = {
        "request": request,
        "me": me,
        "lang": lang,
        "t": t,
        "fmt": fmt,
        "csrf_token": csrf_token(request),
        "language_names": LANGUAGE_NAMES,
        "nav_items": nav_items(me),
        # {% if can('goods.edit') %}: show an action only to a reader whose roles allow it (no link to a 403).
        "can": lambda action: me is not None and me.can(Action(action)),
        "active_nav": active_nav,
        "version": __version__,
        "notice": t("ok." + notice_key) if notice_key and ("ok." + notice_key) != t("ok." + notice_key) else None,
        "error": None,
    }
    base.update(context or {})
    return TEMPLATES.TemplateResponse(request, template, base, status_code=status_code)


def role_names(t: Translator) -> dict[str, str]:
    """Every role's name in the reader's language."""
    return {r.value: t.pick(ROLE_NAMES[r]) for r in Role}


def error_text(request: Request, exc: DomainError) -> str:
    """What went wrong, in the reader's language (a console form shows it above the form)."""
    return translate_error(translator(request), exc)


def form_failed(
    request: Request,
    db: Session,
    exc: DomainError,
    show_again: Callable[[str, int], Response],
    *,
    describe: Callable[[Request, DomainError], str] | None = None,
) -> Response:
    """A console form's change failed: nothing of it is kept (rolled back at once, so the page shows the
    data as it was) and ``show_again(error, status)`` renders the page again with what went wrong in the
    reader's language (``describe`` may say more than :func:`error_text`). Every console form ends here on
    a domain error (directly or by :func:`form_action`)."""
    db.rollback()
    return show_again((describe or error_text)(request, exc), exc.status_code)


def form_action(
    request: Request,
    db: Session,
    change: Callable[[], Response],
    show_again: Callable[[str, int], Response],
) -> Response:
    """A console form's change, the one way: run ``change`` (it returns the answer, usually a redirect, and
    the request's unit of work commits); on a domain error nothing of it is kept (rolled back at once, so
    the page shows the data as it was) and ``show_again(error, status)`` re-renders the page with what went
    wrong in the reader's language."""
    try:
        return change()
    except DomainError as exc:
        return form_failed(request, db, exc, show_again)
