"""The permission table: documented, and enforced cell by cell through the real dependency."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import PERMISSIONS, Action, allowed, render_markdown
from livecrew.core.auth.roles import Role
from support import Factory, bearer

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"

# The expected table, written out independently of permissions.py: a change to either side must be deliberate.
EXPECTED: dict[str, set[str]] = {
    "workspace.view": {r.value for r in Role},
    "workspace.manage": {"owner"},
    "people.view": {r.value for r in Role},
    "people.manage": {"owner", "operations"},
    "tokens.own": {r.value for r in Role},
    "tokens.manage": {"owner"},
    "team.view": {r.value for r in Role},
    "team.edit": {"owner", "operations"},
    "goods.view": {r.value for r in Role},
    "goods.edit": {"owner", "operations", "selection"},
    "shows.view": {r.value for r in Role},
    "shows.edit": {"owner", "operations"},
    "shows.transition": {"owner", "operations", "controller"},
    "shows.checklist": {r.value for r in Role},
    "live.view": {r.value for r in Role},
    "live.ingest": {"owner", "operations", "controller", "tech"},
    "live.control": {"owner", "host", "assistant", "operations", "controller"},
    "alerts.edit": {"owner", "operations", "controller"},
    "claims.manage": {"owner", "assistant", "operations", "controller", "service"},
    "compliance.edit": {"owner", "operations", "controller"},
    "comms.post": {r.value for r in Role},
    "comms.manage": {"owner", "operations"},
    "comms.view": {r.value for r in Role},
    "comms.pin": {"owner", "host", "assistant", "operations", "controller"},
    "comms.moderate": {"owner"},
    "incidents.run": {r.value for r in Role},
    "incidents.edit": {"owner", "operations", "controller"},
    "service.view": {"owner", "operations", "service"},  # customer data: these roles only
    "service.edit": {"owner", "operations", "service"},
    "service.manage": {"owner", "operations"},
    "review.view": {r.value for r in Role},
    "review.edit": {"owner", "operations", "analyst"},
    "review.scores_all": {"owner", "operations"},
    "notify.manage": {"owner", "operations", "tech"},
}

CELLS = [(role, action) for role in Role for action in Action]


def test_docs_are_generated_from_the_table() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), "run: livecrew permissions > docs/permissions.md"


def test_table_matches_the_expected_grid() -> None:
    assert {a.value: {r.value for r in roles} for a, roles in PERMISSIONS.items()} == EXPECTED


def test_several_roles_combine() -> None:
    assert not allowed(["host"], Action.goods_edit)
    assert allowed(["host", "selection"], Action.goods_edit)
    assert not allowed([], Action.live_view)


@pytest.fixture
def probe_app(app: FastAPI) -> FastAPI:
    for action in Action:

        def endpoint(principal: Principal) -> dict[str, str]:
            return {"ok": principal.user.id}

        endpoint.__annotations__ = {"principal": Annotated[Principal, Depends(require(action))], "return": dict}
        app.add_api_route(f"/api/v1/_probe/{action.value}", endpoint, methods=["GET"])
    return app


def test_every_cell_is_enforced(probe_app: FastAPI, factory: Factory) -> None:
    ws = factory.workspace()
    tokens = {role: factory.token(factory.user(ws, role.value)) for role in Role}
    with TestClient(probe_app) as client:
        for role, action in CELLS:
            response = client.get(f"/api/v1/_probe/{action.value}", headers=bearer(tokens[role]))
            expected = 200 if role.value in EXPECTED[action.value] else 403
            assert response.status_code == expected, (role, action, response.text)
            if expected == 403:
                assert action.value in response.json()["message"]


def test_real_endpoint_refuses_by_role(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    host = factory.token(factory.user(ws, "host"))
    ops = factory.token(factory.user(ws, "operations"))
    body = {"email": "new@example.com", "display_name": "新人", "roles": ["service"], "password": "longenough1"}
    denied = client.post("/api/v1/people", json=body, headers=bearer(host))
    assert denied.status_code == 403
    assert "people.manage" in denied.json()["message"]
    assert client.post("/api/v1/people", json=body, headers=bearer(ops)).status_code == 201
