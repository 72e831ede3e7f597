"""The daily report (客服日報): its counts from tickets and the event log, the workbook, the push at the set
time (DailyReportReady, once a day) and the CLI."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew.core.clock import FakeClock, to_ms
from livecrew.service import jobs, tickets
from livecrew.service.public import DailyReportReady, product_problems
from service_support import Desk, ingest


def _open(client: TestClient, desk: Desk, **body: object) -> int:
    r = client.post("/api/v1/tickets", json={"kind": "consult", "text": "有貨嗎？", **body}, headers=desk.headers)
    assert r.status_code == 201, r.text
    ticket_id: int = r.json()["id"]
    return ticket_id


def test_daily_report_counts(client: TestClient, desk: Desk, clock: FakeClock, db: Session) -> None:
    # 10:00 in Taipei on 2026-06-12.
    a = _open(client, desk, customer="amy", product="SKU-1")
    b = _open(client, desk, customer="bob")
    c = _open(client, desk, kind="refund", customer="cat", text="想退款", amount=1990)
    _open(client, desk, kind="complaint", customer="dan", text="包裝破了很差", product="SKU-1")
    clock.advance(60)
    client.post(f"/api/v1/tickets/{a}/replies", json={"text": "有的"}, headers=desk.headers)
    clock.advance(240)  # b waits 300 s: past three minutes
    client.post(f"/api/v1/tickets/{b}/replies", json={"text": "有的", "then": "solved"}, headers=desk.headers)
    client.post(f"/api/v1/tickets/{c}/rating", json={"rating": 1}, headers=desk.headers)
    tickets.check_breaches(db, clock)  # c and the complaint waited over three minutes
    db.commit()
    # amy pays within 24 hours of asking; bob never does.
    t0 = to_ms(clock.now())
    ingest(
        client,
        desk,
        [
            {
                "id": "o1",
                "type": "order",
                "ts": t0,
                "user": "amy",
                "order": "o1",
                "product": "SKU-1",
                "qty": 1,
                "amount": 990,
            },
            {"id": "p1", "type": "pay", "ts": t0 + 1000, "user": "amy", "order": "o1", "amount": 990},
        ],
    )
    r = client.get("/api/v1/service/reports/daily?day=2026-06-12", headers=desk.headers).json()
    assert r["opened"] == 4 and r["consults"] == 2 and r["handled"] == 2 and r["solved"] == 1
    assert r["avg_first_reply_seconds"] == 180 and r["first_reply_rate"] == 0.5
    assert r["consulting_customers"] == 2 and r["converted_customers"] == 1 and r["inquiry_conversion"] == 0.5
    assert r["after_sales"]["refund"] == {"count": 1, "amount": 1990}
    assert r["rated"] == 1 and r["dissatisfaction_rate"] == 1.0
    assert r["sla_breaches"] == 2 and r["sla_breaches_by_clock"] == {"first_reply": 2}
    assert r["still_open"] == 3
    assert {"product": "SKU-1", "topic": "quality", "count": 1} in r["complaints_by_product"]
    assert r["top_products_asked"] == [{"product": "SKU-1", "count": 1}]
    x = client.get("/api/v1/service/reports/daily?day=2026-06-12&format=xlsx&lang=en", headers=desk.headers)
    sheet = load_workbook(io.BytesIO(x.content), read_only=True).worksheets[0]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Tickets opened"] == 4 and values["Inquiry conversion"] == 0.5
    assert "Complaints by product" in values and "complaints_by_product" not in values  # labels, not keys
    assert client.get("/api/v1/service/reports/daily?day=12-06-2026", headers=desk.headers).status_code == 422
    assert product_problems(db, desk.ws.id) == []


def test_push_at_report_time_once(db: Session, clock: FakeClock, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from livecrew.core import events

    got: list[DailyReportReady] = []
    monkeypatch.setattr(
        events, "subscribers", lambda topic: (lambda _db, e: got.append(e),) if topic == DailyReportReady.topic else ()
    )
    tickets.open_ticket(db, clock, desk.ws.id, tickets.NewTicket(kind="consult", customer="u", text="?"))
    assert jobs.tick(db, clock) == (0, 0)  # 10:00: not yet (23:30)
    clock.set(datetime(2026, 6, 12, 15, 30, tzinfo=UTC))  # 23:30 in Taipei
    breaches, pushed = jobs.tick(db, clock)
    assert pushed == 1 and breaches == 1  # the first reply, due at 10:03
    assert [(e.workspace_id, e.day) for e in got] == [(desk.ws.id, "2026-06-12")]
    assert "客服日報 2026-06-12" in got[0].summary
    clock.advance(minutes=10)
    assert jobs.tick(db, clock)[1] == 0
    clock.advance(days=1)
    assert jobs.tick(db, clock)[1] == 1


def test_cli(cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from livecrew import cli
    from livecrew.core import cli as core_cli
    from livecrew.core.auth import service as auth
    from livecrew.core.db import make_engine, make_sessionmaker, session_scope

    clock = FakeClock()
    monkeypatch.setattr(core_cli, "CLOCK", clock)
    engine = make_engine(cli_db)
    with session_scope(make_sessionmaker(engine)) as db:
        ws = auth.create_workspace(db, clock, "CLI 客服")
        ws_id = ws.id
        tickets.open_ticket(db, clock, ws_id, tickets.NewTicket(kind="logistics", customer="u1", text="物流呢"))
    engine.dispose()
    runner = CliRunner(env={"COLUMNS": "300"})
    out = runner.invoke(cli.app, ["ticket", "list", "--workspace", ws_id, "--status", "new"])
    assert out.exit_code == 0, out.output
    assert "logistics" in out.output and "物流呢" in out.output
    bad = tmp_path / "bad.csv"
    bad.write_text("售後單號,售後類型,買家ID\nA-1,亂寫,u1\nA-2,換貨,u2\n", encoding="utf-8")
    out = runner.invoke(cli.app, ["ticket", "import", str(bad), "--workspace", ws_id])
    assert out.exit_code == 1 and "row 2" in out.output and "nothing was imported" in out.output
    out = runner.invoke(cli.app, ["ticket", "import", str(bad), "--workspace", ws_id, "--valid-only"])
    assert out.exit_code == 0 and "imported 1 ticket" in out.output
    book = tmp_path / "r.xlsx"
    day = (clock.now() + timedelta(hours=8)).date().isoformat()
    out = runner.invoke(cli.app, ["service", "report", "--workspace", ws_id, "--day", day, "--xlsx", str(book)])
    assert out.exit_code == 0, out.output
    assert orjson.loads(out.stdout)["opened"] == 2 and book.read_bytes()[:2] == b"PK"
