"""Spreadsheets in and out: the product importer (.xlsx / .csv), pool and lineup exports, the template.

The console upload and ``livecrew product import`` call the same ``check`` then ``apply``. Every row is
validated first; every bad row is reported with its row number, column and reason; nothing is written
until the file is clean, unless the caller asks for the valid rows only.

Headers: the template's Chinese headers (Traditional or Simplified; prices in 元 with decimals,
commission in %), or the English keys (prices in minor units, commission in basis points).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import ValidationFailed
from livecrew.goods import service
from livecrew.goods.models import Document, Product, SampleTest

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 64  # the template has 16; cells further right are not read
MAX_CELL = 4000  # characters of one cell


@dataclass(frozen=True)
class Column:
    key: str
    zh_hant: str
    zh_hans: str
    en: str
    kind: str  # text, tier, money, int, percent, date, result, list, status
    required: bool = False
    width: int = 14


COLUMNS = [
    Column("sku", "商品編號", "商品编号", "SKU", "text", True, 16),
    Column("title", "商品名稱", "商品名称", "Title", "text", True, 36),
    Column("tier", "商品類型", "商品类型", "Tier", "tier", True, 12),
    Column("list_price", "原價(元)", "原价(元)", "List price", "money", True, 12),
    Column("live_price", "直播價(元)", "直播价(元)", "Live price", "money", True, 12),
    Column("cost", "成本(元)", "成本(元)", "Cost", "money", False, 12),
    Column("commission", "佣金(%)", "佣金(%)", "Commission %", "percent", False, 10),
    Column("stock", "庫存", "库存", "Stock", "int", False, 10),
    Column("low_stock_at", "低庫存提醒", "低库存提醒", "Low-stock alert", "int", False, 12),
    Column("supplier", "供應商", "供应商", "Supplier", "text", False, 22),
    Column("category", "類目", "类目", "Category", "text", False, 14),
    Column("licence_expiry", "營業執照到期日", "营业执照到期日", "Licence expiry", "date", False, 16),
    Column("inspection_expiry", "質檢報告到期日", "质检报告到期日", "Inspection expiry", "date", False, 16),
    Column("sample_test", "樣品測試", "样品测试", "Sample test", "result", False, 10),
    Column("selling_points", "賣點", "卖点", "Selling points", "list", False, 40),
    Column("status", "狀態", "状态", "Status", "status", False, 10),
]
BY_KEY = {c.key: c for c in COLUMNS}

_TIERS = {
    "traffic": "traffic",
    "引流款": "traffic",
    "引流": "traffic",
    "profit": "profit",
    "利潤款": "profit",
    "利润款": "profit",
    "利潤": "profit",
    "利润": "profit",
    "image": "image",
    "形象款": "image",
    "形象": "image",
}
_RESULTS = {
    "pass": "pass",
    "通過": "pass",
    "通过": "pass",
    "合格": "pass",
    "fail": "fail",
    "不通過": "fail",
    "不通过": "fail",
    "不合格": "fail",
}
_STATUSES = {
    "candidate": "candidate",
    "候選": "candidate",
    "候选": "candidate",
    "approved": "approved",
    "已通過": "approved",
    "已通过": "approved",
    "retired": "retired",
    "已淘汰": "retired",
    "淘汰": "retired",
}
# English keys carry minor units and basis points; Chinese headers carry 元 and %.
_ENGLISH_EXTRA = {"commission_bp": "commission"}


def _header_key(raw: Any) -> tuple[str, bool] | None:
    """(column key, given in minor units?) for a header cell, or None when unknown."""
    text = re.sub(r"\s+", "", str(raw or "")).strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered in BY_KEY:
        return lowered, True
    if lowered in _ENGLISH_EXTRA:
        return _ENGLISH_EXTRA[lowered], True
    bare = re.sub(r"[（(].*?[)）]", "", text)
    for col in COLUMNS:
        for label in (col.zh_hant, col.zh_hans, col.en):
            if text == label or bare == re.sub(r"[（(].*?[)）]", "", label).replace(" ", ""):
                return col.key, False
    return None


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Checked:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, clean values)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0
    unknown_headers: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    @property
    def valid_rows(self) -> list[tuple[int, dict[str, Any]]]:
        bad = set(self.bad_rows)
        return [(n, values) for n, values in self.rows if n not in bad]

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.total,
            "valid": len(self.valid_rows),
            "invalid": len(self.bad_rows),
            "errors": [e.to_dict() for e in self.errors],
            "unknown_headers": self.unknown_headers,
        }


def read_table(name: str, data: bytes) -> list[list[Any]]:
    """The cells of the first sheet (.xlsx) or the CSV (UTF-8, with or without BOM; GB18030 / Big5 too)."""
    if not data:
        raise ValidationFailed(f'"{name}" is empty', key="err.sheet_empty")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f'"{name}" is larger than 20 MiB; split it', key="err.sheet_size")
    lower = name.lower()
    if lower.endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(name, data)
    if lower.endswith((".csv", ".txt")):
        # Excel in Taiwan / Hong Kong saves CSV as Big5, in mainland China as GB18030; Big5 bytes often decode
        # as GB18030 without error, so the right encoding is the one whose header row we recognise.
        decoded = []
        for encoding in ("utf-8-sig", "big5", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            rows = [list(r) for r in csv.reader(io.StringIO(text))]
            if rows and any(_header_key(cell) for cell in rows[0]):
                return rows
            decoded.append(rows)
        if not decoded:
            raise ValidationFailed(f'"{name}" is not UTF-8, GB18030 or Big5 text', key="err.sheet_encoding")
        return decoded[0]
    raise ValidationFailed(f'"{name}": upload an .xlsx or .csv file', key="err.sheet_type")


def _read_xlsx(name: str, data: bytes) -> list[list[Any]]:
    """The first sheet's cells, read as the XML streams (read-only mode). The dimension the file declares is
    ignored (a 1.5 KB file may claim A1:XFD8000, and rows would be padded to it): rows end at their last
    cell, columns past MAX_COLUMNS are not read, and reading stops as soon as the rows pass the limit."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ValidationFailed(f'"{name}" is not a readable .xlsx workbook', key="err.sheet_bad") from None
    try:
        sheet = book.worksheets[0]
        reset = getattr(sheet, "reset_dimensions", None)  # read-only sheets: forget the declared size
        if reset is not None:
            reset()
        rows: list[list[Any]] = []
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
            if len(rows) > MAX_ROWS + 1:  # the header row and MAX_ROWS rows
                raise ValidationFailed(
                    f'"{name}" has more than {MAX_ROWS:,} rows; split the file', key="err.sheet_rows"
                )
    except ValidationFailed:
        raise
    except Exception:
        raise ValidationFailed(f'"{name}" is not a readable .xlsx workbook', key="err.sheet_bad") from None
    finally:
        book.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # XML 1.0 has no place for these control characters
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet cell: control characters removed (an .xlsx cannot hold them, and one in a
    product title or a viewer's nickname made every export of it fail), and a text that a spreadsheet would
    run as a formula (= + - @ tab CR first) kept as text with a leading apostrophe."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return _ILLEGAL.sub("", value)


def _money(value: Any, minor: bool) -> int:
    if isinstance(value, bool):
        raise ValueError("not a number")
    text = str(value).strip().replace(",", "").replace("，", "")
    for sign in ("NT$", "HK$", "$", "¥", "￥", "元"):
        text = text.replace(sign, "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a number') from None
    if amount < 0:
        raise ValueError("cannot be negative")
    if minor:
        if amount != amount.to_integral_value():
            raise ValueError(f'"{value}" must be whole minor units (cents / 分) under an English header')
        return int(amount)
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f'"{value}" has more than two decimals')
    return int(cents)


def _int(value: Any) -> int:
    text = str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a whole number') from None
    if number != number.to_integral_value() or number < 0:
        raise ValueError(f'"{value}" must be a whole number, 0 or more')
    return int(number)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text[:10]) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", str(value).strip()
    )
    if not m:
        raise ValueError(f'"{value}" is not a date like 2027-03-31')
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f'"{value}" is not a real date') from None


def _clean(col: Column, value: Any, minor: bool) -> Any:
    text = str(value).strip()
    if col.kind == "text":
        limit = 64 if col.key == "sku" else 200
        if len(text) > limit:
            raise ValueError(f"longer than {limit} characters")
        return text
    if col.kind == "tier":
        tier = _TIERS.get(text.lower())
        if tier is None:
            raise ValueError(f'"{text}" is not a tier; use 引流款 / 利潤款 / 形象款 or traffic / profit / image')
        return tier
    if col.kind == "money":
        return _money(value, minor)
    if col.kind == "int":
        return _int(value)
    if col.kind == "percent":
        if minor:
            bp = _int(value)
        else:
            try:
                bp = int(Decimal(text.rstrip("%")) * 100)
            except InvalidOperation:
                raise ValueError(f'"{text}" is not a percentage') from None
        if not 0 <= bp <= 10_000:
            raise ValueError("must be from 0 to 100 %")
        return bp
    if col.kind == "date":
        return _date(value)
    if col.kind == "result":
        result = _RESULTS.get(text.lower())
        if result is None:
            raise ValueError(f'"{text}" is not a result; use pass / fail (通過 / 不通過)')
        return result
    if col.kind == "list":
        return [p.strip() for p in re.split(r"[;；\n|]", text) if p.strip()]
    if col.kind == "status":
        status = _STATUSES.get(text.lower())
        if status is None:
            raise ValueError(f'"{text}" is not a status; use candidate / approved / retired')
        return status
    raise AssertionError(col.kind)


def check(table: list[list[Any]]) -> Checked:
    """Validate every row; nothing is written."""
    out = Checked()
    header_index = next((i for i, r in enumerate(table) if any(c not in (None, "") for c in r)), None)
    if header_index is None:
        raise ValidationFailed(
            "the sheet has no header row; download the template to see the columns", key="err.sheet_no_header"
        )
    header = table[header_index]
    columns: dict[int, tuple[Column, bool]] = {}
    for i, raw in enumerate(header):
        found = _header_key(raw)
        if found is None:
            if raw not in (None, ""):
                out.unknown_headers.append(str(raw))
            continue
        key, minor = found
        columns[i] = (BY_KEY[key], minor)
    present = {col.key for col, _ in columns.values()}
    missing = [c for c in COLUMNS if c.required and c.key not in present]
    if missing:
        names = ", ".join(f"{c.zh_hant} ({c.key})" for c in missing)
        raise ValidationFailed(f"the header row lacks required columns: {names}", key="err.sheet_columns")
    data_rows = table[header_index + 1 :]
    if len(data_rows) > MAX_ROWS:
        raise ValidationFailed(
            f"{len(data_rows)} rows is more than {MAX_ROWS}; split the file",
            key="err.sheet_too_many_rows",
            params={"n": len(data_rows), "max": MAX_ROWS},
        )
    seen: dict[str, int] = {}
    for offset, raw_row in enumerate(data_rows):
        number = header_index + 2 + offset  # the row number a spreadsheet shows
        if all(c in (None, "") or str(c).strip() == "" for c in raw_row):
            continue
        out.total += 1
        values: dict[str, Any] = {}
        for i, (col, minor) in columns.items():
            cell = raw_row[i] if i < len(raw_row) else None
            if cell is None or str(cell).strip() == "":
                if col.required:
                    out.errors.append(RowError(number, col.zh_hant, "is empty; it is required"))
                continue
            try:
                values[col.key] = _clean(col, cell, minor)
            except ValueError as exc:
                out.errors.append(RowError(number, col.zh_hant, str(exc)))
        sku = values.get("sku")
        if sku:
            if sku in seen:
                out.errors.append(RowError(number, BY_KEY["sku"].zh_hant, f'"{sku}" is already on row {seen[sku]}'))
            else:
                seen[sku] = number
        lp, live = values.get("list_price"), values.get("live_price")
        if isinstance(lp, int) and isinstance(live, int) and live > lp and lp > 0:
            out.errors.append(RowError(number, BY_KEY["live_price"].zh_hant, "is above the list price"))
        out.rows.append((number, values))
    if out.total == 0:
        raise ValidationFailed("the sheet has a header but no product rows", key="err.sheet_no_rows")
    return out


@dataclass
class Applied:
    created: int = 0
    updated: int = 0
    suppliers_created: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "suppliers_created": self.suppliers_created}


def apply(
    db: Session,
    clock: Clock,
    workspace: Workspace,
    checked: Checked,
    *,
    valid_only: bool = False,
    actor: User | None = None,
) -> Applied:
    """Write the rows. Refused while any row is bad, unless ``valid_only``."""
    if checked.errors and not valid_only:
        raise ValidationFailed(
            f"{len(checked.bad_rows)} rows have problems; fix them, or import only the valid rows",
            key="err.sheet_has_errors",
            details=[e.to_dict() for e in checked.errors],
            params={"n": len(checked.bad_rows)},
        )
    result = Applied()
    for _number, values in checked.valid_rows:
        product = service.product_by_sku(db, workspace.id, values["sku"])
        data: dict[str, Any] = {
            k: values[k]
            for k in (
                "sku",
                "title",
                "tier",
                "list_price",
                "live_price",
                "cost",
                "stock",
                "low_stock_at",
                "category",
                "selling_points",
                "status",
            )
            if k in values
        }
        if "commission" in values:
            data["commission_bp"] = values["commission"]
        if values.get("supplier"):
            supplier = service.supplier_by_name(db, workspace, values["supplier"])
            if supplier is None:
                supplier = service.save_supplier(db, clock, workspace, {"name": values["supplier"]})
                result.suppliers_created.append(supplier.name)
            data["supplier_id"] = supplier.id
        if product is None:
            result.created += 1
        else:
            result.updated += 1
        product = service.save_product(db, clock, workspace, data, product, actor=actor)
        for kind in ("licence", "inspection"):
            expires = values.get(f"{kind}_expiry")
            if expires is not None and not _has_doc(db, product, kind, expires):
                service.add_document(db, clock, product, kind=kind, expires_on=expires, actor=actor)
        if values.get("sample_test"):
            tests = service.sample_tests_of(db, product.id)
            if not tests or tests[-1].result != values["sample_test"]:
                service.add_sample_test(db, clock, product, result=values["sample_test"], tester="import")
    db.flush()
    return result


def _has_doc(db: Session, product: Product, kind: str, expires: date) -> bool:
    from sqlalchemy import select

    return (
        db.scalar(
            select(Document.id).where(
                Document.product_id == product.id, Document.kind == kind, Document.expires_on == expires
            )
        )
        is not None
    )


# ------------------------------------------------------------------ exports


def _header_label(col: Column, lang: str) -> str:
    return col.zh_hans if lang == "zh-Hans" else col.en if lang == "en" else col.zh_hant


def _workbook(title: str, headers: list[tuple[str, int]], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([h for h, _ in headers])
    for i, (_h, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="C2410C")
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _yuan(minor: int) -> float:
    return round(minor / 100, 2)


def pool_rows(db: Session, products: list[Product]) -> list[list[Any]]:
    from sqlalchemy import select

    from livecrew.goods.models import Supplier

    supplier_names = {s.id: s.name for s in db.scalars(select(Supplier)).all()} if products else {}
    rows = []
    for p in products:
        docs = service.documents_of(db, p.id)

        def expiry(kind: str, docs: list[Document] = docs) -> date | None:
            dates = [d.expires_on for d in docs if d.kind == kind and d.expires_on]
            return max(dates) if dates else None

        tests: list[SampleTest] = service.sample_tests_of(db, p.id)
        rows.append(
            [
                p.sku,
                p.title,
                {"traffic": "引流款", "profit": "利潤款", "image": "形象款"}[p.tier],
                _yuan(p.list_price),
                _yuan(p.live_price),
                _yuan(p.cost),
                p.commission_bp / 100,
                p.stock,
                p.low_stock_at,
                supplier_names.get(p.supplier_id or "", ""),
                p.category,
                expiry("licence"),
                expiry("inspection"),
                ("通過" if tests[-1].result == "pass" else "不通過") if tests else "",
                "；".join(p.selling_points),
                {"candidate": "候選", "approved": "已通過", "retired": "已淘汰"}[p.status],
            ]
        )
    return rows


def export_pool(db: Session, products: list[Product], lang: str = "zh-Hant") -> bytes:
    headers = [(_header_label(c, lang), c.width) for c in COLUMNS]
    return _workbook("商品池", headers, pool_rows(db, products))


def template(lang: str = "zh-Hant") -> bytes:
    """The import template: the headers, two example rows and a sheet that explains each column."""
    headers = [(_header_label(c, lang), c.width) for c in COLUMNS]
    examples = [
        ["SKU-0001", "玻尿酸保濕精華 30ml", "利潤款", 899, 599, 210, 20, 500, 50, "晨光生技", "美妝", "2028-12-31",
         "2027-06-30", "通過", "三重玻尿酸；清爽不黏膩", "候選"],
        ["SKU-0002", "一元體驗面膜", "引流款", 39, 1, 0.6, 0, 2000, 100, "晨光生技", "美妝", "2028-12-31",
         "2027-06-30", "通過", "限量體驗", "候選"],
    ]  # fmt: skip
    data = io.BytesIO(_workbook("商品", headers, examples))
    book = load_workbook(data)
    notes = book.create_sheet("說明 Notes")
    notes.append(["欄位 column", "英文鍵 English key", "說明 notes"])
    explanations = {
        "text": "文字 text",
        "tier": "引流款 / 利潤款 / 形象款 (traffic / profit / image)",
        "money": "元，可有兩位小數；英文鍵用最小單位（分） / yuan with decimals; minor units under the English key",
        "int": "整數 whole number",
        "percent": "百分比，例如 20；英文鍵 commission_bp 用基點 / percent; basis points under commission_bp",
        "date": "日期 2027-03-31",
        "result": "通過 / 不通過 (pass / fail)",
        "list": "以；分隔 separated by ；",
        "status": "候選 / 已通過 / 已淘汰 (candidate / approved / retired)",
    }
    for col in COLUMNS:
        notes.append(
            [_header_label(col, lang), col.key, ("必填 required; " if col.required else "") + explanations[col.kind]]
        )
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 20
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_lineup(db: Session, show_id: str) -> bytes:
    items = service.lineup(db, show_id)
    headers = [("順序", 6), ("喊單代碼", 10), ("商品編號", 16), ("商品名稱", 36), ("類型", 10), ("直播價(元)", 12),
               ("原價(元)", 12), ("配額", 8), ("庫存", 8), ("已確認", 8)]  # fmt: skip
    tiers = {"traffic": "引流款", "profit": "利潤款", "image": "形象款"}
    rows = [
        [i.position, i.code, p.sku, p.title, tiers[p.tier], _yuan(i.live_price), _yuan(p.list_price),
         i.quota if i.quota is not None else "", p.stock, i.confirmed]
        for i, p in items
    ]  # fmt: skip
    return _workbook("貨盤", headers, rows)


def export_checkout(buyers: list[dict[str, Any]], fmt: str) -> bytes:
    headers = [("買家", 20), ("喊單代碼", 10), ("商品編號", 16), ("商品名稱", 36), ("規格", 10), ("數量", 8),
               ("單價(元)", 12), ("小計(元)", 12)]  # fmt: skip
    rows: list[list[Any]] = []
    for buyer in buyers:
        for line in buyer["lines"]:
            rows.append([buyer["buyer"], line["code"], line["sku"], line["title"], line["variant"], line["qty"],
                         _yuan(line["price"]), _yuan(line["total"])])  # fmt: skip
        rows.append([buyer["buyer"], "", "", "合計 total", "", buyer["qty"], "", _yuan(buyer["total"])])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([h for h, _ in headers])
        writer.writerows([safe_cell(v) for v in row] for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    return _workbook("結單", headers, rows)
