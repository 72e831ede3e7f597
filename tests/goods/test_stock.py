"""Claims, waitlists, cancellations, restocks, platform orders and the checkout list."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.goods import reports, service
from livecrew.goods.models import Claim, LineupItem, Product
from livecrew.live.models import LiveAction
from support import bearer


def _claim(client: TestClient, room: dict[str, Any], **body: Any) -> Any:
    return client.post(f"/api/v1/shows/{room['show'].id}/claims", json=body, headers=bearer(room["token"]))


def test_claims_confirm_then_waitlist_then_cancel_serves_the_line(
    client: TestClient, room: dict[str, Any], db: Session
) -> None:
    results = [_claim(client, room, user=f"u{i}", sku="SKU-A2", qty=2) for i in range(4)]
    assert [r.status_code for r in results] == [201] * 4
    assert [r.json()["status"] for r in results] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    view = client.get(f"/api/v1/shows/{room['show'].id}/stock", headers=bearer(room["token"])).json()
    assert view["SKU-A2"] == {"stock": 1, "confirmed": 4, "waitlisted": 4, "remaining": 1}
    one = _claim(client, room, user="small", code="A2", qty=1).json()
    assert one["status"] == "confirmed" and one["code"] == "A2"

    first = results[0].json()["claim"]
    cancelled = client.post(f"/api/v1/shows/{room['show'].id}/claims/{first}/cancel", headers=bearer(room["token"]))
    assert cancelled.json() == {"claim": first, "status": "cancelled"}
    statuses = {c.buyer: c.status for c in db.scalars(select(Claim)).all()}
    assert statuses == {
        "u0": "cancelled",
        "u1": "confirmed",
        "u2": "confirmed",
        "u3": "waitlisted",
        "small": "confirmed",
    }
    again = client.post(f"/api/v1/shows/{room['show'].id}/claims/{first}/cancel", headers=bearer(room["token"]))
    assert again.status_code == 409

    # A restock serves the rest of the line.
    restocked = client.post(
        f"/api/v1/products/{room['a2'].id}/restock", json={"qty": 10, "note": "補貨"}, headers=bearer(room["token"])
    )
    assert restocked.status_code == 200 and restocked.json()["stock"] == 8
    assert db.scalar(select(Claim.status).where(Claim.buyer == "u3")) == "confirmed"


def test_claim_validation_and_closed_shows(client: TestClient, room: dict[str, Any], db: Session) -> None:
    assert _claim(client, room, user="u", sku="NOPE", qty=1).status_code == 404
    bad_qty = _claim(client, room, user="u", sku="SKU-A1", qty=0)
    assert bad_qty.status_code == 422 and "1 to 99" in bad_qty.json()["message"]
    both = _claim(client, room, user="u", sku="SKU-A1", code="A1", qty=1)
    assert both.status_code == 422 and "either" in both.json()["message"]
    assert _claim(client, room, sku="SKU-A1", qty=1).status_code == 422
    room["show"].status = "ended"
    db.commit()
    closed = _claim(client, room, user="u", sku="SKU-A1", qty=1)
    assert closed.status_code == 409 and "ready or live" in closed.json()["message"]


def test_quota_caps_the_show_even_with_stock_left(client: TestClient, room: dict[str, Any], db: Session) -> None:
    item = db.scalar(select(LineupItem).where(LineupItem.code == "A1"))
    assert item is not None
    item.quota = 3
    db.commit()
    statuses = [_claim(client, room, user=f"u{i}", code="A1", qty=1).json()["status"] for i in range(5)]
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 2
    product = db.get(Product, room["a1"].id)
    assert product is not None
    db.refresh(product)
    assert product.stock == 97


def _events(client: TestClient, room: dict[str, Any], events: list[dict[str, Any]]) -> Any:
    body = b"\n".join(orjson.dumps(e) for e in events)
    return client.post(
        f"/api/v1/shows/{room['show'].id}/events",
        content=body,
        headers={**bearer(room["token"]), "Content-Type": "application/x-ndjson"},
    )


def test_comments_become_claims_through_ingest(client: TestClient, room: dict[str, Any], db: Session) -> None:
    t = 1_781_245_800_000
    events = [
        {"id": "e1", "type": "live_start", "ts": t},
        {"id": "e2", "type": "explain", "ts": t + 1, "product": "SKU-A2", "action": "start"},
        {"id": "e3", "type": "comment", "ts": t + 2, "user": "amy", "text": "+1"},
        {"id": "e4", "type": "comment", "ts": t + 3, "user": "bo", "text": "A1 黑M +2"},
        {"id": "e5", "type": "comment", "ts": t + 4, "user": "cy", "text": "還有+1的嗎？"},
        {"id": "e6", "type": "comment", "ts": t + 5, "user": "di", "text": "扣4"},
        {"id": "e7", "type": "comment", "ts": t + 6, "user": "ed", "text": "Z9 +1"},
        {"id": "e8", "type": "comment", "ts": t + 7, "user": "amy", "text": "-1"},
    ]
    assert _events(client, room, events).json()["accepted"] == 8
    claims = {c.buyer: (c.qty, c.status, c.variant) for c in db.scalars(select(Claim).order_by(Claim.id)).all()}
    # amy's +1 took A2 (the product being explained); di's 扣4 took the other four; amy's -1 cancelled hers.
    assert claims == {"amy": (1, "cancelled", ""), "bo": (2, "confirmed", "黑M"), "di": (4, "confirmed", "")}
    # The same events again change nothing (duplicates are dropped at the door).
    assert _events(client, room, events).json()["duplicates"] == 8
    assert len(db.scalars(select(Claim)).all()) == 3


def test_low_stock_is_announced_once(client: TestClient, room: dict[str, Any], db: Session) -> None:
    product = db.get(Product, room["a1"].id)
    assert product is not None
    product.low_stock_at = 95
    db.commit()
    for i in range(7):
        _claim(client, room, user=f"u{i}", code="A1", qty=1)
    actions = db.scalars(select(LiveAction).where(LiveAction.kind == "announce")).all()
    assert [a.payload["text"] for a in actions] == ["A1 只剩最後 95 件"]


def test_paid_orders_take_stock_and_oversold_is_flagged(client: TestClient, room: dict[str, Any], db: Session) -> None:
    t = 1_781_245_800_000
    events = [
        {
            "id": "o1",
            "type": "order",
            "ts": t,
            "user": "u1",
            "order": "ord-1",
            "product": "SKU-A2",
            "qty": 3,
            "amount": 1,
        },
        {"id": "p1", "type": "pay", "ts": t + 1, "user": "u1", "order": "ord-1", "amount": 1},
        {
            "id": "o2",
            "type": "order",
            "ts": t + 2,
            "user": "u2",
            "order": "ord-2",
            "product": "SKU-A2",
            "qty": 3,
            "amount": 1,
        },
        {"id": "p2", "type": "pay", "ts": t + 3, "user": "u2", "order": "ord-2", "amount": 1},
        {"id": "r1", "type": "refund", "ts": t + 4, "user": "u1", "order": "ord-1", "amount": 1},
    ]
    assert _events(client, room, events).json()["accepted"] == 5
    product = db.get(Product, room["a2"].id)
    assert product is not None
    db.refresh(product)
    assert product.stock == 2
    oversold = client.get(f"/api/v1/shows/{room['show'].id}/oversold", headers=bearer(room["token"])).json()
    assert oversold == [{"order": "ord-2", "user": "u2", "qty": 3, "oversold": 3, "amount": 1}]
    back = client.post(
        f"/api/v1/shows/{room['show'].id}/orders/ord-1/return", json={"qty": 2}, headers=bearer(room["token"])
    )
    assert back.json() == {"order": "ord-1", "returned_qty": 2}
    db.refresh(product)
    assert product.stock == 4
    too_many = client.post(
        f"/api/v1/shows/{room['show'].id}/orders/ord-1/return", json={"qty": 2}, headers=bearer(room["token"])
    )
    assert too_many.status_code == 422


def test_checkout_list_and_exports(client: TestClient, room: dict[str, Any]) -> None:
    _claim(client, room, user="amy", code="A1", qty=2, variant="黑M")
    _claim(client, room, user="amy", code="A2", qty=1)
    _claim(client, room, user="bo", code="A1", qty=1)
    url = f"/api/v1/shows/{room['show'].id}/checkout"
    buyers = client.get(url, headers=bearer(room["token"])).json()
    assert [(b["buyer"], b["qty"], b["total"]) for b in buyers] == [("amy", 3, 3 * 39900), ("bo", 1, 39900)]
    csv = client.get(url + "?format=csv", headers=bearer(room["token"]))
    assert csv.status_code == 200 and "amy" in csv.content.decode("utf-8-sig") and "黑M" in csv.text
    xlsx = client.get(url + "?format=xlsx", headers=bearer(room["token"]))
    assert xlsx.content[:2] == b"PK"
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "買家" and sheet.column_dimensions["D"].width == 36


def test_product_results_flag_replacements(
    client: TestClient, room: dict[str, Any], db: Session, clock: FakeClock
) -> None:
    t = 1_781_245_800_000
    views = [
        {"id": f"v{i}", "type": "product_view", "ts": t + i, "user": f"u{i}", "product": "SKU-A1"} for i in range(300)
    ]
    _events(client, room, views)
    _claim(client, room, user="u1", code="A1", qty=1)
    room["show"].status = "ended"
    db.commit()
    results = {r["sku"]: r for r in reports.product_results(db, room["show"])}
    assert results["SKU-A1"]["viewers"] == 300 and results["SKU-A1"]["buyers"] == 1
    assert results["SKU-A1"]["replace"] and "conversion 0.33%" in results["SKU-A1"]["reasons"][0]
    assert not results["SKU-A2"]["replace"]
    assert service.lineup(db, room["show"].id)
