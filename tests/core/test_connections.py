"""Requests must not hold database connections across worker-thread hops, and last-use times get written."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request

from livecrew.core.auth.deps import api_principal
from livecrew.core.auth.models import ApiToken
from livecrew.core.auth.service import flush_touches
from livecrew.core.clock import FakeClock
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
