"""A crew with a show and its roster, for the incident tests (tests/incidents)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import FakeClock
from livecrew.shows import service as shows
from livecrew.shows.models import Show
from support import Factory


@dataclass
class Crew:
    ws: Workspace
    people: dict[str, User]
    tokens: dict[str, str]
    show: Show

    def token(self, role: str) -> str:
        return self.tokens[role]


def make_crew(factory: Factory, db: Session, clock: FakeClock, status: str = "live", name: str = "測試直播間") -> Crew:
    ws = factory.workspace(name)
    people = {
        role: factory.user(ws, role, name=f"{role}-人")
        for role in ("owner", "operations", "controller", "host", "assistant", "tech", "selection", "service")
    }
    tokens = {role: factory.token(user) for role, user in people.items()}
    show = shows.create_show(db, clock, ws, title="週五晚場", starts_at=shows.parse_start("2026-06-12T20:00", ws))
    for role in ("controller", "host", "assistant", "tech", "selection", "service", "operations"):
        shows.add_to_roster(db, ws, show, role, people[role].id)
    show.status = status
    db.commit()
    return Crew(ws, people, tokens, show)


def ids(items: list[dict[str, Any]], key: str = "id") -> list[Any]:
    return [i[key] for i in items]
