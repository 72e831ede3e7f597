"""A page shows a person only what their roles allow: no link, button or form on the main pages leads to a
403 for the reader (the 匯入 tab for the controller, edit buttons for read-only roles)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import Match

from livecrew.core.auth.permissions import Action, allowed
from livecrew.core.auth.roles import Role
from livecrew.core.clock import FakeClock
from livecrew.demo import seed_demo
from livecrew.goods.models import Product
from livecrew.shows.models import Show, ShowStatus
from support import Factory, login


class Targets(HTMLParser):
    """Every same-site target of a page: links, forms and htmx requests, as (method, path)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.found.add(("GET", a["href"]))
        if tag == "form" and a.get("action", "").startswith("/"):
            self.found.add((a.get("method", "get").upper(), a["action"]))
        for verb in ("get", "post", "put", "patch", "delete"):
            if a.get(f"hx-{verb}", "").startswith("/"):
                self.found.add((verb.upper(), a[f"hx-{verb}"]))
        if tag == "button" and a.get("formaction", "").startswith("/"):
            self.found.add(("POST", a["formaction"]))


def _actions_of(dependant: Any) -> Iterator[Action]:
    """The permission dependencies of a route (``require_web(Action.x)`` / ``require(Action.x)``)."""
    for dep in dependant.dependencies:
        name = getattr(dep.call, "__name__", "")
        for prefix in ("require_web_", "require_"):
            if name.startswith(prefix) and name[len(prefix) :] in Action.__members__:
                yield Action[name[len(prefix) :]]
                break
        yield from _actions_of(dep)


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included in another (FastAPI includes them lazily)
            yield from _routes(route.original_router.routes)


def all_routes() -> list[APIRoute]:
    from livecrew.core.api import router as system_router
    from livecrew.core.auth.api import router as auth_router
    from livecrew.core.plugins import loaded
    from livecrew.web.pages import router as pages_router

    return [
        r for router in (system_router, auth_router, pages_router, *loaded("routers")) for r in _routes(router.routes)
    ]


def required(method: str, path: str) -> list[Action] | None:
    """What the route answering ``method path`` requires (None when no route matches)."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"", "headers": []}
    for route in all_routes():
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return list(_actions_of(route.dependant))
    return None


def test_the_route_table_is_read() -> None:
    assert required("GET", "/goods/import") == [Action.goods_edit]
    assert required("POST", "/settings/people") == [Action.people_manage]
    assert required("GET", "/no/such/page") is None


def _main_pages(db: Session) -> list[str]:
    show = db.scalar(select(Show).where(Show.status == ShowStatus.ready.value)) or db.scalar(select(Show))
    product = db.scalar(select(Product))
    assert show is not None and product is not None
    return [
        "/", "/team", "/team/duties", "/team/matrix", "/tasks", "/goods", "/goods/import", "/goods/suppliers",
        f"/goods/products/{product.id}", "/shows", f"/shows/{show.id}", f"/shows/{show.id}/lineup",
        f"/shows/{show.id}/stock", "/shows/templates", "/shows/templates/daily_2h", "/schedule", "/live",
        f"/live/{show.id}", "/channels", "/incidents", "/review", "/service", "/settings/workspace",
        "/settings/people", "/settings/tokens", "/compliance/lexicon", "/settings/profile",
    ]  # fmt: skip


@pytest.fixture
def demo(db: Session, clock: FakeClock, factory: Factory) -> tuple[list[str], dict[str, str]]:
    """The demo workspace's pages, and a person holding only one role for each role."""
    workspace, _logins, _created = seed_demo(db, clock)
    db.commit()
    people = {role.value: factory.user(workspace, role.value, name=f"只有{role.value}").email for role in Role}
    return _main_pages(db), people


def test_the_crawler_sees_a_forbidden_target() -> None:
    parser = Targets()
    parser.feed('<a href="/goods/import">匯入</a><form method="post" action="/goods/products/1"></form>')
    assert parser.found == {("GET", "/goods/import"), ("POST", "/goods/products/1")}


def test_no_page_offers_what_the_reader_may_not_do(
    make_client: Callable[[], TestClient], demo: tuple[list[str], dict[str, str]]
) -> None:
    """Every role in turn (one demo workspace, seeded once): each main page it may open, each target on it."""
    pages, people = demo
    offending: list[str] = []
    for role in Role:
        client = make_client()
        login(client, people[role.value])
        for page in pages:
            answer = client.get(page)
            if answer.status_code in (403, 404):
                continue  # not a page of this role: the check below finds any link to it
            assert answer.status_code == 200, (role.value, page, answer.status_code)
            parser = Targets()
            parser.feed(answer.text)
            for method, target in sorted(parser.found):
                path = urlsplit(target).path
                if path.startswith(("/static/", "/docs")):
                    continue
                needs = required(method, path)
                if needs and not all(allowed((role.value,), action) for action in needs):
                    wanted = ", ".join(a.value for a in needs)
                    offending.append(f"{role.value} on {page}: {method} {target} needs {wanted}")
    assert not offending, "actions offered to roles that may not take them:\n" + "\n".join(sorted(set(offending)))


def test_templates_can_ask_what_the_reader_may_do(client: TestClient, demo: tuple[list[str], dict[str, str]]) -> None:
    _pages, people = demo
    login(client, people["controller"])
    goods = client.get("/goods").text
    assert not re.search(r'href="/goods/import"', goods)
    login(client, people["selection"])
    assert re.search(r'href="/goods/import"', client.get("/goods").text)
