"""Claims from ingest batches (``claims.ClaimBatch``): first come first served by event time across SKUs,
quotas, paid orders in the same batch, one low-stock announcement, and the same outcome as claiming one by one.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.goods import claims
from livecrew.goods.models import Claim, LineupItem, OrderLine, Product
from livecrew.live.models import LiveAction
from livecrew.shows import service as shows
from livecrew.shows.models import Show, ShowStatus
from support import Factory, bearer

T = 1_781_245_800_000


def _events(client: TestClient, room: dict[str, Any], events: list[dict[str, Any]]) -> Any:
    body = b"\n".join(orjson.dumps(e) for e in events)
    response = client.post(
        f"/api/v1/shows/{room['show'].id}/events",
        content=body,
        headers={**bearer(room["token"]), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _comment(n: int, ts: int, user: str, text: str) -> dict[str, Any]:
    return {"id": f"c{n}", "type": "comment", "ts": ts, "user": user, "text": text}


def _statuses(db: Session) -> dict[str, str]:
    return {c.buyer: c.status for c in db.scalars(select(Claim).order_by(Claim.id)).all()}


def test_a_batch_for_several_skus_is_served_by_event_time(
    client: TestClient, room: dict[str, Any], db: Session
) -> None:
    # Sent out of order: event time decides who gets A2's five units.
    events = [
        _comment(1, T + 5, "late", "A2 +2"),
        _comment(2, T + 1, "first", "A2 +2"),
        _comment(3, T + 3, "a1", "A1 +1"),
        _comment(4, T + 2, "second", "A2 +2"),
        _comment(5, T + 4, "third", "A2 +2"),
        _comment(6, T + 6, "small", "A2 +1"),
    ]
    assert _events(client, room, events)["accepted"] == 6
    assert _statuses(db) == {
        "late": "waitlisted",
        "first": "confirmed",
        "a1": "confirmed",
        "second": "confirmed",
        "third": "waitlisted",
        "small": "confirmed",
    }
    view = claims.stock_view(db, room["show"])
    assert view["SKU-A2"] == {"stock": 0, "confirmed": 5, "waitlisted": 4, "remaining": 0}
    assert view["SKU-A1"]["stock"] == 99 and view["SKU-A1"]["confirmed"] == 1


def test_the_quota_holds_inside_a_batch(client: TestClient, room: dict[str, Any], db: Session) -> None:
    item = db.scalar(select(LineupItem).where(LineupItem.code == "A1"))
    assert item is not None
    item.quota = 3
    db.commit()
    texts = ["A1 +2", "A1 +2", "A1 +1", "A1 +1"]
    _events(client, room, [_comment(n, T + n, f"u{n}", text) for n, text in enumerate(texts)])
    assert list(_statuses(db).values()) == ["confirmed", "waitlisted", "confirmed", "waitlisted"]
    db.refresh(item)
    assert item.confirmed == 3
    product = db.get(Product, room["a1"].id)
    assert product is not None
    db.refresh(product)
    assert product.stock == 97


def test_a_paid_order_in_the_batch_takes_its_turn(client: TestClient, room: dict[str, Any], db: Session) -> None:
    order = {"type": "order", "user": "p", "order": "ord-1", "product": "SKU-A2", "qty": 3, "amount": 1}
    events = [
        {**order, "id": "o1", "ts": T},
        _comment(1, T + 1, "claimer", "A2 +3"),  # before the payment: the claim gets three of the five
        {"id": "p1", "type": "pay", "ts": T + 2, "user": "p", "order": "ord-1", "amount": 1},
        _comment(2, T + 3, "after", "A2 +2"),  # after it: the paid order could not be covered, two are left
    ]
    _events(client, room, events)
    assert _statuses(db) == {"claimer": "confirmed", "after": "confirmed"}
    line = db.scalar(select(OrderLine).where(OrderLine.order_ref == "ord-1"))
    assert line is not None and line.oversold == 3 and line.stock_taken == 0


def test_low_stock_is_announced_once_when_a_batch_crosses_the_threshold(
    client: TestClient, room: dict[str, Any], db: Session
) -> None:
    product = db.get(Product, room["a1"].id)
    assert product is not None
    product.low_stock_at = 95
    db.commit()
    _events(client, room, [_comment(n, T + n, f"u{n}", "A1 +2") for n in range(5)])  # 100 -> 90, crossing at 94
    _events(client, room, [_comment(n, T + n, f"u{n}", "A1 +1") for n in range(5, 8)])
    actions = db.scalars(select(LiveAction).where(LiveAction.kind == "announce")).all()
    assert [a.payload["text"] for a in actions] == ["A1 只剩最後 94 件"]
    assert actions[0].payload["left"] == 94 and actions[0].payload["sku"] == "SKU-A1"
    item = db.scalar(select(LineupItem).where(LineupItem.code == "A1"))
    assert item is not None
    db.refresh(item)
    assert item.announced_low and item.confirmed == 13


def _live_show(
    factory: Factory, db: Session, clock: FakeClock, ws: Any, tag: str, stocks: tuple[int, int, int] = (4, 9, 3)
) -> tuple[Show, list[str]]:
    show = shows.create_show(db, clock, ws, title=tag, starts_at=clock.now() + timedelta(minutes=5), minutes=60)
    db.commit()
    products = [factory.product(ws, f"{tag}-{k}", stock=units) for k, units in enumerate(stocks)]
    factory.lineup(show.id, *products)
    items = db.scalars(select(LineupItem).where(LineupItem.show_id == show.id).order_by(LineupItem.position)).all()
    for item, quota in zip(items, (None, 5, 2), strict=True):
        item.quota = quota
    show.status = ShowStatus.live.value
    db.commit()
    return show, [item.code for item in items]


def test_a_batch_ends_as_claiming_one_by_one(
    factory: Factory, db: Session, clock: FakeClock, room: dict[str, Any]
) -> None:
    """Random claims over three items (quotas none, 5 and 2): the batch and the one-by-one path agree, whether
    the stock runs out inside the batch (one update per claim) or covers it (one update per product)."""
    rng = random.Random(7)
    for round_, stocks in enumerate(
        [(4, 9, 3), (4, 9, 3), (500, 500, 500), (500, 9, 3), (60, 500, 2), (0, 9, 0), (4, 9, 3)]
    ):
        wants = [(rng.randrange(3), rng.randint(1, 3)) for _ in range(30)]
        one_show, one_codes = _live_show(factory, db, clock, room["ws"], f"S{round_}", stocks)
        batch_show, batch_codes = _live_show(factory, db, clock, room["ws"], f"B{round_}", stocks)
        for n, (k, qty) in enumerate(wants):
            claims.claim(db, clock, one_show, buyer=f"b{n}", qty=qty, code=one_codes[k], ts=T + n)
        db.commit()
        batch = claims.ClaimBatch(db, clock, batch_show)
        for n, (k, qty) in enumerate(wants):
            batch.claim(batch.by_code[batch_codes[k]], buyer=f"b{n}", qty=qty, ts=T + n)
        batch.flush()
        db.commit()

        def outcome(show: Show) -> tuple[list[str], list[dict[str, int]]]:
            rows = db.scalars(select(Claim).where(Claim.show_id == show.id).order_by(Claim.ts)).all()
            return [c.status for c in rows], list(claims.stock_view(db, show).values())

        assert outcome(batch_show) == outcome(one_show)
        assert "confirmed" in outcome(batch_show)[0] and "waitlisted" in outcome(batch_show)[0]


def test_a_batch_announces_every_item_it_takes_under_the_threshold_once(
    factory: Factory, db: Session, clock: FakeClock, room: dict[str, Any]
) -> None:
    show, codes = _live_show(factory, db, clock, room["ws"], "LOW", (4, 9, 3))
    for _round in range(2):
        batch = claims.ClaimBatch(db, clock, show)
        for n, k in enumerate((0, 2, 0, 1)):
            batch.claim(batch.by_code[codes[k]], buyer=f"b{n}", qty=1, ts=T + n)
        batch.flush()
        db.commit()
    actions = db.scalars(select(LiveAction).where(LiveAction.show_id == show.id, LiveAction.kind == "announce")).all()
    texts = sorted(a.payload["text"] for a in actions)
    # What is left counts the show's quota too: A2 (quota 5) has 4 left, A3 (quota 2) 1.
    assert texts == sorted([f"{codes[0]} 只剩最後 3 件", f"{codes[1]} 只剩最後 4 件", f"{codes[2]} 只剩最後 1 件"])
