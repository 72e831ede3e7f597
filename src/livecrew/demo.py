"""The demo workspace: a believable team, one person per role. Safe to run again and again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock

DEMO_WORKSPACE = "星河好物直播間"
DEMO_PASSWORD = "livecrew-demo"
DEMO_DOMAIN = "demo.livecrew.dev"


@dataclass(frozen=True)
class DemoPerson:
    login: str
    name: str
    roles: tuple[str, ...]


DEMO_TEAM: tuple[DemoPerson, ...] = (
    DemoPerson("owner", "林雅婷", ("owner",)),
    DemoPerson("host", "陳思妤", ("host",)),
    DemoPerson("assistant", "王子豪", ("assistant",)),
    DemoPerson("ops", "張家瑋", ("operations",)),
    DemoPerson("selection", "李佩珊", ("selection",)),
    DemoPerson("control", "黃柏翰", ("controller",)),
    DemoPerson("service", "吳欣怡", ("service",)),
    DemoPerson("analyst", "劉建宏", ("analyst",)),
    DemoPerson("tech", "蔡承恩", ("tech",)),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    roles: tuple[str, ...]


def demo_email(login: str) -> str:
    return f"{login}@{DEMO_DOMAIN}"


def seed_demo(db: Session, clock: Clock) -> tuple[Workspace, list[DemoLogin], bool]:
    """Create the demo workspace and team if missing. Returns (workspace, logins, created_anything)."""
    created = False
    owner = db.scalar(select(User).where(User.email == demo_email("owner")))
    if owner is None:
        workspace = service.create_workspace(db, clock, DEMO_WORKSPACE, currency="TWD", timezone="Asia/Taipei")
        created = True
    else:
        workspace = service.get_workspace(db, owner.workspace_id)
    logins: list[DemoLogin] = []
    for person in DEMO_TEAM:
        email = demo_email(person.login)
        existing = db.scalar(select(User).where(User.email == email))
        if existing is None:
            service.create_user(
                db,
                clock,
                workspace,
                email=email,
                display_name=person.name,
                password=DEMO_PASSWORD,
                roles=list(person.roles),
            )
            created = True
        logins.append(DemoLogin(email, person.name, person.roles))
    return workspace, logins, created
