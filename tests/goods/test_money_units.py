"""Money in imports and forms is in the currency's ordinary unit (元) unless a column says cents; the import check
shows each money column's unit and warns on prices that look like a unit mix-up; forms show what was typed."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.goods import sheets
from livecrew.goods.models import Product
from livecrew.service import imports
from support import Factory, bearer, csrf, login


def _import(client: TestClient, token: str, text: str, **query: str) -> tuple[int, dict[str, Any]]:
    r = client.post(
        "/api/v1/products/import",
        params=query,
        files={"file": ("pool.csv", text.encode("utf-8"), "text/csv")},
        headers=bearer(token),
    )
    return r.status_code, r.json()


def _product(db: Session, sku: str) -> Product:
    db.expire_all()
    product = db.scalar(select(Product).where(Product.sku == sku))
    assert product is not None, sku
    return product


def test_list_price_899_under_english_headers_is_899_yuan_and_the_check_says_so(
    client: TestClient, factory: Factory, db: Session
) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "selection"))
    text = "sku,title,tier,list_price,live_price\nE-1,保溫杯,profit,899,599\n"
    status, checked = _import(client, token, text, dry_run="true")
    assert status == 200 and not checked["imported"]
    units = {c["header"]: (c["unit"], c["currency"]) for c in checked["money_columns"]}
    assert units == {"list_price": ("major", "TWD"), "live_price": ("major", "TWD")}
    status, done = _import(client, token, text)
    assert status == 200 and done["created"] == 1
    product = _product(db, "E-1")
    assert (product.list_price, product.live_price) == (89_900, 59_900)  # 899 元, 599 元
    # The console's check shows the unit in the reader's language.
    user = factory.user(ws, "owner", email="own@example.com")
    login(client, user.email)
    page = client.post(
        "/goods/import",
        data={"csrf_token": csrf(client)},
        files={"file": ("pool.csv", text.replace("E-1", "E-2").encode(), "text/csv")},
    )
    assert page.status_code == 200 and 'id="import-units"' in page.text
    assert "以元計（TWD），899 就是 899 元" in page.text and "list_price" in page.text


def test_a_cents_column_and_decimals(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "selection"))
    text = (
        "sku,title,tier,list_price_cents,live_price,cost\n"
        "C-1,面膜,traffic,89900,599.5,120.25\n"
        "C-2,面膜,traffic,899.5,1,1\n"  # cents are whole
        "C-3,面膜,traffic,89900,599.555,1\n"  # more decimals than the currency has
    )
    status, checked = _import(client, token, text, dry_run="true")
    assert status == 200
    assert {c["header"]: c["unit"] for c in checked["money_columns"]} == {
        "list_price_cents": "cents",
        "live_price": "major",
        "cost": "major",
    }
    errors = {(e["row"], e["column"]): e for e in checked["errors"]}
    assert set(errors) == {(3, "原價(元)"), (4, "直播價(元)")}
    assert errors[(3, "原價(元)")]["key"] == "err.money_whole_cents"
    assert errors[(4, "直播價(元)")]["key"] == "err.money_decimals" and "more than 2 decimals" in str(errors)
    status, done = _import(client, token, text, valid_only="true")
    assert status == 200 and done["created"] == 1
    product = _product(db, "C-1")
    assert (product.list_price, product.live_price, product.cost) == (89_900, 59_950, 12_025)
    # The Chinese header that says 分 is read in cents too; the one that says 元 in 元.
    chinese = "商品編號,商品名稱,商品類型,原價（分）,直播價(元)\nC-4,圍巾,image,89900,599\n"
    status, done = _import(client, token, chinese)
    assert status == 200 and done["created"] == 1, done
    assert (_product(db, "C-4").list_price, _product(db, "C-4").live_price) == (89_900, 59_900)


def test_price_warnings_are_shown_before_anything_is_written(client: TestClient, factory: Factory, db: Session) -> None:
    ws = factory.workspace()
    user = factory.user(ws, "owner", email="boss@example.com")
    token = factory.token(user)
    # A live price in cents next to a list price in 元 (599 分 = 5.99 元), and one above the list price.
    text = (
        "sku,title,tier,list_price,live_price\n"
        "W-1,精華,profit,899,5.99\nW-2,精華,profit,100,120\nW-3,精華,profit,100,50\n"
    )
    status, checked = _import(client, token, text, dry_run="true")
    assert status == 200 and checked["errors"] == [] and checked["valid"] == 3
    warnings = {w["row"]: w for w in checked["warnings"]}
    assert set(warnings) == {2, 3}
    assert warnings[2]["key"] == "sheet.warn_live_below_list" and warnings[2]["params"]["list"] == "899"
    assert warnings[3]["key"] == "sheet.warn_live_above_list" and warnings[3]["params"]["live"] == "120"
    # The console stops at the check and writes nothing until the person confirms.
    login(client, user.email)
    token_csrf = csrf(client)
    page = client.post(
        "/goods/import",
        data={"csrf_token": token_csrf},
        files={"file": ("pool.csv", text.encode(), "text/csv")},
    )
    assert page.status_code == 200 and 'id="import-errors"' in page.text
    assert "直播價 5.99 不到原價 899 的 10%" in page.text and "直播價 120 高於原價 100" in page.text
    assert db.scalar(select(Product).where(Product.sku == "W-1")) is None
    pending = page.text.split('name="pending" value="')[1].split('"')[0]
    done = client.post("/goods/import", data={"csrf_token": token_csrf, "pending": pending, "valid_only": "on"})
    assert done.status_code == 200 and "新增 3 款" in done.text
    assert _product(db, "W-1").live_price == 599


def test_templates_state_the_unit_in_the_readers_language(client: TestClient, factory: Factory) -> None:
    english = load_workbook(io.BytesIO(sheets.template("en", "TWD"))).worksheets[0]
    header = [c.value for c in english[1]]
    assert header[3:6] == ["List price (TWD)", "Live price (TWD)", "Cost (TWD)"]
    hans = load_workbook(io.BytesIO(sheets.template("zh-Hans", "CNY"))).worksheets[0]
    assert [c.value for c in hans[1]][3] == "原价(元)"
    # What the template says reads back in the same unit.
    table = sheets.read_table("t.xlsx", sheets.template("en", "TWD"))
    checked = sheets.check(table, "TWD")
    assert checked.rows[0][1]["list_price"] == 89_900 and checked.rows[1][1]["cost"] == 60
    assert imports.template_csv("en", "HKD").decode("utf-8-sig").splitlines()[0].split(",")[6] == "Amount (HKD)"
    assert "退款金額(元)" in imports.template_csv().decode("utf-8-sig")


def test_after_sales_amounts_in_yuan_or_in_cents(client: TestClient, factory: Factory) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "service"))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ref", "kind", "customer", "amount_cents"])
    sheet.append(["R-1", "refund", "u1", 1250])
    sheet.append(["R-2", "refund", "u2", 12.5])
    out = io.BytesIO()
    book.save(out)
    r = client.post("/api/v1/tickets/import", files={"file": ("a.xlsx", out.getvalue())}, headers=bearer(token))
    body = r.json()
    assert r.status_code == 422 and [(e["row"], e["key"]) for e in body["errors"]] == [(3, "err.money_whole_cents")]
    text = "售後單號,售後類型,買家ID,退款金額(元)\nR-3,僅退款,u3,199.5\nR-4,僅退款,u4,19.999\n"
    r = client.post(
        "/api/v1/tickets/import",
        files={"file": ("b.csv", text.encode())},
        data={"valid_only": "true"},
        headers=bearer(token),
    )
    assert r.status_code == 200 and r.json()["imported"] == 1
    amounts = {t["customer"]: t["amount"] for t in client.get("/api/v1/tickets", headers=bearer(token)).json()}
    assert amounts == {"u3": 19_950}


def test_product_and_lineup_forms_show_what_was_typed(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    from livecrew.shows import service as shows

    ws = factory.workspace()
    user = factory.user(ws, "owner", email="form@example.com")
    login(client, user.email)
    token = csrf(client)
    typed = {"list_price": "899.5", "live_price": "599", "cost": "120.25"}
    saved = client.post(
        "/goods/products",
        data={"csrf_token": token, "sku": "F-1", "title": "表單", "tier": "profit", **typed},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    product = _product(db, "F-1")
    assert (product.list_price, product.live_price, product.cost) == (89_950, 59_900, 12_025)
    page = client.get(f"/goods/products/{product.id}").text
    for name, value in typed.items():
        assert f'name="{name}" inputmode="decimal" value="{value}"' in page, name
    refused = client.post(
        "/goods/products",
        data={"csrf_token": token, "sku": "F-2", "title": "表單", "tier": "profit", "live_price": "5.999"},
    )
    assert refused.status_code == 422 and "「直播價」：「5.999」最多只能有 2 位小數" in refused.text
    # A lineup price.
    ready = factory.product(ws, "F-3")
    show = shows.create_show(db, clock, ws, title="表單場", starts_at=clock.now() + timedelta(days=1), minutes=60)
    db.commit()
    factory.lineup(show.id, ready)
    lineup = client.get(f"/shows/{show.id}/lineup").text
    assert 'name="live_price" inputmode="decimal" value="399"' in lineup  # 39900 分


def test_kpi_and_template_targets_take_and_show_the_ordinary_unit(
    client: TestClient, factory: Factory, db: Session
) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="kpi@example.com")
    token = factory.token(owner)
    login(client, owner.email)
    form = {
        "csrf_token": csrf(client),
        "key": "host.uv_money",
        "role": "host",
        "name": "UV 價值",
        "source": "metrics",
        "metric": "uv_value",
        "unit": "minor_units",
        "direction": "higher",
        "target": "5",
        "weight": "40",
    }
    assert client.post("/team/kpis", data=form, follow_redirects=False).status_code == 303
    ratio = {**form, "key": "host.conv", "metric": "conversion_rate", "unit": "ratio", "target": "2.5", "weight": "0"}
    assert client.post("/team/kpis", data=ratio, follow_redirects=False).status_code == 303
    rows = {k["key"]: k for k in client.get("/api/v1/team/kpis", headers=bearer(token)).json()["kpis"]}
    assert (rows["host.uv_money"]["target"], rows["host.uv_money"]["weight"]) == (500, 0.4)
    assert rows["host.conv"]["target"] == 0.025
    page = client.get("/team/kpis?edit=host.uv_money").text
    assert (
        'name="target" inputmode="decimal" value="5"' in page and 'name="weight" inputmode="decimal" value="40"' in page
    )
    assert 'value="2.5"' in client.get("/team/kpis?edit=host.conv").text
    # Template targets: GMV and UV value in 元, the conversion rate in percent.
    tpl = client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()
    patched = client.patch(
        "/api/v1/show-templates/daily_2h",
        json={"default_targets": {"gmv": 1_500_000, "uv_value": 500, "conversion_rate": 0.025}},
        headers=bearer(token),
    )
    assert patched.status_code == 200, patched.text
    editor = client.get("/shows/templates/daily_2h").text
    for key, shown in (("gmv", "15000"), ("uv_value", "5"), ("conversion_rate", "2.5")):
        assert f'name="target-{key}" inputmode="decimal" value="{shown}"' in editor, key
    post: dict[str, str] = {
        "csrf_token": csrf(client),
        "name": tpl["name"],
        "description": "",
        "duration_minutes": str(tpl["duration_minutes"]),
        "required_roles": "host",
        "target-gmv": "20000.5",
        "target-uv_value": "6",
        "target-conversion_rate": "3",
    }
    for i, seg in enumerate(tpl["segments"]):
        post |= {f"seg-{i}-key": seg["key"], f"seg-{i}-position": str(i + 1), f"seg-{i}-title": seg["title"],
                 f"seg-{i}-kind": seg["kind"], f"seg-{i}-minutes": str(seg["planned_minutes"]),
                 f"seg-{i}-slot": "", f"seg-{i}-perk": "", f"seg-{i}-perk_note": "", f"seg-{i}-cue_role": "",
                 f"seg-{i}-points": "\n".join(seg["talking_points"])}  # fmt: skip
    assert client.post("/shows/templates/daily_2h", data=post, follow_redirects=False).status_code == 303
    after = client.get("/api/v1/show-templates/daily_2h", headers=bearer(token)).json()["default_targets"]
    assert after == {"gmv": 2_000_050, "uv_value": 600, "conversion_rate": 0.03}
    bad = client.post("/shows/templates/daily_2h", data={**post, "target-gmv": "1.234"})
    assert bad.status_code == 422 and 'value="1.234"' in bad.text  # the typed value is kept


def test_perk_amounts_are_in_the_ordinary_unit(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    from livecrew.shows import service as shows

    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="perk@example.com")
    token = factory.token(owner)
    show = shows.create_show(db, clock, ws, title="券場", starts_at=clock.now() + timedelta(days=1), minutes=60)
    db.commit()
    login(client, owner.email)
    form = {"csrf_token": csrf(client), "kind": "coupon", "title": "滿額券", "threshold": "299", "discount": "50.5",
            "quantity": "100", "valid_until": (clock.now() + timedelta(days=7)).date().isoformat()}  # fmt: skip
    r = client.post(f"/shows/{show.id}/perks", data=form, follow_redirects=True)
    assert r.status_code == 200, r.text[:300]
    perk = client.get(f"/api/v1/shows/{show.id}/perks", headers=bearer(token)).json()[0]
    assert (perk["details"]["threshold"], perk["details"]["discount"]) == (29_900, 5_050)
    page = client.get(f"/shows/{show.id}").text
    line = page[page.index('id="perk-') :][:800]
    assert "299" in line and "50.5" in line
