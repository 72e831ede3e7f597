"""Where a connector's events go: the same ingest path as ``POST /api/v1/shows/{id}/events``.

* :class:`ServerSink` — inside the server (a source run as a job): decoded, written under the writer lock,
  committed, then applied to this process's live state.
* :class:`DatabaseSink` — ``livecrew connect`` on a machine with the database: written and committed the
  same way; the server's live state catches up from the shared log, as with ``livecrew replay``.
* :class:`HttpSink` — ``livecrew connect --api URL --api-token T`` from any other machine.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from sqlalchemy.orm import Session

from livecrew.core.background import in_thread
from livecrew.core.clock import Clock
from livecrew.live.public import feed_lines, feed_lines_db
from livecrew.sources.base import Event


def _body(events: list[Event]) -> bytes:
    return b"\n".join(orjson.dumps(e) for e in events)


class ServerSink:
    def __init__(self, app: Any, show_id: str) -> None:
        self.app, self.show_id = app, show_id

    async def __call__(self, events: list[Event]) -> dict[str, Any]:
        return await in_thread(feed_lines, self.app, self.show_id, _body(events))


class DatabaseSink:
    """One session, used by one batch at a time (the runner feeds batches in order)."""

    def __init__(self, db: Session, clock: Clock, show_id: str) -> None:
        self.db, self.clock, self.show_id = db, clock, show_id

    async def __call__(self, events: list[Event]) -> dict[str, Any]:
        def write() -> dict[str, Any]:
            try:
                return feed_lines_db(self.db, self.clock, self.show_id, _body(events))
            except BaseException:
                self.db.rollback()
                raise

        return await in_thread(write)


class HttpSink:
    def __init__(self, api_url: str, api_token: str, show_id: str, *, client: httpx.AsyncClient | None = None) -> None:
        self.url = f"{api_url.rstrip('/')}/api/v1/shows/{show_id}/events"
        self.headers = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/x-ndjson"}
        self.client = client

    async def __call__(self, events: list[Event]) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) if self.client is None else _Borrowed(self.client) as client:
            response = await client.post(self.url, content=_body(events), headers=self.headers)
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise RuntimeError(f"livecrew refused the events ({response.status_code}): {message}")
        answer: dict[str, Any] = response.json()
        return answer


class _Borrowed:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __aenter__(self) -> httpx.AsyncClient:
        return self.client

    async def __aexit__(self, *_: object) -> None:
        return None
