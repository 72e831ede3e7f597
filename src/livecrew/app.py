"""The FastAPI application factory: API, console, static files, error handling."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from livecrew import __version__
from livecrew.core import jobs as core_jobs
from livecrew.core.api import router as system_router
from livecrew.core.auth.api import router as auth_router
from livecrew.core.auth.deps import CSRF_COOKIE, LoginRequired, cookie_secure
from livecrew.core.clock import CLOCK_KEY, Clock, SystemClock
from livecrew.core.config import LANGUAGES, Settings, get_settings
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.core.deps import AppContext
from livecrew.core.errors import DomainError, TooManyAttempts
from livecrew.core.logging import configure_logging, get_logger
from livecrew.core.plugins import contributions, loaded
from livecrew.core.pubsub import HUB_KEY, LocalHub, make_hub
from livecrew.web.i18n import Translator, match_accept_language
from livecrew.web.pages import router as pages_router
from livecrew.web.render import csrf_token, language_for, render, translate_error

log = get_logger(__name__)
# Our pages load scripts and styles only from /static (no inline script); htmx sets inline styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STATIC_DIR = Path(__file__).parent / "web" / "static"
API_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>livecrew API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="/openapi.json"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script></body></html>
"""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _asked_language(request: Request) -> str | None:
    wanted = request.query_params.get("lang")
    if wanted in LANGUAGES:
        return wanted
    return match_accept_language(request.headers.get("accept-language"))


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, str]]]:
    problems = []
    for err in exc.errors():
        field = _field_name(err.get("loc", ()))
        message = str(err.get("msg", "is not valid"))
        if err.get("type") == "missing":
            message = "is required"
        elif err.get("type") == "extra_forbidden":
            message = "is not a field this endpoint accepts"
        problems.append({"field": field, "problem": message})
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
    return f"The request is not valid. {summary}", problems


# Pydantic's error types, as the catalog words them (err.v.*); any other type reads as err.v.invalid.
_VALIDATION_KEYS = {
    "missing": "err.v.missing",
    "extra_forbidden": "err.v.extra",
    "int_parsing": "err.v.int",
    "int_from_float": "err.v.int",
    "int_type": "err.v.int",
    "float_parsing": "err.v.number",
    "float_type": "err.v.number",
    "decimal_parsing": "err.v.number",
    "bool_parsing": "err.v.bool",
    "string_too_long": "err.v.too_long",
    "string_too_short": "err.v.too_short",
    "too_long": "err.v.too_many",
    "too_short": "err.v.too_few",
    "greater_than": "err.v.range",
    "greater_than_equal": "err.v.range",
    "less_than": "err.v.range",
    "less_than_equal": "err.v.range",
    "literal_error": "err.v.choice",
    "enum": "err.v.choice",
    "datetime_parsing": "err.v.datetime",
    "datetime_from_date_parsing": "err.v.datetime",
    "date_parsing": "err.v.date",
    "date_from_datetime_parsing": "err.v.date",
}


def _translate_validation(t: Translator, exc: RequestValidationError) -> str:
    """The same problems in the reader's language, each field named by its label (field.*) when it has one."""
    parts = []
    for err in exc.errors()[:5]:
        name = _field_name(err.get("loc", ()))
        last = name.rsplit(".", 1)[-1]
        label = t(f"field.{last}")
        if label == f"field.{last}":
            label = name
        ctx = err.get("ctx") or {}
        limit = next((ctx[k] for k in ("max_length", "min_length", "ge", "gt", "le", "lt") if k in ctx), "")
        key = _VALIDATION_KEYS.get(str(err.get("type")), "err.v.invalid")
        parts.append(t(key, field=label, limit=limit))
    return t("err.v.summary", problems="；".join(parts) if t.language != "en" else "; ".join(parts))


class BodyTooLarge(StarletteHTTPException):
    """A body past the limit, found while it streams in (chunked, or longer than its Content-Length said).

    An HTTPException, because FastAPI turns any other error met while reading a body into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit / (1024 * 1024):.0f} MiB; send it in smaller batches."


class BodyLimit:
    """Counts the body as it streams in and stops it at the limit: a chunked body has no Content-Length to
    check up front, and nothing past the limit is read into memory."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0
        limit = self.limit

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


class Guard:
    """Every HTTP request: the declared body size checked up front, a request id on its log lines and on its
    answer, the access log line, the security headers, and the CSRF cookie when a page made a token.

    Plain ASGI (it wraps ``send``): a BaseHTTPMiddleware ran each request through a task group and a memory
    stream of its own, a cost every live batch paid."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.settings
        request = Request(scope)
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                answer = JSONResponse({"error": "invalid", "message": "Content-Length must be a number."}, 400)
                await answer(scope, receive, send)
                return
            if int(length) > settings.max_body_bytes:
                answer = JSONResponse({"error": "too_large", "message": _too_large(settings.max_body_bytes)}, 413)
                await answer(scope, receive, send)
                return
        had_cookie = CSRF_COOKIE in request.cookies
        started = time.perf_counter()
        request_id = request.state.request_id = _request_id()
        path = scope["path"]

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                if not path.startswith("/static/"):
                    log.info(
                        "http.request",
                        method=scope["method"],
                        path=path,
                        status=message["status"],
                        ms=round((time.perf_counter() - started) * 1000, 1),
                    )
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                token = getattr(request.state, "csrf_token", None)
                if token and not had_cookie:
                    cookie = Response()
                    secure = cookie_secure(request, settings)
                    cookie.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        with bound_contextvars(request_id=request_id):  # on every log line of the request
            await self.app(scope, receive, headed)


def _request_id() -> str:
    return uuid.uuid4().hex[:16]


WARM_UP = "serve.warm_up"  # extension point: ``fn()`` builds a feature's lazily built tables before serving


def warm_up(app: FastAPI) -> None:
    """Build before the server listens what its first requests would otherwise build while a client waits.

    FastAPI builds each included router's routes (their dependencies and body models) the first time a
    request is matched against them: for this app about a second of CPU, paid by the first request of all,
    say a live feed's first batch after a restart. Matching a path no route takes walks every router. The
    features contribute their own (``serve.warm_up``: the text model and lexicon the ingest labels comments
    with).
    """
    scope: Scope = {"type": "http", "method": "GET", "path": "/.warm-up", "root_path": "", "headers": []}
    scope["query_string"] = b""
    for route in app.router.routes:
        route.matches(scope)
    for warm in contributions(WARM_UP):
        warm()


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    hub: LocalHub | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    if engine is None:
        settings.ensure_data_dir()
        engine = make_engine(settings.resolved_database_url)
    hub = hub or make_hub(settings.redis_url)
    sessions = make_sessionmaker(engine)
    clock = clock or SystemClock()
    sessions.kw["info"] = {HUB_KEY: hub, CLOCK_KEY: clock}
    ctx = AppContext(settings=settings, sessions=sessions, clock=clock, hub=hub)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        # Background jobs of features: a module named ``jobs`` with ``async start(app) -> list[Task]``.
        tasks: list[asyncio.Task[None]] = []
        for start in (core_jobs.start, *loaded("jobs")):
            tasks.extend(await start(app))
        log.info(
            "livecrew.started",
            version=__version__,
            database=engine.dialect.name,
            redis=bool(settings.redis_url),
        )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await hub.stop()

    app = FastAPI(
        title="livecrew API",
        version=__version__,
        description="The livecrew HTTP API. Authenticate with `Authorization: Bearer lc_...` "
        "(create a token in the console or with `livecrew token create`).",
        docs_url=None,  # served below from our own static files: the console works offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.engine = engine

    # Added before Guard, so inside it: a body stopped here raises in the route's own task, where the
    # exception handlers answer it.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(Guard, settings=settings)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
        if _is_api(request):
            body = exc.to_dict()
            principal = getattr(request.state, "principal", None)
            if principal is not None and principal.via == "session":
                # The console's own scripts call the API with the person's session: answer in their language.
                body["message"] = translate_error(Translator(language_for(request, principal)), exc)
            elif wanted := _asked_language(request):  # a program that asks for a language (?lang=, Accept-Language)
                body["message"] = translate_error(Translator(wanted), exc)
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        if isinstance(exc, LoginRequired):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        t = Translator(language_for(request, getattr(request.state, "principal", None)))
        csrf_token(request)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": translate_error(t, exc)},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        message, problems = _describe_validation(exc)
        principal = getattr(request.state, "principal", None)
        if _is_api(request):
            if principal is not None and principal.via == "session":  # the console's own scripts: their language
                message = _translate_validation(Translator(language_for(request, principal)), exc)
            elif wanted := _asked_language(request):
                message = _translate_validation(Translator(wanted), exc)
            return JSONResponse({"error": "invalid", "message": message, "details": problems}, status_code=422)
        message = _translate_validation(Translator(language_for(request, principal)), exc)
        return render(request, "error.html", {"status": 422, "message": message}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {
            404: "There is nothing at this address. Check the URL (API routes are listed at /docs).",
            405: f"{request.method} is not allowed here. The API reference at /docs lists the methods.",
        }
        message = messages.get(exc.status_code, str(exc.detail))
        if _is_api(request):
            code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
            return JSONResponse({"error": code, "message": message}, status_code=exc.status_code)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": message},
            status_code=exc.status_code,
        )

    @app.get("/docs", include_in_schema=False)
    async def api_reference() -> Response:
        """Swagger UI from the npm registry's swagger-ui-dist (copied at install), started by our own script."""
        return HTMLResponse(API_DOCS_PAGE)

    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: OverflowError) -> Response:
        # A number past what the database keeps (64-bit) reached a query; the ids of paths and bodies are
        # bounded by their type (core.params), this is the net under the rest.
        log.warning("http.number_out_of_range", path=request.url.path, error=str(exc))
        message = "A number in the request is out of range (an id is at most 2147483647)."
        if _is_api(request):
            return JSONResponse({"error": "invalid", "message": message}, status_code=422)
        return render(request, "error.html", {"status": 422, "message": message}, status_code=422)

    @app.exception_handler(DataError)
    async def bad_value(request: Request, exc: DataError) -> Response:
        # The database refused a value of the request (SQLSTATE class 22, "data exception": a NUL character
        # in a text, a number out of its column's range): the request is not valid, the server is fine.
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "a value is not valid"
        log.warning("http.value_refused_by_database", path=request.url.path, error=reason[:300])
        message = f"A value in the request cannot be stored: {reason}."
        if _is_api(request):
            return JSONResponse({"error": "invalid", "message": message}, status_code=422)
        return render(request, "error.html", {"status": 422, "message": message}, status_code=422)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # The documented shape, with the request id of the log line that has the traceback.
        request_id = getattr(request.state, "request_id", None) or _request_id()
        log.error(
            "http.server_error",
            request_id=request_id,
            method=request.method,
            path=request.url.path,
            error=f"{type(exc).__name__}: {exc}"[:500],
            exc_info=exc,
        )
        message = (
            "Something went wrong on the server; nothing you sent was wrong. "
            f"The error is logged with request id {request_id}: quote it when you report it."
        )
        headers = {"X-Request-ID": request_id}
        if _is_api(request) or "text/html" not in request.headers.get("accept", ""):
            body = {"error": "server_error", "message": message, "request_id": request_id}
            return JSONResponse(body, status_code=500, headers=headers)
        try:
            page = render(request, "error.html", {"status": 500, "message": message}, status_code=500)
            page.headers["X-Request-ID"] = request_id
            return page
        except Exception:  # the page itself failed: plain text still carries the id
            return Response(message, status_code=500, media_type="text/plain; charset=utf-8", headers=headers)

    app.include_router(system_router)
    app.include_router(auth_router)
    app.include_router(pages_router)
    for router in loaded("routers"):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.trusted_proxy_list:
        # Behind listed reverse proxies, the client's address and scheme are what they forward; from anyone
        # else the headers are ignored (the sign-in throttle keys on that address).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    return app
