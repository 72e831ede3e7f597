"""The home page gives each role its day (cards contributed by the features), and its feed shows the live
show's alerts and actions on load."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from livecrew.core.plugins import contributions
from livecrew.live.models import Alert, LiveAction
from livecrew.shows import service as shows
from livecrew.shows.models import Show
from livecrew.web.pages import HOME_ACTIVITY, HOME_CARDS
from support import Factory, login

# Each role -> the card that leads its home page, and cards it must not get.
EXPECTED = {
    "host": ("my-show", {"live-room", "service-queue", "card-start"}),
    "controller": ("live-room", {"service-queue", "my-show", "card-start"}),
    "service": ("service-queue", {"live-room", "my-show"}),
    "operations": ("next-shows", {"service-queue", "my-show"}),
    "owner": ("next-shows", {"service-queue", "my-show"}),
    "selection": ("selection", {"live-room", "service-queue"}),
    "analyst": ("reviews-todo", {"live-room", "service-queue", "my-show"}),
    "assistant": ("my-checklists", {"live-room", "service-queue", "my-show"}),
}


def _cards(html: str) -> list[str]:
    return re.findall(r'<section class="card[^"]*" id="card-([a-z-]+)"', html)


@pytest.fixture
def live(db: Session, clock: FakeClock, factory: Factory) -> tuple[Workspace, Show]:
    ws = factory.workspace()
    show = shows.create_show(db, clock, ws, title="今晚直播", starts_at=clock.now(), minutes=120)
    shows.create_show(db, clock, ws, title="明晚直播", starts_at=clock.now() + timedelta(days=1), minutes=120)
    ended = shows.create_show(db, clock, ws, title="上週直播", starts_at=clock.now() - timedelta(days=7), minutes=120)
    ended.status = "ended"
    show.status = "live"
    now = clock.now()
    db.add(
        Alert(
            show_id=show.id, rule="online_falling", severity="high", roles=["controller"], message="在線人數下滑",
            key="alert.none", params={}, raised_at=now, updated_at=now, updates=0,
        )
    )  # fmt: skip
    db.add(LiveAction(show_id=show.id, kind="explain", payload={"product": "BT-002", "action": "start"}, ts=1, at=now))
    db.commit()
    return ws, show


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_gets_its_own_card_first(
    role: str, client: TestClient, live: tuple[Workspace, Show], factory: Factory
) -> None:
    ws, _show = live
    person = factory.user(ws, role)
    login(client, person.email)
    page = client.get("/")
    assert page.status_code == 200
    cards = _cards(page.text)
    first, absent = EXPECTED[role]
    assert cards and cards[0] == first, cards
    assert not absent & set(cards), cards


def test_the_getting_started_card_is_the_owners_until_the_team_has_a_token(
    client: TestClient, live: tuple[Workspace, Show], factory: Factory
) -> None:
    ws, _show = live
    owner = factory.user(ws, "owner")
    login(client, owner.email)
    assert "start" in _cards(client.get("/").text)
    factory.token(owner)
    assert "start" not in _cards(client.get("/").text)


def test_the_host_card_links_the_host_screen_of_its_show(
    client: TestClient, live: tuple[Workspace, Show], factory: Factory
) -> None:
    ws, show = live
    host = factory.user(ws, "host")
    login(client, host.email)
    html = client.get("/").text
    assert f'href="/shows/{show.id}/host" id="home-host-screen"' in html


def test_the_controller_sees_the_open_alert_and_the_control_room(
    client: TestClient, live: tuple[Workspace, Show], factory: Factory
) -> None:
    ws, show = live
    login(client, factory.user(ws, "controller").email)
    html = client.get("/").text
    card = html.split('id="card-live-room"', 1)[1].split("</section>", 1)[0]
    assert f'href="/live/{show.id}"' in card and "在線人數下滑" in card and 'id="home-open-alerts"' in card


def test_the_feed_is_not_empty_during_a_live_show_with_alerts(
    client: TestClient, live: tuple[Workspace, Show], factory: Factory
) -> None:
    ws, _show = live
    login(client, factory.user(ws, "host").email)
    html = client.get("/").text
    feed = html.split('id="activity"', 1)[1].split("</ul>", 1)[0]
    assert "在線人數下滑" in feed and "BT-002" in feed
    assert 'class="muted"' not in feed  # not the "nothing yet" line


def test_the_feed_is_empty_when_nothing_is_live(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    login(client, factory.user(ws, "host").email)
    feed = client.get("/").text.split('id="activity"', 1)[1].split("</ul>", 1)[0]
    assert '<li class="muted">' in feed


def test_cards_come_from_the_features_manifests() -> None:
    cards = {f.__module__ + ":" + f.__name__ for f in contributions(HOME_CARDS)}
    assert {
        "livecrew.shows.home:my_show_card",
        "livecrew.live.home:live_room_card",
        "livecrew.service.home:queue_card",
        "livecrew.goods.home:selection_card",
        "livecrew.review.home:reviews_card",
        "livecrew.shows.home:my_checklists_card",
    } <= cards
    assert [f.__name__ for f in contributions(HOME_ACTIVITY)] == ["live_activity"]
