"""What every ``livecrew`` command shares: the consoles, the clock, ``fail`` and the unit of work.

Features' ``cli.py`` modules use this (``from livecrew.core import cli``), never ``livecrew.cli`` (the
face above them). It imports nothing heavy: the database, Alembic and the settings are imported when a
command opens :func:`database`, so ``livecrew --help`` stays quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from livecrew.core.clock import Clock, SystemClock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from livecrew.core.config import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Tests may swap this for a fake clock.
CLOCK: Clock = SystemClock()


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    from livecrew.core.config import get_settings

    try:
        return get_settings()
    except Exception as exc:  # pydantic's message names the variable that is wrong
        raise fail(f"the LIVECREW_* configuration is not valid: {exc}") from None


@contextmanager
def database() -> Iterator[Session]:
    """A command's unit of work: a session on a migrated database that commits once, at the end, and
    rolls back on any error (a domain error becomes the command's error message)."""
    from livecrew.core.db import KEEP_ON_ERROR, make_engine, make_sessionmaker
    from livecrew.core.errors import DomainError
    from livecrew.core.migrate import current_revision, heads

    config = settings()
    config.ensure_data_dir()
    url = config.resolved_database_url
    engine = make_engine(url)
    try:
        try:
            revision = current_revision(engine)
        except Exception as exc:
            raise fail(
                f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: {exc}"
            ) from None
        if revision not in heads(url):
            raise fail("the database is not set up, or is older than this livecrew: run `livecrew db upgrade` first")
        session = make_sessionmaker(engine)()
        try:
            yield session
            session.commit()
        except DomainError as exc:
            if session.info.pop(KEEP_ON_ERROR, False):
                session.commit()  # what the failed command keeps (core.db.keep_on_error)
            else:
                session.rollback()
            raise fail(exc.message) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    finally:
        engine.dispose()
