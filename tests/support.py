"""Helpers for tests: factories and console / API shortcuts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import FakeClock

PASSWORD = "correct horse battery"


@dataclass
class Factory:
    db: Session
    clock: FakeClock

    def workspace(self, name: str = "測試直播間") -> Workspace:
        ws = service.create_workspace(self.db, self.clock, name)
        self.db.commit()
        return ws

    def user(self, workspace: Workspace, *roles: str, email: str | None = None, name: str = "測試員") -> User:
        count = len(service.list_users(self.db, workspace))
        address = email or f"{'-'.join(roles) or 'user'}{count}.{workspace.id}@example.com"
        user = service.create_user(
            self.db,
            self.clock,
            workspace,
            email=address,
            display_name=name,
            password=PASSWORD,
            roles=list(roles) or ["host"],
        )
        self.db.commit()
        return user

    def token(self, user: User, **kwargs: object) -> str:
        _t, secret = service.create_token(self.db, self.clock, user, **kwargs)  # type: ignore[arg-type]
        self.db.commit()
        return secret


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": client.cookies.get("lc_csrf") or ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf(client: TestClient) -> str:
    token = client.cookies.get("lc_csrf")
    if not token:
        client.get("/login")
        token = client.cookies.get("lc_csrf")
    assert token
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SHOTS = Path(os.environ["LIVECREW_SCREENSHOTS"]) if os.environ.get("LIVECREW_SCREENSHOTS") else None


def shot(page: object, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
