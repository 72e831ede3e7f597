"""The demo workspace: a believable team, one person per role. Safe to run again and again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth import service
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.hooks import DEMO_DOMAIN, demo_email, run_demo_seed

__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "DEMO_TEAM", "DEMO_WORKSPACE", "DemoLogin", "demo_email", "seed_demo"]
from livecrew.shows import public as shows

DEMO_WORKSPACE = "星河好物直播間"
DEMO_PASSWORD = "livecrew-demo"


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


def _seed_shows(db: Session, clock: Clock, workspace: Workspace) -> None:
    """A week of shows: a daily evening show, a promotion day, and tonight's show ready to go live."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    if shows.list_shows(db, workspace):
        return
    templates = shows.list_templates(db, workspace)
    daily = templates[0].key if templates else None
    promo = templates[-1].key if len(templates) > 1 else daily
    people = {p.email.split("@")[0]: p for p in service.list_users(db, workspace)}
    crew = {
        "host": "host",
        "assistant": "assistant",
        "operations": "ops",
        "selection": "selection",
        "controller": "control",
        "service": "service",
        "analyst": "analyst",
        "tech": "tech",
    }
    zone = ZoneInfo(workspace.timezone)
    today = clock.now().astimezone(zone).replace(hour=20, minute=0, second=0, microsecond=0)
    titles = ["秋冬保養專場", "居家好物夜", "零食開箱趴", "美妝新品首發", "週末囤貨日", "人氣回購榜", "粉絲感謝祭"]
    for day in range(7):
        starts = today + timedelta(days=day)
        is_promo = day == 5
        show = shows.create_show(
            db,
            clock,
            workspace,
            title=("【大促】" if is_promo else "") + titles[day],
            starts_at=starts.replace(hour=19) if is_promo else starts,
            template=promo if is_promo else daily,
            room="星河好物｜抖音主帳號" if day % 2 == 0 else "星河好物｜視頻號",
        )
        for role in show.required_roles:
            login = crew.get(role)
            if login and login in people:
                shows.add_to_roster(db, workspace, show, role, people[login].id)


def _make_first_show_ready(db: Session, clock: Clock, workspace: Workspace) -> None:
    """Tonight's show: rehearsed, checklist done, marked ready: one click from going live."""
    from livecrew.shows.public import ItemStatus, ShowStatus

    upcoming = [s for s in shows.list_shows(db, workspace) if s.status == ShowStatus.planned.value]
    if not upcoming or any(s.status == ShowStatus.ready.value for s in shows.list_shows(db, workspace)):
        return
    show = upcoming[0]
    ops = db.scalar(select(User).where(User.email == demo_email("ops")))
    shows.transition(db, clock, workspace, show, ShowStatus.rehearsing.value, actor=ops)
    for item in show.checklist:
        item.status = ItemStatus.done.value
        item.done_by = item.assignee_id
        item.done_at = clock.now()
    db.flush()
    if not shows.gate_problems(db, show, ShowStatus.ready.value):
        shows.transition(db, clock, workspace, show, ShowStatus.ready.value, actor=ops)


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
    db.flush()
    _seed_shows(db, clock, workspace)
    run_demo_seed(db, clock, workspace)
    _make_first_show_ready(db, clock, workspace)
    _seed_perks(db, clock, workspace)
    return workspace, logins, created


def _seed_perks(db: Session, clock: Clock, workspace: Workspace) -> None:
    """Tonight's show gets its perks (a coupon, a lucky bag, a flash sale), so the draw can be tried."""
    from livecrew.core.plugins import contributions
    from livecrew.shows import perks
    from livecrew.shows import service as shows
    from livecrew.shows.models import PerkKind, ShowStatus

    ready = [s for s in shows.list_shows(db, workspace) if s.status == ShowStatus.ready.value]
    if not ready or perks.list_perks(db, ready[0]):
        return
    show = ready[0]
    until = (clock.now() + timedelta(days=7)).date().isoformat()
    perks.add_perk(
        db,
        clock,
        show,
        kind=PerkKind.coupon.value,
        title="滿 599 折 60 券",
        at_minute=5,
        details={"threshold": 59_900, "discount": 6_000, "quantity": 500, "valid_until": until},
    )
    perks.add_perk(
        db,
        clock,
        show,
        kind=PerkKind.lucky_bag.value,
        title="留言抽福袋",
        at_minute=min(30, show.planned_minutes - 1),
        details={"winners": 3, "prize": "保溫杯禮盒", "eligibility": "commented", "window_minutes": 10},
    )
    # The flash sale's product comes from the feature that keeps lineups (goods: its first product).
    offers = [offer for source in contributions("demo.flash_sale") if (offer := source(db, show.id))]
    if offers:
        sku, title, price = offers[0]
        perks.add_perk(
            db,
            clock,
            show,
            kind=PerkKind.flash_sale.value,
            title=f"限時秒殺：{title}"[:160],
            at_minute=min(60, show.planned_minutes - 1),
            details={"product": sku, "price": price, "duration_minutes": 5, "quota": 50},
        )
