"""Requests must not hold database connections across worker-thread hops, and last-use times get written."""

from __future__ import annotations

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.requests import Request

from livecrew.core.auth.deps import api_principal
from livecrew.core.auth.models import ApiToken, Workspace
from livecrew.core.auth.service import flush_touches
from livecrew.core.clock import FakeClock
from livecrew.core.deps import get_db
from support import Factory


def _request(token: str) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/me",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "query_string": b"",
    }
    return Request(scope)


def test_sign_in_check_leaves_no_transaction_open(db: Session, factory: Factory, clock: FakeClock) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "tech"))
    principal = api_principal(_request(token), db, clock)
    assert principal.viewer.roles == ("tech",)
    assert not db.in_transaction()  # the connection is back in the pool before the next hop
    assert principal.workspace.id == ws.id  # and the objects still load


def test_last_use_is_written_in_a_batch(db: Session, factory: Factory, clock: FakeClock) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "tech"))
    api_principal(_request(token), db, clock)
    assert flush_touches(db.get_bind()) >= 1  # type: ignore[arg-type]
    db.expire_all()
    row = db.query(ApiToken).one()
    assert row.last_used_at == clock.now()


def _app_request(app: FastAPI) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b"", "app": app})


def test_the_request_session_rolls_back_what_was_not_committed_and_closes(
    app: FastAPI, db: Session, clock: FakeClock
) -> None:
    async def scenario() -> tuple[bool, bool]:
        # A route that wrote and then failed: the dependency's exit rolls the write back, in a worker thread.
        deps = get_db(_app_request(app))
        session = await deps.__anext__()
        session.add(Workspace(id="w-rolled-back", name="rolled back", created_at=clock.now()))
        session.flush()
        with pytest.raises(RuntimeError):
            await deps.athrow(RuntimeError("the route failed"))
        failed_left_open = session.in_transaction()
        # A route that committed: closing needs no thread and keeps what was committed.
        deps = get_db(_app_request(app))
        session = await deps.__anext__()
        session.add(Workspace(id="w-committed", name="committed", created_at=clock.now()))
        session.commit()
        with pytest.raises(StopAsyncIteration):
            await deps.__anext__()
        return failed_left_open, session.in_transaction()

    failed_left_open, committed_left_open = anyio.run(scenario)
    assert not failed_left_open and not committed_left_open
    db.expire_all()
    assert db.get(Workspace, "w-rolled-back") is None
    assert db.get(Workspace, "w-committed") is not None
