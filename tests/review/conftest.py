"""The review's tests run the review job's builds by hand (``review_support.build_waiting``): a test knows when."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from livecrew.app import create_app
from livecrew.core.clock import FakeClock
from livecrew.core.config import Settings
from livecrew.core.pubsub import LocalHub


@pytest.fixture
def app(settings: Settings, clock: FakeClock, engine: Engine, hub: LocalHub) -> FastAPI:
    made = create_app(settings, clock=clock, engine=engine, hub=hub)
    made.state.review_job_off = True
    return made
