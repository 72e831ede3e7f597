"""A GET never writes: every GET route of the API and the console, read by the owner of a demo workspace,
executes no INSERT, UPDATE or DELETE (settings rows are made with the workspace, not on first read)."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event, select
from sqlalchemy.orm import Session

from livecrew.core.api import router as system_router
from livecrew.core.auth.api import router as auth_router
from livecrew.core.clock import FakeClock
from livecrew.core.plugins import loaded
from livecrew.demo import DEMO_PASSWORD, demo_email, seed_demo
from livecrew.goods.models import GoodsSettings, Product, Supplier
from livecrew.shows.models import Perk, Show, ShowSettings, ShowStatus
from livecrew.web.pages import router as pages_router
from support import login

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# Last-use times of sessions and tokens are noted in memory on the request path and written later by a job
# (core.auth.service.flush_touches); that job may run while this test reads.
TOUCH = re.compile(r"^\s*UPDATE\s+(web_sessions|api_tokens)\s+SET\s+(last_seen_at|last_used_at)", re.IGNORECASE)
# Endless event streams (SSE): they are read by the stream tests.
STREAMS = ("/stream",)


# The path of the request being served. Background jobs started with the app (the matrix reminders, the review
# builds...) run outside any request, so their statements carry no path and are not the GET's writes.
REQUEST_PATH: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_path", default=None)


class MarkRequests:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = REQUEST_PATH.set(scope["path"])
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_PATH.reset(token)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    app.add_middleware(MarkRequests)
    with TestClient(app) as c:
        yield c


def _get_paths() -> list[str]:
    paths: list[str] = []
    for router in (system_router, auth_router, pages_router, *loaded("routers")):
        for route in router.routes:
            path = getattr(route, "path", "")
            if "GET" in getattr(route, "methods", ()) and not path.endswith(STREAMS):
                paths.append(path)
    return sorted(set(paths))


def _ids(db: Session) -> dict[str, str]:
    show = db.scalar(select(Show).where(Show.status == ShowStatus.ready.value)) or db.scalar(select(Show))
    product = db.scalar(select(Product))
    supplier = db.scalar(select(Supplier))
    perk = db.scalar(select(Perk))
    assert show is not None and product is not None
    from livecrew.core.auth.models import User

    owner = db.scalar(select(User).where(User.email == demo_email("owner")))
    assert owner is not None
    return {
        "show_id": show.id,
        "product_id": str(product.id),
        "supplier_id": str(supplier.id) if supplier else "1",
        "perk_id": str(perk.id) if perk else "1",
        "person_id": owner.id,
        "ref": "daily_2h",
        "day": show.starts_at.date().isoformat(),
        "file_id": "1",
        "secret": "no-such-invitation",
        "fmt": "csv",
    }


def _read_all(client: TestClient, engine: Engine, ids: dict[str, str]) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """GET every route once; returns the writes seen (path, statement) and each route's status."""
    writes: list[tuple[str, str]] = []
    read_in_requests = [0]

    def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        path = REQUEST_PATH.get()
        if path is None:
            return  # a background job's statement
        read_in_requests[0] += 1
        if WRITE.match(statement) and not TOUCH.match(statement):
            writes.append((path, statement.split("\n")[0][:120]))

    answered: dict[str, int] = {}
    event.listen(engine, "before_cursor_execute", watch)
    try:
        for template in _get_paths():
            path = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "1"), template)  # ids of rows that exist
            response = client.get(path, follow_redirects=False)
            answered[template] = response.status_code
            assert response.status_code < 500, (path, response.text[:500])
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert read_in_requests[0] > len(answered)  # the requests' own statements are seen (the watch is not blind)
    return writes, answered


def test_no_get_route_writes(app: FastAPI, client: TestClient, db: Session, engine: Engine, clock: FakeClock) -> None:
    seed_demo(db, clock)
    db.commit()
    ids = _ids(db)
    login(client, demo_email("owner"), DEMO_PASSWORD)
    assert len(_get_paths()) > 80  # the API's and the console's
    writes, answered = _read_all(client, engine, ids)
    assert writes == []
    # most of them answered with content (not a 404 or a redirect to sign in)
    assert sum(1 for status in answered.values() if status == 200) > 0.8 * len(answered), answered


def test_a_new_workspace_reads_without_writing(
    app: FastAPI, client: TestClient, db: Session, engine: Engine, clock: FakeClock
) -> None:
    """A workspace made a moment ago (nothing in it but its owner): its first reads write nothing either,
    even without its settings rows (a workspace from before they were made with it reads the defaults)."""
    from livecrew.core.auth import service

    workspace = service.create_workspace(db, clock, "新開的工作區", currency="TWD", timezone="Asia/Taipei")
    owner = service.create_user(
        db, clock, workspace, email="new-owner@example.com", display_name="新老闆", password="a-long-password",
        roles=["owner"],
    )  # fmt: skip
    db.execute(delete(GoodsSettings))
    db.execute(delete(ShowSettings))
    db.commit()
    login(client, "new-owner@example.com", "a-long-password")
    ids = dict.fromkeys(("show_id", "product_id", "supplier_id", "perk_id", "file_id"), "1")
    ids |= {"person_id": owner.id, "ref": "daily_2h", "day": "2026-01-01", "secret": "none", "fmt": "csv"}
    writes, _answered = _read_all(client, engine, ids)
    assert writes == []


def test_every_route_is_a_unit_of_work() -> None:
    """Every router of the core and of each feature commits through UnitOfWorkRoute (routes never commit)."""
    from fastapi.routing import APIRoute

    from livecrew.core.deps import UnitOfWorkRoute

    plain = [
        route.path
        for router in (system_router, auth_router, pages_router, *loaded("routers"))
        for route in router.routes
        if isinstance(route, APIRoute) and not isinstance(route, UnitOfWorkRoute)
    ]
    assert plain == [], f"routers without route_class=UnitOfWorkRoute: {plain}"
