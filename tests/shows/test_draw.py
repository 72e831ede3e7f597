"""The lucky-bag draw: reproducible from its frozen list and seed, fair, and tamper-evident."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.shows import service
from livecrew.shows.draw import draw, freeze, verify
from support import Factory, bearer, post_lucky_bag

PEOPLE = [f"u{i:03d}" for i in range(50)]


def test_same_list_and_seed_give_the_same_winners_whatever_the_input_order() -> None:
    first = draw(PEOPLE, 5, "seed-2026")
    again = draw(list(reversed(PEOPLE)) + PEOPLE[:10], 5, "seed-2026")  # reordered, with duplicates
    assert first == again and len(set(first.winners)) == 5
    assert first.eligible_count == 50 and first.eligible_digest == freeze(PEOPLE)[1]
    assert draw(PEOPLE, 5, "another seed").winners != first.winners
    assert verify(first, PEOPLE)


def test_tampering_is_detected() -> None:
    result = draw(PEOPLE, 3, "s")
    assert not verify(replace(result, winners=["u999", *result.winners[1:]]), PEOPLE)
    assert not verify(result, [*PEOPLE, "u050"])  # a different list has another fingerprint
    assert not verify(replace(result, seed="t"), PEOPLE)


def test_edges() -> None:
    assert sorted(draw(["a", "b"], 5, "s").winners) == ["a", "b"]  # fewer eligible than prizes: all win
    with pytest.raises(ValueError, match="at least 1"):
        draw(PEOPLE, 0, "s")
    with pytest.raises(ValueError, match="nobody"):
        draw(["  "], 1, "s")


def test_every_person_has_the_same_chance() -> None:
    people = [f"p{i}" for i in range(10)]
    wins = Counter(draw(people, 1, f"seed-{n}").winners[0] for n in range(5000))
    expected = 5000 / 10
    chi2 = sum((wins[p] - expected) ** 2 / expected for p in people)
    assert chi2 < 40  # 9 degrees of freedom: 40 is far beyond p = 0.0001, and the seeds are fixed


def test_api_draw_is_recorded_and_verifiable(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    token = factory.token(owner)
    show = service.create_show(db, clock, ws, title="福袋場", starts_at=clock.now(), minutes=60)
    db.commit()
    bag = post_lucky_bag(client, show.id, token)
    url = f"/api/v1/shows/{show.id}/perks/{bag['id']}"
    drawn = client.post(f"{url}/draw", json={"eligible": PEOPLE, "seed": "fixed"}, headers=bearer(token))
    assert drawn.status_code == 200
    record = drawn.json()["draw"]
    assert record["winners"] == draw(PEOPLE, 2, "fixed").winners and record["seed"] == "fixed"
    assert client.get(f"{url}/verify", headers=bearer(token)).json() == {
        "perk": bag["id"],
        "drawn": True,
        "reproduced": True,
    }
    again = client.post(f"{url}/draw", json={"eligible": PEOPLE}, headers=bearer(token))
    assert again.status_code == 409 and "already drawn" in again.json()["message"]
