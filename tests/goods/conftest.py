"""Fixtures for the goods: a workspace with a live show and a lineup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.shows import service as shows
from livecrew.shows.models import ShowStatus
from support import Factory


@pytest.fixture
def room(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    """A workspace, an owner with a token, a show that is live, and two ready products in its lineup."""
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    token = factory.token(owner)
    show = shows.create_show(db, clock, ws, title="今晚專場", starts_at=clock.now() + timedelta(minutes=5), minutes=60)
    db.commit()
    a1 = factory.product(ws, "SKU-A1", stock=100)
    a2 = factory.product(ws, "SKU-A2", stock=5)
    factory.lineup(show.id, a1, a2)
    show.status = ShowStatus.live.value  # the gate is tested elsewhere; here the show is simply on air
    db.commit()
    return {"ws": ws, "owner": owner, "token": token, "show": show, "a1": a1, "a2": a2}
