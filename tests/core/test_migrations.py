"""Alembic: one head, and the migrated schema is exactly what the models declare."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from livecrew.core.db import make_engine
from livecrew.core.migrate import heads, upgrade
from livecrew.models import metadata


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_exactly_one_head() -> None:
    assert len(heads()) == 1


def test_migrated_sqlite_schema_matches_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    upgrade(url)


@pytest.mark.postgres
def test_migrated_postgres_schema_matches_models(pg_engine: Engine) -> None:
    assert _diff(pg_engine) == []
