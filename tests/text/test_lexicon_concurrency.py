"""Concurrent lexicon edits of one workspace each get their own version (no 500 on the version number)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import CLOCK_KEY, FakeClock
from livecrew.core.db import Base, make_engine, make_sessionmaker
from livecrew.text import lexicon
from livecrew.text.models import LexiconChange
from support import Factory


def test_parallel_adds_get_distinct_versions(db_url: str) -> None:
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":
        Base.metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    clock = FakeClock()
    sessions.kw["info"] = {CLOCK_KEY: clock}
    with sessions() as setup:
        ws = Factory(setup, clock).workspace()
        setup.commit()

    def add(i: int) -> int:
        with sessions() as s:
            workspace = s.get(Workspace, ws.id)
            assert workspace is not None
            change = lexicon.add_term(s, workspace, term=f"並發詞{i}號", category="absolute")
            version = change.version
            s.commit()
            return version

    with ThreadPoolExecutor(8) as pool:
        versions = list(pool.map(add, range(8)))
    assert sorted(versions) == list(range(1, 9))
    with sessions() as s:
        stored = s.scalars(select(LexiconChange.version).where(LexiconChange.workspace_id == ws.id)).all()
        assert sorted(stored) == list(range(1, 9))
        workspace = s.get(Workspace, ws.id)
        assert workspace is not None
        assert len(lexicon.state_of(s, workspace).added) == 8
    engine.dispose()
