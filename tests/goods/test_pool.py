"""The product pool: products, documents, sample tests, readiness, lineups, spreadsheets, CLI and pages."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew import cli
from livecrew.core.clock import FakeClock
from livecrew.goods import sheets
from livecrew.goods.models import Product
from support import Factory, bearer, csrf, login

PDF = b"%PDF-1.4\n% a scan\n"
runner = CliRunner(env={"COLUMNS": "300"})


def _sheet(rows: list[list[Any]], header: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ENGLISH = ["sku", "title", "tier", "list_price", "live_price", "stock", "supplier", "licence_expiry", "inspection_expiry", "sample_test"]  # fmt: skip  # noqa: E501
BAD = {
    17: ("tier", "爆款", "商品類型"),
    58: ("live_price", "abc", "直播價(元)"),
    99: ("sku", "SKU-0010", "商品編號"),  # duplicate of row 12
    150: ("licence_expiry", "2027-02-30", "營業執照到期日"),
    233: ("sample_test", "maybe", "樣品測試"),
    377: ("stock", "-5", "庫存"),
    480: ("title", "", "商品名稱"),
}


def _rows(today: date, planted: bool) -> list[list[Any]]:
    expiry = (today + timedelta(days=200)).isoformat()
    rows: list[list[Any]] = []
    for i in range(500):
        rows.append(
            [f"SKU-{i:04d}", f"測試商品 {i}", ["traffic", "profit", "image"][i % 3], 199, 99, 50, "晨光生技", expiry, expiry, "pass"]  # noqa: E501
        )  # fmt: skip
    if planted:
        for row_number, (key, value, _column) in BAD.items():
            rows[row_number - 2][ENGLISH.index(key)] = value
    return rows


def test_500_rows_with_7_planted_errors_then_fixed(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "selection"))
    data = _sheet(_rows(clock.now().date(), planted=True), ENGLISH)
    files = {"file": ("選品表.xlsx", data, "application/octet-stream")}
    refused = client.post("/api/v1/products/import", files=files, headers=bearer(token))
    assert refused.status_code == 422
    checked = client.post("/api/v1/products/import?dry_run=true", files=files, headers=bearer(token)).json()
    assert checked["rows"] == 500 and checked["invalid"] == 7 and checked["valid"] == 493
    reported = {(e["row"], e["column"]) for e in checked["errors"]}
    assert reported == {(row, column) for row, (_k, _v, column) in BAD.items()}
    reasons = " ".join(e["reason"] for e in checked["errors"])
    for words in ("is not a tier", "is not a number", "already on row 12", "not a real date", "not a result", "empty"):
        assert words in reasons
    assert db.scalar(select(func.count()).select_from(Product)) == 0  # nothing written

    fixed = _sheet(_rows(clock.now().date(), planted=False), ENGLISH)
    done = client.post(
        "/api/v1/products/import",
        files={"file": ("選品表.xlsx", fixed, "application/octet-stream")},
        headers=bearer(token),
    ).json()
    assert done["imported"] and done["created"] == 500 and done["suppliers_created"] == ["晨光生技"]
    product = client.get("/api/v1/products?q=SKU-0042", headers=bearer(token)).json()[0]
    assert product["ready"] is True and product["live_price"] == 9900


def test_chinese_template_csv_and_valid_only(client: TestClient, factory: Factory, clock: FakeClock) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "operations"))
    template = load_workbook(io.BytesIO(sheets.template("zh-Hant"))).active
    assert template is not None
    header = [c.value for c in template[1]]
    assert header[:5] == ["商品編號", "商品名稱", "商品類型", "原價(元)", "直播價(元)"]
    csv_text = (
        "\ufeff商品编号,商品名称,商品类型,原价(元),直播价(元),库存\nZ-1,保温杯,利润款,799,499.5,20\nZ-2,,引流款,1,1,1\n"
    )
    files = {"file": ("list.csv", csv_text.encode("utf-8"), "text/csv")}
    result = client.post("/api/v1/products/import?valid_only=true", files=files, headers=bearer(token)).json()
    assert result["created"] == 1 and result["errors"][0]["row"] == 3
    product = client.get("/api/v1/products?q=Z-1", headers=bearer(token)).json()[0]
    assert product["live_price"] == 49950 and product["tier"] == "profit" and product["ready"] is False
    big5 = client.post(
        "/api/v1/products/import",
        files={
            "file": (
                "a.csv",
                "商品編號,商品名稱,商品類型,原價(元),直播價(元)\nB-1,圍巾,形象款,10,9\n".encode("big5"),
                "text/csv",
            )
        },
        headers=bearer(token),
    )
    assert big5.json()["created"] == 1
    no_header = client.post(
        "/api/v1/products/import", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}, headers=bearer(token)
    )
    assert no_header.status_code == 422 and "商品編號 (sku)" in no_header.json()["message"]
    wrong = client.post(
        "/api/v1/products/import", files={"file": ("x.pdf", PDF, "application/pdf")}, headers=bearer(token)
    )
    assert wrong.status_code == 422 and ".xlsx or .csv" in wrong.json()["message"]


def test_readiness_documents_samples_and_lineup_refusal(client: TestClient, factory: Factory, clock: FakeClock) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    created = client.post(
        "/api/v1/products",
        json={"sku": "N-1", "title": "新品", "tier": "traffic", "list_price": 100, "live_price": 50, "stock": 10},
        headers=bearer(token),
    ).json()
    assert created["ready"] is False and len(created["not_ready_because"]) == 3
    pid = created["id"]
    expired = (clock.now().date() - timedelta(days=1)).isoformat()
    soon = (clock.now().date() + timedelta(days=10)).isoformat()
    doc = client.post(
        f"/api/v1/products/{pid}/documents",
        data={"kind": "licence", "expires_on": soon, "number": "123"},
        files={"file": ("licence.pdf", PDF, "application/pdf")},
        headers=bearer(token),
    )
    assert doc.status_code == 201 and doc.json()["file_id"]
    assert client.get(f"/api/v1/files/{doc.json()['file_id']}", headers=bearer(token)).content == PDF
    fake = client.post(
        f"/api/v1/products/{pid}/documents",
        data={"kind": "inspection", "expires_on": soon},
        files={"file": ("x.pdf", b"MZ not a pdf", "application/pdf")},
        headers=bearer(token),
    )
    assert fake.status_code == 422 and "does not look like" in fake.json()["message"]
    client.post(
        f"/api/v1/products/{pid}/documents", data={"kind": "inspection", "expires_on": expired}, headers=bearer(token)
    )
    client.post(f"/api/v1/products/{pid}/sample-tests", data={"result": "fail", "notes": "漏液"}, headers=bearer(token))
    state = client.get(f"/api/v1/products/{pid}/readiness", headers=bearer(token)).json()
    assert [r["key"] for r in state["reasons"]] == ["ready.doc_expired.inspection", "ready.sample_failed"]
    assert state["expiring"] == [{"doc": "licence", "date": soon}]
    expiring = client.get("/api/v1/documents/expiring", headers=bearer(token)).json()
    assert {(e["kind"], e["expired"]) for e in expiring} == {("licence", False), ("inspection", True)}

    show = client.post(
        "/api/v1/shows",
        json={"title": "測試場", "starts_at": "2026-06-20T20:00:00+08:00", "minutes": 60},
        headers=bearer(token),
    ).json()
    refused = client.post(f"/api/v1/shows/{show['id']}/lineup", json={"sku": "N-1"}, headers=bearer(token))
    assert refused.status_code == 409
    assert "inspection report expired" in refused.json()["message"] and "sample test" in refused.json()["message"]
    assert len(refused.json()["details"]) == 2

    client.post(
        f"/api/v1/products/{pid}/documents", data={"kind": "inspection", "expires_on": soon}, headers=bearer(token)
    )
    client.post(f"/api/v1/products/{pid}/sample-tests", data={"result": "pass"}, headers=bearer(token))
    added = client.post(f"/api/v1/shows/{show['id']}/lineup", json={"sku": "N-1", "quota": 5}, headers=bearer(token))
    assert added.status_code == 201 and added.json()["code"] == "A1"
    detail = client.get(f"/api/v1/shows/{show['id']}", headers=bearer(token)).json()
    assert [i["sku"] for i in detail["lineup"]] == ["N-1"]
    structure = client.get(f"/api/v1/shows/{show['id']}/lineup/structure", headers=bearer(token)).json()
    assert structure["tiers"]["traffic"]["count"] == 1 and structure["tiers"]["traffic"]["share_bp"] == 10_000
    assert [w["key"] for w in structure["warnings"]] == ["lineup.missing_tier"]
    # The document expires: the gate lists the product.
    clock.advance(days=11)
    gate = client.get(f"/api/v1/shows/{show['id']}", headers=bearer(token)).json()["gate"]
    assert any(p["check"] == "lineup_ready" and p["params"]["code"] == "A1" for p in gate)


def test_lineup_order_edit_and_structure_warnings(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    from livecrew.shows import service as shows

    ws = factory.workspace()
    token = factory.token(factory.user(ws, "selection"))
    show = shows.create_show(db, clock, ws, title="場", starts_at=clock.now() + timedelta(days=1), minutes=60)
    db.commit()
    pricey = factory.product(ws, "P-1", cost=39000)  # live 399, cost 390: thin margin
    over = factory.product(ws, "P-2", list_price=100, live_price=200)
    factory.lineup(show.id, pricey, over)
    url = f"/api/v1/shows/{show.id}/lineup"
    items = client.get(url, headers=bearer(token)).json()
    warnings = {w["key"] for w in client.get(url + "/structure", headers=bearer(token)).json()["warnings"]}
    assert warnings == {"lineup.low_margin", "lineup.above_list", "lineup.no_early_traffic", "lineup.missing_tier"}
    ids = [i["id"] for i in items]
    reordered = client.put(url + "/order", json={"items": ids[::-1]}, headers=bearer(token)).json()
    assert [i["sku"] for i in reordered] == ["P-2", "P-1"]
    assert client.put(url + "/order", json={"items": ids[:1]}, headers=bearer(token)).status_code == 422
    patched = client.patch(f"{url}/{ids[0]}", json={"code": "b7", "quota": 9}, headers=bearer(token)).json()
    assert patched["code"] == "B7" and patched["quota"] == 9
    clash = client.patch(f"{url}/{ids[1]}", json={"code": "B7"}, headers=bearer(token))
    assert clash.status_code == 409
    assert client.delete(f"{url}/{ids[1]}", headers=bearer(token)).status_code == 204
    xlsx = client.get(f"/api/v1/shows/{show.id}/lineup.xlsx", headers=bearer(token))
    assert load_workbook(io.BytesIO(xlsx.content)).active["C2"].value == "P-1"  # type: ignore[index]


def test_permissions_and_isolation(client: TestClient, factory: Factory) -> None:
    ws, other = factory.workspace(), factory.workspace("別家")
    host = factory.token(factory.user(ws, "host"))
    stranger = factory.token(factory.user(other, "owner"))
    product = factory.product(ws, "MINE")
    assert client.get("/api/v1/products", headers=bearer(host)).status_code == 200
    assert client.post("/api/v1/products", json={"sku": "X", "title": "x"}, headers=bearer(host)).status_code == 403
    assert client.get(f"/api/v1/products/{product.id}", headers=bearer(stranger)).status_code == 404
    assert client.get("/api/v1/products", headers=bearer(stranger)).json() == []


def test_cli_import_and_lineup_add(tmp_path: Path, factory: Factory, db_url: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("LIVECREW_DATABASE_URL", db_url)
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    ws_id = runner.invoke(cli.app, ["workspace", "create", "CLI 直播間"]).output.strip()
    show_id = runner.invoke(
        cli.app, ["show", "create", "--workspace", ws_id, "--title", "夜場", "--start", "2030-01-01T20:00+08:00"]
    ).output.strip()
    expiry = (date.today() + timedelta(days=100)).isoformat()
    path = tmp_path / "pool.csv"
    path.write_text(
        ",".join(ENGLISH)
        + f"\nGOOD,好貨,traffic,100,50,10,供應商甲,{expiry},{expiry},pass\nBAD,壞貨,profit,100,50,10,,,,fail\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli.app, ["product", "import", str(path), "--workspace", ws_id])
    assert result.exit_code == 0 and "imported: 2 new" in result.output
    ok = runner.invoke(cli.app, ["lineup", "add", "--show", show_id, "--sku", "GOOD", "--quota", "5"])
    assert ok.exit_code == 0 and "A1 GOOD" in ok.output
    refused = runner.invoke(cli.app, ["lineup", "add", "--show", show_id, "--sku", "BAD"])
    assert refused.exit_code != 0
    assert "no business licence" in refused.output and "sample test" in refused.output
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title,tier,list_price,live_price\nX,,nope,1,1\n", encoding="utf-8")
    shown = runner.invoke(cli.app, ["product", "import", str(bad), "--workspace", ws_id])
    assert shown.exit_code == 1 and "row 2" in shown.output and "nothing imported" in shown.output
    assert runner.invoke(cli.app, ["lineup", "show", show_id]).exit_code == 0


def test_console_pages(client: TestClient, factory: Factory, db: Session, clock: FakeClock) -> None:
    from livecrew.shows import service as shows

    ws = factory.workspace()
    user = factory.user(ws, "owner", email="boss@example.com")
    product = factory.product(ws, "PAGE-1")
    factory.product(ws, "PAGE-2", ready=False)
    show = shows.create_show(db, clock, ws, title="頁面場", starts_at=clock.now() + timedelta(days=1), minutes=60)
    db.commit()
    factory.lineup(show.id, product)
    login(client, user.email)
    pool = client.get("/goods")
    assert pool.status_code == 200 and "PAGE-1" in pool.text and "還沒有樣品測試" in pool.text
    assert "PAGE-1" in client.get(f"/goods/products/{product.id}").text
    for url in ("/goods/suppliers", "/goods/import", f"/shows/{show.id}/lineup", f"/shows/{show.id}/stock"):
        assert client.get(url).status_code == 200, url
    token = csrf(client)
    saved = client.post(
        "/goods/products",
        data={
            "csrf_token": token,
            "sku": "WEB-1",
            "title": "網頁新增",
            "tier": "image",
            "list_price": "12.5",
            "live_price": "abc",
        },
    )
    assert saved.status_code == 422 and "599.50" in saved.text
    saved = client.post(
        "/goods/products",
        data={
            "csrf_token": token,
            "sku": "WEB-1",
            "title": "網頁新增",
            "tier": "image",
            "live_price": "12.5",
            "objections": "會壞嗎 | 保固一年",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    web = db.scalar(select(Product).where(Product.sku == "WEB-1"))
    assert web is not None and web.live_price == 1250 and web.objections == [{"q": "會壞嗎", "a": "保固一年"}]
    upload = client.post(
        "/goods/import",
        data={"csrf_token": token},
        files={
            "file": (
                "a.csv",
                "sku,title,tier,list_price,live_price\nC-1,好,traffic,1,1\nC-2,,traffic,1,1\n".encode(),
                "text/csv",
            )
        },
    )
    assert upload.status_code == 422 and "C-2" not in upload.text and "商品名稱" in upload.text
    pending = upload.text.split('name="pending" value="')[1].split('"')[0]
    done = client.post("/goods/import", data={"csrf_token": token, "pending": pending, "valid_only": "on"})
    assert done.status_code == 200 and "新增 1 款" in done.text


def test_console_documents_samples_and_restock(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "selection", email="pick@example.com")
    product = factory.product(ws, "DOC-1", ready=False, stock=3)
    login(client, user.email)
    token = csrf(client)
    url = f"/goods/products/{product.id}"
    wrong = client.post(
        url + "/documents",
        data={"csrf_token": token, "kind": "licence", "expires_on": "2030-01-01"},
        files={"file": ("scan.exe", b"MZ", "application/octet-stream")},
    )
    assert wrong.status_code == 422 and "PDF" in wrong.text
    for kind in ("licence", "inspection"):
        ok = client.post(
            url + "/documents",
            data={"csrf_token": token, "kind": kind, "expires_on": "2030-01-01"},
            files={"file": ("scan.pdf", PDF, "application/pdf")},
            follow_redirects=False,
        )
        assert ok.status_code == 303
    client.post(url + "/sample-tests", data={"csrf_token": token, "result": "pass", "tester": "李"})
    assert "可上播" in client.get(url).text
    assert client.post(url + "/restock", data={"csrf_token": token, "qty": "-9"}).status_code == 409
    client.post(url + "/restock", data={"csrf_token": token, "qty": "7"})
    db.refresh(product)
    assert product.stock == 10
