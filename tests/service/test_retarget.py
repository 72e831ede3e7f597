"""Retargeting segments equal an independent computation from METRICS.md's definitions, on simulated shows
(shuffled and with repeats, as feeds deliver them); exports are logged; the extra segments."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock, to_ms
from livecrew.service.models import ServiceExport
from livecrew.simulate import generate
from service_support import Desk, ingest


def reference(events: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """METRICS.md, read plainly: the window, buyers, and each segment with what the user clicked or ordered."""
    seen: set[str] = set()
    unique = []
    for e in events:
        if e["id"] not in seen:
            seen.add(e["id"])
            unique.append(e)
    ordered = [e for _, e in sorted(enumerate(unique), key=lambda p: (p[1]["ts"], p[0]))]
    starts = [e["ts"] for e in ordered if e["type"] == "live_start"]
    ends = [e["ts"] for e in ordered if e["type"] == "live_end"]
    start = min(starts) if starts else min(e["ts"] for e in ordered)
    end = max(ends) if ends else max(e["ts"] for e in ordered)
    inside = [e for e in ordered if e["type"] != "refund" and start <= e["ts"] <= end]
    order_user = {e["order"]: e["user"] for e in inside if e["type"] == "order"}
    buyers = set()
    paid: set[str] = set()
    for e in inside:
        if e["type"] == "pay" and e["order"] not in paid:
            paid.add(e["order"])
            buyers.add(e.get("user") or order_user.get(e["order"]))
    out: dict[str, dict[str, set[str]]] = {"clicked_not_paid": {}, "ordered_not_paid": {}, "commented_not_paid": {}}
    for e in inside:
        user = e.get("user")
        if user is None or user in buyers:
            continue
        if e["type"] == "product_click":
            out["clicked_not_paid"].setdefault(user, set()).add(e["product"])
        elif e["type"] == "order":
            out["ordered_not_paid"].setdefault(user, set()).add(e["product"])
        elif e["type"] == "comment":
            out["commented_not_paid"].setdefault(user, set())
    return {seg: {u: sorted(p) for u, p in sorted(users.items())} for seg, users in out.items()}


def _feed(client: TestClient, desk: Desk, clock: FakeClock, events: list[dict[str, Any]], seed: int) -> None:
    from datetime import UTC, datetime

    clock.set(datetime.fromtimestamp(max(e["ts"] for e in events) / 1000 + 60, UTC))  # refunds come days later
    rng = random.Random(seed)
    shuffled = events + rng.sample(events, len(events) // 20)  # some arrive twice
    # Mostly in order, with local disorder, as real feeds are.
    keyed = sorted(shuffled, key=lambda e: e["ts"] + rng.randint(-4000, 4000))
    for i in range(0, len(keyed), 700):
        ingest(client, desk, keyed[i : i + 700])


@pytest.mark.parametrize("seed", [3, 17, 40])
def test_segments_equal_reference(client: TestClient, desk: Desk, clock: FakeClock, seed: int) -> None:
    events = list(generate(minutes=8, seed=seed, session=desk.show_id, start_ms=to_ms(clock.now()) - 3_600_000))
    assert {"product_click", "order", "pay", "comment"} <= {e["type"] for e in events}
    _feed(client, desk, clock, events, seed)
    expected = reference(events)
    for segment, users in expected.items():
        r = client.get(f"/api/v1/shows/{desk.show_id}/retarget?segment={segment}", headers=desk.headers)
        assert r.status_code == 200
        assert r.json() == {"segment": segment, "users": list(users)}
        detail = client.get(
            f"/api/v1/shows/{desk.show_id}/retarget?segment={segment}&detail=true", headers=desk.headers
        ).json()
        assert {w["user"]: w["products"] for w in detail["wants"]} == users
    assert any(expected["clicked_not_paid"]) and any(expected["ordered_not_paid"])


def test_unknown_segment(client: TestClient, desk: Desk) -> None:
    r = client.get(f"/api/v1/shows/{desk.show_id}/retarget?segment=liked_not_paid", headers=desk.headers)
    assert r.status_code == 422 and "clicked_not_paid" in r.json()["message"]


def test_asked_claimed_period_and_logged_exports(client: TestClient, desk: Desk, db: Session, clock: FakeClock) -> None:
    t0 = to_ms(clock.now()) - 600_000
    events = [
        {"id": "s", "type": "live_start", "ts": t0},
        {"id": "c1", "type": "comment", "ts": t0 + 1000, "user": "amy", "text": "這件有 M 號嗎？"},
        {"id": "c2", "type": "comment", "ts": t0 + 2000, "user": "bob", "text": "主播好漂亮"},
        {"id": "k1", "type": "product_click", "ts": t0 + 3000, "user": "amy", "product": "P1"},
        {"id": "k2", "type": "product_click", "ts": t0 + 3500, "user": "cat", "product": "P2"},
        {
            "id": "o1",
            "type": "order",
            "ts": t0 + 4000,
            "user": "cat",
            "order": "o1",
            "product": "P2",
            "qty": 1,
            "amount": 100,
        },
        {"id": "p1", "type": "pay", "ts": t0 + 5000, "user": "cat", "order": "o1", "amount": 100},
        {"id": "c3", "type": "comment", "ts": t0 + 6000, "user": "cat", "text": "什麼時候出貨？"},
        {"id": "e", "type": "live_end", "ts": t0 + 9000},
    ]
    ingest(client, desk, events)
    asked = client.get(
        f"/api/v1/shows/{desk.show_id}/retarget?segment=asked_not_paid&detail=true", headers=desk.headers
    )
    assert asked.json()["users"] == ["amy"]  # cat asked too, but paid; bob did not ask
    assert asked.json()["wants"][0]["questions"] == ["這件有 M 號嗎？"]
    day = clock.now().date().isoformat()
    period = client.get(f"/api/v1/retarget?segment=clicked_not_paid&since={day}", headers=desk.headers).json()
    assert period == {"segment": "clicked_not_paid", "users": ["amy"]}
    export = "/api/v1/retarget/exports"
    csv = client.post(export, json={"show": desk.show_id, "segment": "clicked_not_paid"}, headers=desk.headers)
    assert csv.status_code == 200 and "amy" in csv.content.decode("utf-8-sig") and "P1" in csv.text
    body = {"since": day, "segment": "commented_not_paid", "format": "xlsx"}
    xlsx = client.post(export, json=body, headers=desk.headers)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.post(export, json={"segment": "clicked_not_paid"}, headers=desk.headers).status_code == 422
    logged = db.scalars(select(ServiceExport).where(ServiceExport.workspace_id == desk.ws.id)).all()
    assert [(x.what, x.user_id, x.rows) for x in logged] == [
        ("retarget.csv", desk.owner.id, 1),
        ("retarget.xlsx", desk.owner.id, 2),  # amy and bob commented and did not pay (over the day)
    ]


def test_exports_keep_a_viewers_formula_as_text(client: TestClient, desk: Desk, clock: FakeClock) -> None:
    from openpyxl import load_workbook

    t0 = to_ms(clock.now()) - 600_000
    evil = '=HYPERLINK("http://evil.example/","click")'
    ingest(
        client,
        desk,
        [
            {"id": "s", "type": "live_start", "ts": t0},
            {"id": "c1", "type": "comment", "ts": t0 + 1000, "user": evil, "text": "@SUM(A1) 有貨嗎？"},
            {"id": "e", "type": "live_end", "ts": t0 + 9000},
        ],
    )
    export = "/api/v1/retarget/exports"
    body = {"show": desk.show_id, "segment": "commented_not_paid"}
    csv = client.post(export, json=body, headers=desk.headers)
    assert csv.status_code == 200, csv.text
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("\"'=HYPERLINK"), lines  # quoted by the CSV writer, with the apostrophe inside
    xlsx = client.post(export, json={**body, "format": "xlsx"}, headers=desk.headers)
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    first = sheet[2][0]
    assert first.value == "'" + evil and first.data_type == "s"
