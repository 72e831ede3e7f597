"""Fixtures of the pushes' tests: fake platforms, a relay on the test database, a way to post a message."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from livecrew.comms.public import MessagePosted
from livecrew.core.auth.models import Workspace
from livecrew.core.clock import CLOCK_KEY, FakeClock
from livecrew.core.db import make_sessionmaker
from livecrew.core.events import emit
from livecrew.core.pubsub import HUB_KEY, LocalHub
from livecrew.notify import service
from livecrew.notify.models import NotifyTarget
from livecrew.notify.relay import Relay
from notify_fakes import Fake
from support import Factory

SECRETS = {
    "dingtalk": "SEC1f9a7c2e5b8d4f60a3c1e9b7d5f2a8c4e6b0d1f3a5c7e9b2d4f6a8c0e2b4d6f8",
    "feishu": "fs-Q2hhbmdlTWVQbGVhc2U",
    "webhook": "whsec-livecrew-test-0f3a",
    "line": "line-channel-access-token-Zm9vYmFyYmF6",
    "telegram": "123456789:AAE-livecrew-test-bot-token",
}


@pytest.fixture
def ws(factory: Factory) -> Workspace:
    return factory.workspace()


@pytest.fixture
def fakes(clock: FakeClock) -> Iterator[Callable[..., Fake]]:
    started: list[Fake] = []

    def make(kind: str, **kwargs: Any) -> Fake:
        kwargs.setdefault("secret", SECRETS.get(kind))
        fake = Fake(kind, now=clock.now, **kwargs).start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


@pytest.fixture
def relay(engine: Engine, clock: FakeClock, hub: LocalHub) -> Iterator[Relay]:
    sessions = make_sessionmaker(engine)
    sessions.kw["info"] = {HUB_KEY: hub, CLOCK_KEY: clock}
    worker = Relay(sessions, clock, timeout=1.0, rng=random.Random(7), workers=1)
    yield worker
    worker.close()


def target_for(db: Session, clock: FakeClock, ws: Workspace, fake: Fake, **routes: Any) -> NotifyTarget:
    """A target pointing at ``fake``, with the secret the platform expects (unless ``secret=`` says otherwise)."""
    from notify_fakes import LINE_GROUP, TELEGRAM_CHAT

    chat = {"line": LINE_GROUP, "telegram": TELEGRAM_CHAT}.get(fake.kind)
    data = service.TargetInput(
        kind=fake.kind,
        url=routes.pop("url", fake.url),
        secret=routes.pop("secret", SECRETS.get(fake.kind)),
        channels=routes.pop("channels", ["emergency", "live"]),
        tags=routes.pop("tags", []),
        severities=routes.pop("severities", []),
        chat_id=routes.pop("chat_id", chat),
        name=routes.pop("name", f"{fake.kind} group"),
    )
    target = service.create_target(db, clock, ws, data)
    db.commit()
    return target


def post(
    db: Session, ws: Workspace, text: str, *, kind: str = "emergency", tags: tuple[str, ...] = ("技術故障",),
    severity: str = "critical", message_id: int = 1, commit: bool = True,
) -> None:  # fmt: skip
    """What the channels feature does when a message is posted: emit the event in the posting transaction."""
    emit(
        db,
        MessagePosted(
            workspace_id=ws.id, channel_id=10, channel_kind=kind,
            channel_name="緊急事件群" if kind == "emergency" else kind,
            show_id="show-1", message_id=message_id, author_id=None, text=text, tags=tags, severity=severity,
            mention_roles=("tech",), mention_user_ids=(),
        ),
    )  # fmt: skip
    if commit:
        db.commit()
