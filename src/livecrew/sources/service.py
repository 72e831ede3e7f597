"""A show's live sources: create, start, stop, read; the state a running connector reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.sources.base import SourceState
from livecrew.sources.models import LiveSource, SourceStatus

PLATFORMS = ("tiktok", "facebook")
LEASE_SECONDS = 30


def _url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationFailed(
            f"“{value}” is not a web address; give the Graph API's address, e.g. https://streaming-graph.facebook.com",
            key="err.source_url",
            params={"url": value},
        )
    return value.rstrip("/")


def create_source(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    show_id: str,
    *,
    platform: str,
    target: str,
    token: str = "",
    graph_url: str | None = None,
    diamond_value: int | None = None,
    actor: User | None,
) -> LiveSource:
    if platform not in PLATFORMS:
        raise ValidationFailed(
            f"unknown platform “{platform}”; livecrew connects to: {', '.join(PLATFORMS)}",
            key="err.source_platform",
            params={"platform": platform, "known": ", ".join(PLATFORMS)},
        )
    target = target.strip()
    options: dict[str, Any] = {}
    if platform == "tiktok":
        target = target.lstrip("@")
        if not target or len(target) > 64 or any(c.isspace() for c in target):
            raise ValidationFailed("give the TikTok account as @username", key="err.source_tiktok_user")
        target = f"@{target}"
        value = 1 if diamond_value is None else diamond_value
        if not 0 <= value <= 100_000:
            raise ValidationFailed(
                "a diamond's value is a whole number of minor units from 0 to 100000", key="err.diamond_value"
            )
        options["diamond_value"] = value
    else:
        if not target or len(target) > 64 or not target.replace("_", "").isalnum():
            raise ValidationFailed("give the Facebook live video's id (digits)", key="err.source_fb_video")
        if not token.strip():
            raise ValidationFailed(
                "Facebook needs an access token that may read the live video's comments", key="err.source_token"
            )
        options["graph_url"] = _url(graph_url) if graph_url else None
    now = clock.now()
    source = LiveSource(
        workspace_id=workspace.id,
        show_id=show_id,
        platform=platform,
        target=target,
        options=options,
        secret=token.strip(),
        status=SourceStatus.stopped.value,
        wanted=False,
        created_at=now,
        created_by=actor.id if actor else None,
        updated_at=now,
    )
    db.add(source)
    db.flush()
    return source


def list_sources(db: Session, workspace: Workspace, show_id: str) -> list[LiveSource]:
    stmt = select(LiveSource).where(LiveSource.workspace_id == workspace.id, LiveSource.show_id == show_id)
    return list(db.scalars(stmt.order_by(LiveSource.id)))


def get_source(db: Session, workspace: Workspace, source_id: int) -> LiveSource:
    source = db.get(LiveSource, source_id) if 0 < source_id < 2**63 else None
    if source is None or source.workspace_id != workspace.id:
        raise NotFound(f"no live source {source_id} in this workspace", key="err.no_source")
    return source


def set_wanted(db: Session, clock: Clock, source: LiveSource, wanted: bool) -> LiveSource:
    """Ask the server to run the source (it connects within seconds) or to stop it."""
    source.wanted = wanted
    source.status = SourceStatus.starting.value if wanted else SourceStatus.stopped.value
    if wanted:
        source.last_error = ""
    source.updated_at = clock.now()
    db.flush()
    return source


def delete_source(db: Session, source: LiveSource) -> None:
    db.delete(source)
    db.flush()


def to_dict(source: LiveSource) -> dict[str, Any]:
    """A source as the API and the console show it: the token only as whether there is one."""
    return {
        "id": source.id,
        "show": source.show_id,
        "platform": source.platform,
        "target": source.target,
        "options": {k: v for k, v in source.options.items() if v is not None},
        "token": "set" if source.secret else None,
        "wanted": source.wanted,
        "status": source.status,
        "events": source.events,
        "duplicates": source.duplicates,
        "garbage": source.garbage,
        "reconnects": source.reconnects,
        "last_event_at": source.last_event_at.isoformat() if source.last_event_at else None,
        "last_error": source.last_error,
    }


def claim(db: Session, now: datetime, runner: str) -> list[LiveSource]:
    """The wanted sources this process may run: its own, and those whose runner's lease ran out (another
    process died). Taking one is a conditional update, so two processes never run the same source."""
    free = or_(LiveSource.runner.is_(None), LiveSource.lease_until < now, LiveSource.runner == runner)
    ids = list(db.scalars(select(LiveSource.id).where(LiveSource.wanted.is_(True), free)))
    mine = []
    for source_id in ids:
        taken = db.execute(
            update(LiveSource)
            .where(LiveSource.id == source_id, LiveSource.wanted.is_(True), free)
            .values(runner=runner, lease_until=now + timedelta(seconds=LEASE_SECONDS))
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            source = db.get(LiveSource, source_id)
            if source is not None:
                mine.append(source)
    db.flush()
    return mine


def report(db: Session, source_id: int, state: SourceState, now: datetime, runner: str) -> bool:
    """Write a running source's state and renew its lease; False when it is no longer wanted here."""
    source = db.get(LiveSource, source_id)
    if source is None or source.runner != runner:
        return False
    source.status = state.status
    source.events, source.duplicates = state.events, state.duplicates
    source.garbage, source.reconnects = state.garbage, state.reconnects
    source.last_event_at = state.last_event_at
    source.last_error = state.last_error[:1000]
    source.lease_until = now + timedelta(seconds=LEASE_SECONDS)
    source.updated_at = now
    if state.status == SourceStatus.failed.value:
        source.wanted = False
    db.flush()
    return source.wanted


def release(db: Session, source_id: int, runner: str) -> None:
    db.execute(
        update(LiveSource)
        .where(LiveSource.id == source_id, LiveSource.runner == runner)
        .values(runner=None, lease_until=None)
    )
