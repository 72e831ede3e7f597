"""Database engine, sessions and the declarative base.

SQLite (WAL) is the embedded default; PostgreSQL is the scale-out path. Services take a
``Session`` and never commit: the request or the job that called them does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the clock (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # A writer waits for the one before it (up to 20 s) rather than failing: bursts of ingest and +1 claims
    # queue up on SQLite's single write lock; a busy machine made 5 s too short.
    cursor.execute("PRAGMA busy_timeout=20000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before we answer, even across a power cut (WAL keeps it fast).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def json_text(value: Any) -> str:
    """JSON as the database columns keep it (the engines' serializer)."""
    return orjson.dumps(value).decode()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}, "json_serializer": json_text}
        if memory:
            kwargs["poolclass"] = StaticPool
        else:
            # WAL lets many readers share the file; live viewers and ingest need more than the default 5.
            kwargs.update(pool_size=10, max_overflow=40)
        engine = create_engine(url, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, echo=echo, pool_size=10, max_overflow=20, json_serializer=json_text)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle in the pool for a while.

    A server restart or an idle timeout leaves dead connections in the pool; a ping at checkout finds
    them (and the pool opens a new one). Pinging every checkout (``pool_pre_ping``) was a round trip twice
    a request (the sign-in check gives its connection back before the route takes one): a connection given
    back a moment ago is as alive as a ping would show, and one that dies between two uses fails its
    request the same way with or without the ping."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise DisconnectionError("a pooled connection did not answer its ping")  # the pool opens another


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work for jobs and CLI commands: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


M = TypeVar("M", bound=Base)


def unsaved_defaults(model: type[M], **values: Any) -> M:
    """A new row of ``model`` with every column's default filled in, not added to any session: what a
    read shows for a settings row that does not exist (yet), without writing one (a GET never writes)."""
    filled = dict(values)
    for column in model.__table__.columns:
        default = column.default
        if column.key in filled or default is None:
            continue
        arg = getattr(default, "arg", None)
        if getattr(default, "is_callable", False):
            filled[column.key] = arg(None)  # type: ignore[misc]
        elif getattr(default, "is_scalar", False):
            filled[column.key] = arg
    return model(**filled)


KEEP_ON_ERROR = "livecrew_keep_on_error"


def keep_on_error(session: Session) -> None:
    """What this session holds now is kept even though the request (or command) then fails with an error:
    the record of a refused or failed attempt (a gate's refusal). Its unit of work commits before answering
    the error; anything added after this call is kept too, so call it last."""
    session.info[KEEP_ON_ERROR] = True
