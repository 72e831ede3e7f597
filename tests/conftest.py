"""Shared fixtures: the database (SQLite in memory, or PostgreSQL), a fake clock, the app and factories.

Set LIVECREW_TEST_DATABASE_URL to run the whole suite on PostgreSQL. In CI (CI=true) an unreachable
server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from livecrew.app import create_app
from livecrew.core.clock import CLOCK_KEY, FakeClock
from livecrew.core.config import Settings
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.core.pubsub import HUB_KEY, LocalHub
from livecrew.models import metadata
from support import Factory

PG_URL = os.environ.get("LIVECREW_TEST_DATABASE_URL") or None
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header(config: pytest.Config) -> str:
    return f"livecrew database under test: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (in memory)'}"


def require_postgres() -> str:
    """The PostgreSQL URL, or a skip (outside CI) / failure (in CI) with the reason."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI must run the PostgreSQL tests: set LIVECREW_TEST_DATABASE_URL")
        pytest.skip(
            "PostgreSQL tests need LIVECREW_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    return PG_URL


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    url = require_postgres()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        message = f"PostgreSQL at {url} is not reachable: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    from livecrew.core.migrate import upgrade

    upgrade(url)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL that separate processes / engines can share (used by CLI and browser tests)."""
    if PG_URL:
        request.getfixturevalue("engine")
        return PG_URL
    return f"sqlite:///{tmp_path / 'livecrew.db'}"


@pytest.fixture
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if PG_URL:
        pg: Engine = request.getfixturevalue("pg_engine")
        _truncate(pg)
        yield pg
        _truncate(pg)
        return
    # A file of its own per test (copied from a schema made once), so that every thread and background job
    # has its own connection, as in production: an in-memory database would share one connection, and a
    # job's commit or rollback would land in the middle of the test's transaction.
    path = tmp_path / "engine.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    sqlite = make_engine(f"sqlite:///{path}")
    event.listen(sqlite, "connect", _fast_sqlite)
    yield sqlite
    sqlite.dispose()


def _fast_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Tests do not need a commit to reach the disk (the durability tests run real processes)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema, made once per test process; each test's ``engine`` copies it."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hub() -> LocalHub:
    return LocalHub()


@pytest.fixture
def db(engine: Engine, hub: LocalHub, clock: FakeClock) -> Iterator[Session]:
    factory = make_sessionmaker(engine)
    factory.kw["info"] = {HUB_KEY: hub, CLOCK_KEY: clock}
    session = factory()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", log_level="WARNING")


@pytest.fixture
def app(settings: Settings, clock: FakeClock, engine: Engine, hub: LocalHub) -> FastAPI:
    return create_app(settings, clock=clock, engine=engine, hub=hub)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_client(app: FastAPI) -> Iterator[Callable[[], TestClient]]:
    """Extra clients with their own cookie jars (two people signed in at once)."""
    opened: list[TestClient] = []

    def factory() -> TestClient:
        c = TestClient(app)
        c.__enter__()
        opened.append(c)
        return c

    yield factory
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture
def factory(db: Session, clock: FakeClock) -> Factory:
    return Factory(db, clock)


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A migrated database the ``livecrew`` command works on (settings re-read from the environment)."""
    from typer.testing import CliRunner

    from livecrew import cli
    from livecrew.core.config import get_settings

    monkeypatch.setenv("LIVECREW_DATABASE_URL", db_url)
    monkeypatch.setenv("LIVECREW_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = CliRunner(env={"COLUMNS": "300"}).invoke(cli.app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield db_url
    get_settings.cache_clear()
