"""What reading built-in content in the reader's language costs: loading a workspace's 117 duties and its two
shipped show templates (run of show and checklist walked) with no reader language, and in each of the three.

    .venv/bin/python bench/shipped_text.py [--rounds N]

SQLite in memory; best of N rounds (default 30) per language, in milliseconds, and the ratio to no language.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import select

from livecrew.core.auth import service
from livecrew.core.clock import FakeClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.core.shipped import set_reader_language
from livecrew.models import metadata
from livecrew.shows.models import ShowTemplate
from livecrew.team.models import Duty


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        workspace = service.create_workspace(db, FakeClock(), "bench")
        db.commit()
        workspace_id = workspace.id

    def best(language: str | None) -> float:
        fastest = float("inf")
        for _ in range(rounds):
            with sessions() as db:
                set_reader_language(db, language)
                start = time.perf_counter()
                db.scalars(select(Duty).where(Duty.workspace_id == workspace_id)).all()
                db.scalars(select(ShowTemplate).where(ShowTemplate.workspace_id == workspace_id)).all()
                fastest = min(fastest, time.perf_counter() - start)
        return fastest * 1000

    best("en")  # builds the indexes once
    plain = best(None)
    print(f"as stored       {plain:6.2f} ms")
    for language in ("zh-Hant", "zh-Hans", "en"):
        ms = best(language)
        print(f"{language:15} {ms:6.2f} ms  x{ms / plain:.2f}")


if __name__ == "__main__":
    main()
