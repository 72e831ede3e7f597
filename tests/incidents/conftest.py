"""Fixtures of the incident tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from incident_crew import Crew, make_crew
from livecrew.core.clock import FakeClock
from support import Factory


@pytest.fixture
def crew(factory: Factory, db: Session, clock: FakeClock) -> Crew:
    return make_crew(factory, db, clock)
