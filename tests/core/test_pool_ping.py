"""PostgreSQL's pool pings a connection before use only when it sat idle; a dead one is replaced."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from livecrew.core import db as core_db
from livecrew.core.db import make_engine


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        calls.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return calls


@pytest.mark.postgres
def test_a_connection_used_a_moment_ago_is_not_pinged(pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(pg_engine.url.render_as_string(hide_password=False))
    try:
        pings = _pings(engine, monkeypatch)
        for _ in range(3):  # a request: the sign-in check, then the route, each a checkout
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert pings == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_an_idle_dead_connection_is_replaced(pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(pg_engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            dead = conn.scalar(text("SELECT pg_backend_pid()"))
        with pg_engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
        monkeypatch.setattr(core_db, "PING_AFTER_IDLE_S", 0.0)  # it has sat idle long enough
        pings = _pings(engine, monkeypatch)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT pg_backend_pid()")) != dead
        assert len(pings) == 1
    finally:
        engine.dispose()
