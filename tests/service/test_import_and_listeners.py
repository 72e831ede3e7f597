"""The after-sales import (row-level errors, nothing half-written, valid rows only on request, idempotent) and
tickets the live room opens by itself: refunds in the log and, when the workspace wants it, complaint comments."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook

from livecrew.core.clock import FakeClock, to_ms
from service_support import Desk, ingest

GOOD = "售後單號,售後類型,買家ID,買家暱稱,訂單號,商品編號,退款金額(元),申請原因,評價\n"
ROWS_OK = "AS-1,退貨退款,u1,小美,o-1,SKU-1,199,尺碼不合,4\nAS-2,補發,u2,,o-2,SKU-2,,少寄一件,\n"
ROWS_BAD = "AS-3,退錢啦,u3,,o-3,SKU-1,10,,\nAS-4,換貨,,,o-4,SKU-1,abc,,9\nAS-1,換貨,u5,,o-5,SKU-1,5,,\n"


def _upload(client: TestClient, desk: Desk, name: str, data: bytes, **form: str) -> tuple[int, dict[str, object]]:
    r = client.post("/api/v1/tickets/import", files={"file": (name, data)}, data=form, headers=desk.headers)
    return r.status_code, r.json()


def _count(client: TestClient, desk: Desk) -> int:
    return len(client.get("/api/v1/tickets", headers=desk.headers).json())


def test_broken_rows_are_reported_and_nothing_is_written(client: TestClient, desk: Desk) -> None:
    status, body = _upload(client, desk, "after-sales.csv", (GOOD + ROWS_OK + ROWS_BAD).encode("utf-8-sig"))
    assert status == 422
    assert body["imported"] == 0 and body["rows"] == 5 and body["invalid"] == 3 and body["valid"] == 2
    errors = {(e["row"], e["column"]) for e in body["errors"]}
    assert (4, "售後類型") in errors  # 退錢啦 is not a kind
    assert {(5, "買家ID"), (5, "退款金額(元)"), (5, "評價")} <= errors
    assert (6, "售後單號") in errors  # AS-1 twice in the file
    assert _count(client, desk) == 0
    status, body = _upload(client, desk, "after-sales.csv", (GOOD + ROWS_OK + ROWS_BAD).encode(), valid_only="true")
    assert status == 200 and body["imported"] == 2
    listed = {t["order"]: t for t in client.get("/api/v1/tickets", headers=desk.headers).json()}
    assert listed["o-1"]["kind"] == "return" and listed["o-1"]["amount"] == 19900 and listed["o-1"]["rating"] == 4
    assert listed["o-2"]["kind"] == "reissue" and listed["o-2"]["text"] == "少寄一件"
    status, body = _upload(client, desk, "again.csv", (GOOD + ROWS_OK).encode())
    assert status == 200 and body["imported"] == 0 and body["already"] == 2


def test_xlsx_with_english_keys_and_big5_csv(client: TestClient, desk: Desk) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ref", "kind", "customer", "amount", "reason"])
    sheet.append(["X-1", "refund", "u7", 12.5, "not as described"])  # the currency's unit: 12.50
    sheet.append([1002, "logistics", 12345, None, "late"])
    buf = io.BytesIO()
    book.save(buf)
    status, body = _upload(client, desk, "export.xlsx", buf.getvalue())
    assert status == 200 and body["imported"] == 2, body
    amounts = {t["customer"]: t["amount"] for t in client.get("/api/v1/tickets", headers=desk.headers).json()}
    assert amounts == {"u7": 1250, "12345": 0}
    status, body = _upload(client, desk, "tw.csv", (GOOD + "B-1,換貨,u8,,,,,,\n").encode("big5"))
    assert status == 200 and body["imported"] == 1
    status, body = _upload(client, desk, "x.csv", b"foo,bar\n1,2\n")
    assert status == 422 and "售後單號" in str(body)


def test_refunds_in_the_log_open_one_case_per_order(client: TestClient, desk: Desk, clock: FakeClock) -> None:
    t0 = to_ms(clock.now()) - 60_000
    ingest(
        client,
        desk,
        [
            {
                "id": "o",
                "type": "order",
                "ts": t0,
                "user": "amy",
                "order": "o-9",
                "product": "SKU-7",
                "qty": 1,
                "amount": 500,
            },
            {"id": "p", "type": "pay", "ts": t0 + 10, "user": "amy", "order": "o-9", "amount": 500},
            {"id": "r1", "type": "refund", "ts": t0 + 20, "user": "amy", "order": "o-9", "amount": 200},
        ],
    )
    ingest(client, desk, [{"id": "r2", "type": "refund", "ts": t0 + 30, "user": "amy", "order": "o-9", "amount": 100}])
    listed = client.get("/api/v1/tickets?kind=refund", headers=desk.headers).json()
    assert len(listed) == 1
    assert listed[0]["order"] == "o-9" and listed[0]["product"] == "SKU-7" and listed[0]["amount"] == 300
    assert listed[0]["source"] == "refund" and listed[0]["customer"] == "amy"


def test_complaint_comments_open_tickets_only_when_turned_on(client: TestClient, desk: Desk, clock: FakeClock) -> None:
    t0 = to_ms(clock.now()) - 60_000
    ingest(
        client,
        desk,
        [
            {"id": "x0", "type": "explain", "ts": t0, "product": "SKU-3", "action": "start"},
            {"id": "c0", "type": "comment", "ts": t0 + 1, "user": "bob", "text": "收到的貨是壞的，太差了"},
        ],
    )
    assert _count(client, desk) == 0
    r = client.put("/api/v1/service/settings", json={"auto_complaints": True}, headers=desk.headers)
    assert r.status_code == 200 and r.json()["auto_complaints"] is True
    ingest(
        client,
        desk,
        [
            {"id": "c1", "type": "comment", "ts": t0 + 2, "user": "bob", "text": "收到的貨是壞的，太差了"},
            {"id": "c2", "type": "comment", "ts": t0 + 3, "user": "cat", "text": "這件有 M 號嗎？"},
        ],
    )
    listed = client.get("/api/v1/tickets", headers=desk.headers).json()
    assert [(t["kind"], t["customer"], t["product"], t["source"]) for t in listed] == [
        ("complaint", "bob", "SKU-3", "auto")
    ]


def test_one_click_from_the_live_room(client: TestClient, desk: Desk, clock: FakeClock) -> None:
    t0 = to_ms(clock.now()) - 60_000
    ingest(client, desk, [{"id": "x0", "type": "explain", "ts": t0, "product": "SKU-5", "action": "start"}])
    r = client.post(
        f"/api/v1/shows/{desk.show_id}/tickets",
        json={"user": "dan", "text": "這個適合敏感肌嗎？"},
        headers=desk.headers,
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert (t["kind"], t["customer"], t["product"], t["show"], t["source"]) == (
        "consult", "dan", "SKU-5", desk.show_id, "comment",
    )  # fmt: skip
    r = client.post(
        f"/api/v1/shows/{desk.show_id}/tickets", json={"text": "尺碼怎麼選", "source": "cue"}, headers=desk.headers
    )
    assert r.status_code == 201 and r.json()["source"] == "cue"


def test_recurring_complaints_flag_the_product(client: TestClient, desk: Desk) -> None:
    ids = []
    for i in range(3):
        body = {"kind": "complaint", "customer": f"u{i}", "text": "拉鍊壞了", "product": "SKU-Z"}
        ids.append(client.post("/api/v1/tickets", json=body, headers=desk.headers).json()["id"])
    client.post("/api/v1/tickets", json={"kind": "return", "customer": "u", "text": "退", "product": "SKU-Z"},
                headers=desk.headers)  # fmt: skip
    flags = client.get("/api/v1/service/problems", headers=desk.headers).json()
    assert [(f["product"], f["kind"], f["count"], f["ticket_ids"]) for f in flags] == [("SKU-Z", "complaint", 3, ids)]
