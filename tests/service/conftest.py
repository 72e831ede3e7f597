"""Fixtures for customer-service tests: a workspace with an owner, two service agents, a host and a show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from service_support import Desk
from support import Factory


@pytest.fixture
def desk(db: Session, clock: FakeClock, factory: Factory) -> Desk:
    from livecrew.shows import service as shows

    ws = factory.workspace("客服測試")
    owner = factory.user(ws, "owner", name="老闆")
    agent_a = factory.user(ws, "service", name="客服甲")
    agent_b = factory.user(ws, "service", name="客服乙")
    host = factory.user(ws, "host", name="主播")
    show = shows.create_show(db, clock, ws, title="客服場", starts_at=clock.now() + timedelta(minutes=5), minutes=60)
    db.commit()
    return Desk(
        ws, owner, agent_a, agent_b, host, factory.token(owner), factory.token(agent_a), factory.token(host), show.id
    )
