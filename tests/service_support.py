"""Helpers of the customer-service tests: the desk (a workspace with its people and a show) and ingest."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from fastapi.testclient import TestClient

from livecrew.core.auth.models import User, Workspace
from support import bearer


@dataclass
class Desk:
    ws: Workspace
    owner: User
    agent_a: User
    agent_b: User
    host: User
    token: str  # the owner's
    agent_token: str  # agent_a's
    host_token: str
    show_id: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def ingest(client: TestClient, desk: Desk, events: list[dict[str, object]]) -> dict[str, object]:
    body = b"\n".join(orjson.dumps(e) for e in events)
    r = client.post(
        f"/api/v1/shows/{desk.show_id}/events",
        content=body,
        headers={**desk.headers, "Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 200, r.text
    result: dict[str, object] = r.json()
    assert result["rejected"] == [], result
    return result
