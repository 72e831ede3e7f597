"""The review of a show through the API: the contract routes, actions into board tasks, the reviewed gate, exports."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock, to_ms
from livecrew.shows import service as shows_service
from livecrew.simulate import generate
from metrics_reference import reference
from review_support import build_waiting
from support import Factory, bearer

JSONL = {"Content-Type": "application/x-ndjson"}


def feed(client: TestClient, show_id: str, token: str, events: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()
    r = client.post(f"/api/v1/shows/{show_id}/events", content=body, headers={**JSONL, **bearer(token)})
    assert r.status_code == 200 and r.json()["rejected"] == [], r.text


@pytest.fixture
def shop(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    host = factory.user(ws, "host", name="小美")
    ops = factory.user(ws, "operations", name="阿哲")
    show = shows_service.create_show(
        db, clock, ws, title="週五美妝專場", starts_at=clock.now(), minutes=30, room="A 館"
    )
    show.targets = {"gmv": 500_000, "uv": 100, "refund_rate": 0.05}
    shows_service.add_to_roster(db, ws, show, "host", host.id)
    shows_service.add_to_roster(db, ws, show, "operations", ops.id)
    show.status = "live"
    db.commit()
    return {
        "ws": ws,
        "show": show,
        "owner": owner,
        "host": host,
        "token": factory.token(owner),
        "host_token": factory.token(host),
    }


def simulated(clock: FakeClock, minutes: int = 12, seed: int = 5) -> list[dict[str, Any]]:
    """A simulated show starting now; the clock then moves two days on (its refunds come after the broadcast)."""
    events = list(generate(minutes=minutes, seed=seed, session="s", start_ms=to_ms(clock.now())))
    clock.advance(days=2)
    return events


def test_review_metrics_are_the_metrics_route_and_the_reference(
    client: TestClient, shop: dict[str, Any], clock: FakeClock
) -> None:
    show_id, token = shop["show"].id, shop["token"]
    events = simulated(clock)
    feed(client, show_id, token, events)
    metrics = client.get(f"/api/v1/shows/{show_id}/metrics", headers=bearer(token)).json()
    r = client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token))
    assert r.status_code == 200, r.text
    review = r.json()
    assert review["metrics"] == metrics
    assert review["state"] == "draft"
    for key, value in reference(events).items():
        assert review["metrics"][key] == value, key
    for key in ("diagnosis", "products", "actions", "scorecards"):
        assert key in review
    funnel = {s["stage"]: s["users"] for s in review["funnel"]}
    assert funnel["viewers"] == metrics["uv"] and funnel["buyers"] == metrics["buyers"]
    assert funnel["orderers"] == len({e["user"] for e in events if e["type"] == "order"})
    assert sum(s["spend"] for s in review["ad_slots"]["slots"]) == metrics["ad_spend"]
    assert sum(s["gmv"] for s in review["ad_slots"]["slots"]) == metrics["gmv"]
    assert sum(s["viewers"] for s in review["traffic"]["sources"]) == metrics["uv"]
    assert sum(s["gmv"] for s in review["traffic"]["sources"]) == metrics["gmv"]
    assert sum(review["comments"]["by_label"].values()) == metrics["comments"]
    assert {p["product"] for p in review["products"]} >= set(metrics["products"])
    cards = {c["name"]: c for c in review["scorecards"]}
    assert set(cards) == {"小美", "阿哲"}
    uv_value = next(k for k in cards["小美"]["kpis"] if k["key"] == "host.uv_value")
    assert uv_value["actual"] == metrics["uv_value"] and uv_value["measured"]
    assert [t["metric"] for t in review["targets"]] == ["gmv", "uv", "refund_rate"]


def test_a_person_sees_only_their_own_scorecard(client: TestClient, shop: dict[str, Any], clock: FakeClock) -> None:
    feed(client, shop["show"].id, shop["token"], simulated(clock, minutes=3))
    mine = client.get(f"/api/v1/shows/{shop['show'].id}/review", headers=bearer(shop["host_token"])).json()
    assert [c["name"] for c in mine["scorecards"]] == ["小美"]


def test_actions_become_tasks_and_the_gate_wants_an_outcome(
    client: TestClient, shop: dict[str, Any], clock: FakeClock
) -> None:
    show_id, token = shop["show"].id, shop["token"]
    feed(client, show_id, token, simulated(clock, minutes=3))
    r = client.post(f"/api/v1/shows/{show_id}/transitions", json={"to": "ended"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/shows/{show_id}/transitions", json={"to": "reviewed"}, headers=bearer(token))
    assert r.status_code == 409 and "review_has_outcome" in r.text
    bad = client.post(
        f"/api/v1/shows/{show_id}/review/actions",
        json={"problem": "", "action": "x", "due_on": "2026-13-01"},
        headers=bearer(token),
    )
    assert bad.status_code == 422
    r = client.post(
        f"/api/v1/shows/{show_id}/review/actions",
        json={"problem": "開場留人差", "cause": "暖場太長", "action": "開場 3 分鐘內上福袋",
              "owner_id": shop["host"].id, "due_on": "2026-06-20"},
        headers=bearer(token),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    task_id = r.json()["task_id"]
    tasks = client.get("/api/v1/tasks?status=all", headers=bearer(token))
    assert tasks.status_code == 200, tasks.text
    found = [t for t in tasks.json() if t["id"] == task_id]
    assert found and found[0]["source_kind"] == "review" and found[0]["title"] == "開場 3 分鐘內上福袋"
    r = client.post(f"/api/v1/shows/{show_id}/transitions", json={"to": "reviewed"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert build_waiting(client) == 1  # the ended and the reviewed asks: one build
    review = client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token)).json()
    assert review["state"] == "final" and review["actions"][0]["owner"] == "小美"


def test_nothing_to_change_sign_off_also_passes_the_gate(
    client: TestClient, shop: dict[str, Any], clock: FakeClock
) -> None:
    show_id, token = shop["show"].id, shop["token"]
    events = simulated(clock, minutes=6)
    feed(client, show_id, token, [e for e in events if e["type"] != "refund"])
    client.post(f"/api/v1/shows/{show_id}/transitions", json={"to": "ended"}, headers=bearer(token))
    assert build_waiting(client) == 1
    # The final review is stored once the show ended, and read back while the log is unchanged: the same numbers.
    metrics = client.get(f"/api/v1/shows/{show_id}/metrics", headers=bearer(token)).json()
    review = client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token)).json()
    assert review["metrics"] == metrics and review["state"] == "final"
    # A late refund grows the log: the ingest asks the job to build the review again (no request replays the
    # log meanwhile: they answer "being built"), and the rebuilt review follows it.
    paid = next(e for e in events if e["type"] == "pay")
    late = {"id": "late-refund", "type": "refund", "ts": paid["ts"] + 3_600_000, "user": paid["user"],
            "order": paid["order"], "amount": paid["amount"]}  # fmt: skip
    feed(client, show_id, token, [late])
    r = client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token))
    assert r.status_code == 202 and r.json()["state"] == "building"
    assert build_waiting(client) == 1
    metrics = client.get(f"/api/v1/shows/{show_id}/metrics", headers=bearer(token)).json()
    review = client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token)).json()
    assert review["metrics"] == metrics and metrics["refund_amount"] >= paid["amount"]
    r = client.put(
        f"/api/v1/shows/{show_id}/review/notes",
        json={"notes": "節奏正常", "sign_off": True, "nothing_to_change": True},
        headers=bearer(token),
    )
    assert r.status_code == 200 and r.json()["nothing_to_change"] is True
    r = client.post(f"/api/v1/shows/{show_id}/transitions", json={"to": "reviewed"}, headers=bearer(token))
    assert r.status_code == 200, r.text


def test_exports_pdf_has_chinese_text_and_the_workbook_has_charts(
    client: TestClient, shop: dict[str, Any], clock: FakeClock
) -> None:
    from pypdf import PdfReader

    show_id, token = shop["show"].id, shop["token"]
    feed(client, show_id, token, simulated(clock, minutes=4))
    r = client.get(f"/api/v1/shows/{show_id}/review.pdf?lang=zh-Hant", headers=bearer(token))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "復盤" in text and "週五美妝專場" in text and "成交金額" in text
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("CJK" in name for name in fonts), fonts  # the Chinese glyphs come from an embedded CJK font
    # The charts' labels too are set in the reader's CJK face (not the collection's Japanese one, not a serif
    # font for their digits): fewer fonts to subset and embed, and Chinese glyph forms in the charts.
    assert not any("CJK-JP" in name or "CJK-KR" in name for name in fonts), fonts
    embedded = [
        f for page in reader.pages for f in page["/Resources"]["/Font"].values() if "CJK" in str(f["/BaseFont"])
    ]
    descriptor = (
        embedded[0]["/DescendantFonts"][0]["/FontDescriptor"]
        if "/DescendantFonts" in embedded[0]
        else embedded[0]["/FontDescriptor"]
    )
    assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    r = client.get(f"/api/v1/shows/{show_id}/review.xlsx?lang=zh-Hans", headers=bearer(token))
    assert r.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert len([n for n in names if n.startswith("xl/charts/chart")]) >= 3
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(r.content))
    assert "总览" in book.sheetnames
    r = client.get(f"/api/v1/shows/{show_id}/review.html?lang=en", headers=bearer(token))
    assert r.status_code == 200 and "<svg" in r.text and "Review" in r.text
    assert 'src="http' not in r.text and 'href="http' not in r.text and "<script" not in r.text  # self-contained


def test_alerts_and_contributed_incidents_with_their_times(
    client: TestClient, shop: dict[str, Any], clock: FakeClock, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from livecrew.live.models import Alert
    from livecrew.review import service

    show_id, token = shop["show"].id, shop["token"]
    events = simulated(clock, minutes=5)
    feed(client, show_id, token, events)
    raised = clock.now() - timedelta(days=2) + timedelta(minutes=2)
    db.add(
        Alert(
            show_id=show_id, rule="feed_silent", severity="high", roles=["tech"], message="沒收到任何事件",
            key="alert.feed_silent", params={}, raised_at=raised, updated_at=raised, updates=0,
            acknowledged_at=raised + timedelta(seconds=40), resolved_at=raised + timedelta(seconds=100),
            event_ts=events[0]["ts"] + 150_000,
        )
    )  # fmt: skip
    db.commit()

    def incidents(_db: Session, sid: str) -> list[dict[str, Any]]:
        assert sid == show_id
        return [
            {"title": "斷網", "status": "resolved", "opened_at": raised,
             "acknowledged_at": raised + timedelta(seconds=30), "resolved_at": None},
        ]  # fmt: skip

    monkeypatch.setattr(
        service, "contributions", lambda point: (incidents,) if point == service.INCIDENT_SOURCE else ()
    )
    review = client.get(f"/api/v1/shows/{show_id}/review", headers=bearer(token)).json()
    alert = next(a for a in review["incidents"]["alerts"] if a["message"] == "沒收到任何事件" and a["acknowledged_at"])
    assert (alert["minute"], alert["seconds_to_acknowledge"], alert["seconds_to_resolve"]) == (2, 40.0, 100.0)
    incident = review["incidents"]["incidents"][0]
    assert incident["title"] == "斷網" and incident["seconds_to_acknowledge"] == 30.0
    assert incident["seconds_to_resolve"] is None
    kinds = {(m["minute"], m["kind"]) for m in review["markers"]}
    assert (2, "alert") in kinds and (incident["minute"], "incident") in kinds
    tech = next(c for c in review["scorecards"] if c["name"] == "小美")  # the host's card has no tech KPI
    assert all(k["role"] == "host" for k in tech["kpis"])


def test_a_show_with_no_events_yet_has_an_empty_draft(client: TestClient, shop: dict[str, Any]) -> None:
    r = client.get(f"/api/v1/shows/{shop['show'].id}/review", headers=bearer(shop["token"]))
    assert r.status_code == 200, r.text
    review = r.json()
    assert review["state"] == "draft" and review["metrics"]["uv"] == 0 and review["drops"] == []
    assert [s["users"] for s in review["funnel"]] == [0, 0, 0, 0, 0]
    assert client.get(f"/api/v1/shows/{shop['show'].id}/review.xlsx", headers=bearer(shop["token"])).status_code == 200


def test_the_workbook_keeps_formula_looking_text_as_text(
    client: TestClient, shop: dict[str, Any], clock: FakeClock
) -> None:
    from openpyxl import load_workbook

    show_id, token = shop["show"].id, shop["token"]
    feed(client, show_id, token, simulated(clock, minutes=3))
    evil = '=HYPERLINK("http://evil.example/","click")'
    r = client.post(
        f"/api/v1/shows/{show_id}/review/actions",
        json={"problem": evil, "cause": "@SUM(A1)", "action": "+1 補貨", "due_on": "2026-06-20"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    r = client.get(f"/api/v1/shows/{show_id}/review.xlsx?lang=zh-Hant", headers=bearer(token))
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    texts = {str(c.value) for c in cells}
    assert evil in texts and "@SUM(A1)" in texts and "+1 補貨" in texts
