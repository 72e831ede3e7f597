"""Running the review job's builds by hand in the review's tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from livecrew.review import jobs


def build_waiting(client: TestClient) -> int:
    """What the review job does on its next pass: build every final review waiting."""
    return jobs.drain(client.app.state.ctx, "test")  # type: ignore[attr-defined]
