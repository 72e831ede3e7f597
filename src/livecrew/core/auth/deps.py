"""Authentication and permission dependencies. Routes declare what they need; nobody checks roles by hand."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.models import User, Workspace
from livecrew.core.auth.permissions import Action, allowed, roles_for
from livecrew.core.background import in_thread
from livecrew.core.clock import Clock
from livecrew.core.config import LANGUAGES, Settings
from livecrew.core.deps import get_clock, get_db
from livecrew.core.errors import DomainError, Forbidden, Unauthenticated
from livecrew.core.shipped import match_accept_language, set_reader_language

SESSION_COOKIE = "lc_session"
CSRF_COOKIE = "lc_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STREAM_RECHECK_SECONDS = 60.0
# A browser where the person signed in before (see service.check_throttle); kept for half a year.
DEVICE_COOKIE = "lc_device"
DEVICE_DAYS = 180


def cookie_secure(request: Request, settings: Settings) -> bool:
    """Whether cookies get the Secure flag. ``auto``: when the request came over HTTPS, as the app sees it —
    behind a proxy, that is what a trusted proxy said (``LIVECREW_TRUSTED_PROXIES``), never a bare header."""
    if settings.cookie_secure == "always":
        return True
    if settings.cookie_secure == "never":
        return False
    return request.url.scheme == "https"


@dataclass(frozen=True)
class Viewer:
    """Plain values about the caller, safe to read after the request's transaction is gone."""

    user_id: str
    name: str
    email: str
    language: str | None
    roles: tuple[str, ...]
    workspace_id: str
    workspace_name: str
    timezone: str
    currency: str
    default_language: str

    def can(self, action: Action) -> bool:
        return allowed(self.roles, action)


@dataclass
class Principal:
    user: User
    workspace: Workspace
    via: str  # "token" or "session"
    viewer: Viewer

    @property
    def roles(self) -> tuple[str, ...]:
        return self.viewer.roles

    def can(self, action: Action) -> bool:
        return self.viewer.can(action)


class LoginRequired(DomainError):
    """Raised by console pages; the web layer turns it into a redirect to the sign-in page."""

    status_code = 401
    code = "login_required"


class CsrfFailed(DomainError):
    status_code = 403
    code = "csrf"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated('The Authorization header must look like "Bearer lc_...".')
    return value.strip()


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


def _principal_for(db: Session, user: User, via: str, workspace: Workspace | None = None) -> Principal:
    if workspace is None:
        workspace = db.get(Workspace, user.workspace_id)
        if workspace is None:  # pragma: no cover - a user always has a workspace (FK)
            raise Unauthenticated("your workspace no longer exists")
    viewer = Viewer(
        user_id=user.id,
        name=user.display_name,
        email=user.email,
        language=user.language,
        roles=tuple(user.role_keys),
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        timezone=workspace.timezone,
        currency=workspace.currency,
        default_language=workspace.default_language,
    )
    # End the read transaction so the connection goes back to the pool before FastAPI hops to another
    # worker thread for the next dependency or the route: holding it across the hop can deadlock the
    # thread pool against the connection pool when many requests arrive at once (hundreds of viewers).
    db.commit()
    set_reader_language(db, user.language or workspace.default_language)  # shipped text reads in their language
    return Principal(user=user, workspace=workspace, via=via, viewer=viewer)


def _api_language(request: Request, db: Session) -> None:
    """An API caller may ask for built-in text in another language: ``?lang=`` first, then Accept-Language."""
    wanted = request.query_params.get("lang")
    if wanted not in LANGUAGES:
        wanted = match_accept_language(request.headers.get("accept-language"))
    if wanted:
        set_reader_language(db, wanted)


def api_principal(
    request: Request, db: Annotated[Session, Depends(get_db)], clock: Annotated[Clock, Depends(get_clock)]
) -> Principal:
    """API callers: a Bearer token, or the console's session cookie (with a CSRF header for changes)."""
    token = _bearer(request)
    if token is not None:
        owner, workspace = service.resolve_token(db, clock, token)
        principal = _principal_for(db, owner, "token", workspace)
        _api_language(request, db)
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = service.resolve_session(db, clock, cookie)
        if user is not None:
            if request.method not in SAFE_METHODS and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
                raise CsrfFailed("The request lacks a valid X-CSRF-Token header; reload the page and try again.")
            principal = _principal_for(db, user, "session")
            request.state.principal = principal  # errors then answer in the person's language
            _api_language(request, db)
            return principal
    raise Unauthenticated(
        "Sign in, or send an API token as 'Authorization: Bearer lc_...' (create one with `livecrew token create`)."
    )


def web_principal(
    request: Request, db: Annotated[Session, Depends(get_db)], clock: Annotated[Clock, Depends(get_clock)]
) -> Principal:
    cookie = request.cookies.get(SESSION_COOKIE)
    user = service.resolve_session(db, clock, cookie) if cookie else None
    if user is None:
        raise LoginRequired("Please sign in.")
    principal = _principal_for(db, user, "session")
    request.state.principal = principal
    return principal


def _forbidden(action: Action) -> Forbidden:
    who = ", ".join(r.value for r in roles_for(action))
    return Forbidden(
        f"Your roles do not allow this ({action.value}). It needs one of these roles: {who}.",
        key="err.forbidden",
        params={"roles": [r.value for r in roles_for(action)]},
    )


def require(action: Action) -> Callable[..., Awaitable[Principal]]:
    """An API dependency that lets the request through only when the principal may do ``action``."""

    async def dependency(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:  # no thread hop
        if not principal.can(action):
            raise _forbidden(action)
        return principal

    dependency.__name__ = f"require_{action.name}"
    return dependency


def require_web(action: Action) -> Callable[..., Awaitable[Principal]]:
    """The console's counterpart of ``require``."""

    async def dependency(principal: Annotated[Principal, Depends(web_principal)]) -> Principal:  # no thread hop
        if not principal.can(action):
            raise _forbidden(action)
        return principal

    dependency.__name__ = f"require_web_{action.name}"
    return dependency


async def verify_csrf(request: Request) -> None:
    """Every state-changing console request must echo the CSRF cookie in a form field or header."""
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    if not csrf_ok(request, submitted):
        raise CsrfFailed(
            "This form has expired or was not sent from livecrew. Reload the page and try again.",
            key="err.csrf",
        )


@dataclass(frozen=True)
class StreamGuard:
    """How a long-lived stream checks, now and then, that its caller may still read it."""

    user_id: str
    allowed: Callable[[], Awaitable[bool]]
    every: float = STREAM_RECHECK_SECONDS

    @classmethod
    def for_request(cls, request: Request, principal: Principal, action: Action) -> StreamGuard:
        sessions = request.app.state.ctx.sessions
        clock = request.app.state.ctx.clock
        token = _bearer(request) if principal.via == "token" else None
        cookie = request.cookies.get(SESSION_COOKIE) if principal.via == "session" else None

        def check() -> bool:
            with sessions() as db:
                try:
                    if token is not None:
                        user, _ = service.resolve_token(db, clock, token)
                    else:
                        found = service.resolve_session(db, clock, cookie) if cookie else None
                        if found is None:
                            return False
                        user = found
                except DomainError:
                    return False
                ok = user.id == principal.user.id and user.active and allowed(tuple(user.role_keys), action)
                db.commit()  # resolve_session may have removed an expired session
                return ok

        async def allowed_now() -> bool:
            return await in_thread(check)

        return cls(principal.user.id, allowed_now)
