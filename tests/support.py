"""Helpers for tests: factories and console / API shortcuts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import FakeClock
from livecrew.goods.models import Product

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

    def product(
        self, workspace: Workspace, sku: str = "SKU-1", *, stock: int = 100, ready: bool = True, **fields: object
    ) -> Product:
        """A product; ``ready`` gives it valid documents and a passed sample test."""
        from datetime import timedelta

        from livecrew.goods import service as goods

        data = {"sku": sku, "title": f"商品 {sku}", "tier": "profit", "list_price": 59900, "live_price": 39900}
        product = goods.save_product(self.db, self.clock, workspace, {**data, "stock": stock, **fields})
        if ready:
            expiry = self.clock.now().date() + timedelta(days=365)
            for kind in ("licence", "inspection"):
                goods.add_document(self.db, self.clock, product, kind=kind, expires_on=expiry)
            goods.add_sample_test(self.db, self.clock, product, result="pass")
        self.db.commit()
        return product

    def lineup(self, show_id: str, *products: Product, quota: int | None = None) -> None:
        from livecrew.goods import service as goods
        from livecrew.shows.models import Show

        show = self.db.get(Show, show_id)
        assert show is not None
        for product in products:
            goods.add_to_lineup(self.db, self.clock, show, product, quota=quota)
        self.db.commit()

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


def post_lucky_bag(client: TestClient, show_id: str, token: str, *, winners: int = 2) -> dict[str, Any]:
    """A lucky bag for the show's commenters, made through the API."""
    r = client.post(
        f"/api/v1/shows/{show_id}/perks",
        json={
            "kind": "lucky_bag",
            "title": "面膜福袋",
            "details": {"prize": "面膜", "winners": winners, "eligibility": "commented"},
        },
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    bag: dict[str, Any] = r.json()
    return bag


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SHOTS = Path(os.environ["LIVECREW_SCREENSHOTS"]) if os.environ.get("LIVECREW_SCREENSHOTS") else None


def shot(page: object, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
