"""Importing the platform's after-sales export (.xlsx / .csv): every row checked first, each bad row reported with
its row number, column and reason; nothing is written until the file is clean, unless the caller asks for the
valid rows only. Rows already imported (same after-sales id) are skipped, so importing a file twice is harmless.

Headers: Traditional or Simplified Chinese (amounts in 元 with decimals) or the English keys (amounts in minor
units): ``ref, kind, customer, nickname, order, product, amount, reason, rating, show``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.errors import ValidationFailed
from livecrew.service.models import Ticket, TicketSource
from livecrew.service.tickets import NewTicket, open_ticket

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    zh_hant: str
    zh_hans: str
    en: str
    required: bool = False


COLUMNS = [
    Column("ref", "售後單號", "售后单号", "After-sales ID", True),
    Column("kind", "售後類型", "售后类型", "Type", True),
    Column("customer", "買家ID", "买家ID", "Buyer ID", True),
    Column("nickname", "買家暱稱", "买家昵称", "Nickname"),
    Column("order", "訂單號", "订单号", "Order"),
    Column("product", "商品編號", "商品编号", "SKU"),
    Column("amount", "退款金額(元)", "退款金额(元)", "Amount"),
    Column("reason", "申請原因", "申请原因", "Reason"),
    Column("rating", "評價", "评价", "Rating"),
    Column("show", "場次", "场次", "Show"),
]
BY_KEY = {c.key: c for c in COLUMNS}
_ALIASES = {
    "售後編號": "ref", "售后编号": "ref", "退款單號": "ref", "退款单号": "ref",
    "類型": "kind", "类型": "kind", "買家": "customer", "买家": "customer", "用戶ID": "customer", "用户ID": "customer",
    "暱稱": "nickname", "昵称": "nickname", "訂單編號": "order", "订单编号": "order", "商品": "product",
    "金額": "amount", "金额": "amount", "退款金額": "amount", "退款金额": "amount", "原因": "reason",
    "滿意度": "rating", "满意度": "rating",
}  # fmt: skip
KIND_WORDS = {
    "consult": "consult", "諮詢": "consult", "咨询": "consult", "售前": "consult",
    "refund": "refund", "僅退款": "refund", "仅退款": "refund", "退款": "refund",
    "return": "return", "退貨退款": "return", "退货退款": "return", "退貨": "return", "退货": "return",
    "exchange": "exchange", "換貨": "exchange", "换货": "exchange",
    "reissue": "reissue", "補發": "reissue", "补发": "reissue", "補寄": "reissue", "补寄": "reissue",
    "logistics": "logistics", "物流": "logistics", "物流問題": "logistics", "物流问题": "logistics",
    "complaint": "complaint", "投訴": "complaint", "投诉": "complaint",
}  # fmt: skip


def _header_key(raw: Any) -> tuple[str, bool] | None:
    """(column key, amounts in minor units?) for a header cell, or None."""
    text = re.sub(r"\s+", "", str(raw or ""))
    if not text:
        return None
    lowered = text.lower()
    if lowered in BY_KEY:
        return lowered, True
    if text in _ALIASES:
        return _ALIASES[text], False
    bare = re.sub(r"[（(].*?[)）]", "", text)
    for col in COLUMNS:
        for label in (col.zh_hant, col.zh_hans, col.en):
            if text == label.replace(" ", "") or bare == re.sub(r"[（(].*?[)）]", "", label).replace(" ", ""):
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
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0
    already: int = 0  # rows imported before (skipped)
    unknown_headers: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    @property
    def valid_rows(self) -> list[tuple[int, dict[str, Any]]]:
        bad = set(self.bad_rows)
        return [(n, v) for n, v in self.rows if n not in bad]

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.total,
            "valid": len(self.valid_rows),
            "invalid": len(self.bad_rows),
            "already": self.already,
            "errors": [e.to_dict() for e in self.errors],
            "unknown_headers": self.unknown_headers,
        }


def read_table(name: str, data: bytes) -> list[list[Any]]:
    """The cells of the first sheet (.xlsx, read-only) or of the CSV (UTF-8 with or without BOM, Big5, GB18030)."""
    if not data:
        raise ValidationFailed(f'"{name}" is empty', key="err.sheet_empty")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f'"{name}" is larger than 20 MiB; split it', key="err.sheet_size")
    lower = name.lower()
    if lower.endswith(".xlsx") or data[:2] == b"PK":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ValidationFailed(f'"{name}" is not a readable .xlsx workbook', key="err.sheet_bad") from None
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    if lower.endswith((".csv", ".txt")):
        decoded = []
        for encoding in ("utf-8-sig", "big5", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            rows = [list(r) for r in csv.reader(io.StringIO(text))]
            if rows and any(_header_key(c) for c in rows[0]):
                return rows
            decoded.append(rows)
        if not decoded:
            raise ValidationFailed(f'"{name}" is not UTF-8, GB18030 or Big5 text', key="err.sheet_encoding")
        return decoded[0]
    raise ValidationFailed(f'"{name}": upload an .xlsx or .csv file', key="err.sheet_type")


def _amount(value: Any, minor: bool) -> int:
    text = str(value).strip().replace(",", "").replace("，", "")
    for sign in ("NT$", "HK$", "$", "¥", "￥", "元"):
        text = text.replace(sign, "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a number') from None
    if amount < 0:
        raise ValueError("cannot be negative")
    scaled = amount if minor else amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f'"{value}" has more than two decimals' if not minor else f'"{value}" must be whole cents')
    return int(scaled)


def _rating(value: Any) -> int:
    text = str(value).strip().rstrip("星★☆").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a rating from 1 to 5') from None
    if number != number.to_integral_value() or not 1 <= number <= 5:
        raise ValueError(f'"{value}" is not a rating from 1 to 5')
    return int(number)


def check(db: Session, workspace_id: str, table: list[list[Any]]) -> Checked:
    """Validate every row; nothing is written."""
    from livecrew.shows.public import show_brief

    out = Checked()
    header_index = next((i for i, r in enumerate(table) if any(c not in (None, "") for c in r)), None)
    if header_index is None:
        raise ValidationFailed("the sheet has no header row", key="err.sheet_no_header")
    columns: dict[int, tuple[Column, bool]] = {}
    for i, raw in enumerate(table[header_index]):
        found = _header_key(raw)
        if found is None:
            if raw not in (None, ""):
                out.unknown_headers.append(str(raw))
            continue
        columns[i] = (BY_KEY[found[0]], found[1])
    present = {col.key for col, _ in columns.values()}
    missing = [c for c in COLUMNS if c.required and c.key not in present]
    if missing:
        names = ", ".join(f"{c.zh_hant} ({c.key})" for c in missing)
        raise ValidationFailed(
            f"the header row lacks required columns: {names}", key="err.service_columns", params={"names": names}
        )
    data_rows = table[header_index + 1 :]
    if len(data_rows) > MAX_ROWS:
        raise ValidationFailed(
            f"{len(data_rows)} rows is more than {MAX_ROWS}; split the file",
            key="err.sheet_too_many_rows",
            params={"n": len(data_rows), "max": MAX_ROWS},
        )
    seen: dict[str, int] = {}
    shows: dict[str, bool] = {}
    for offset, raw_row in enumerate(data_rows):
        number = header_index + 2 + offset
        if all(c is None or str(c).strip() == "" for c in raw_row):
            continue
        out.total += 1
        values: dict[str, Any] = {}
        for i, (col, minor) in columns.items():
            cell = raw_row[i] if i < len(raw_row) else None
            if cell is None or str(cell).strip() == "":
                if col.required:
                    out.errors.append(RowError(number, col.zh_hant, "is empty; it is required"))
                continue
            text = str(cell).strip()
            try:
                if col.key == "kind":
                    kind = KIND_WORDS.get(text.lower()) or KIND_WORDS.get(text)
                    if kind is None:
                        raise ValueError(
                            f'"{text}" is not a kind; use 僅退款 / 退貨退款 / 換貨 / 補發 / 物流 / 投訴 / 諮詢'
                        )
                    values["kind"] = kind
                elif col.key == "amount":
                    values["amount"] = _amount(cell, minor)
                elif col.key == "rating":
                    values["rating"] = _rating(cell)
                elif col.key == "show":
                    if text not in shows:
                        shows[text] = show_brief(db, workspace_id, text) is not None
                    if not shows[text]:
                        raise ValueError(f'no show "{text}" in this workspace')
                    values["show"] = text
                else:
                    if isinstance(cell, float) and cell.is_integer():
                        text = str(int(cell))  # ids read from a sheet as numbers
                    limit = 4000 if col.key == "reason" else 200
                    if len(text) > limit:
                        raise ValueError(f"longer than {limit} characters")
                    values[col.key] = text
            except ValueError as exc:
                out.errors.append(RowError(number, col.zh_hant, str(exc)))
        ref = values.get("ref")
        if ref:
            if ref in seen:
                out.errors.append(RowError(number, BY_KEY["ref"].zh_hant, f"repeats row {seen[ref]}"))
            else:
                seen[ref] = number
        out.rows.append((number, values))
    if seen:
        known = _known_refs(db, workspace_id, list(seen))
        if known:
            kept = []
            for number, values in out.rows:
                if values.get("ref") in known and number not in set(out.bad_rows):
                    out.already += 1
                    continue
                kept.append((number, values))
            out.rows = kept
    return out


def _known_refs(db: Session, workspace_id: str, refs: list[str]) -> set[str]:
    known: set[str] = set()
    for i in range(0, len(refs), 500):
        keys = [f"import:{r}" for r in refs[i : i + 500]]
        known |= {
            k.removeprefix("import:")
            for k in db.scalars(
                select(Ticket.source_ref).where(Ticket.workspace_id == workspace_id, Ticket.source_ref.in_(keys))
            )
            if k
        }
    return known


_REASON = {
    "consult": "售前諮詢", "refund": "僅退款", "return": "退貨退款", "exchange": "換貨",
    "reissue": "補發", "logistics": "物流問題", "complaint": "投訴",
}  # fmt: skip


def apply(
    db: Session, clock: Clock, workspace_id: str, checked: Checked, *, actor_id: str | None, valid_only: bool = False
) -> list[Ticket]:
    """Open one ticket per valid row. Refuses a file with errors unless ``valid_only``."""
    if checked.errors and not valid_only:
        raise ValidationFailed(
            f"{len(checked.bad_rows)} of {checked.total} rows have errors; nothing was imported",
            details=[e.to_dict() for e in checked.errors],
            key="err.service_import_errors",
            params={"bad": len(checked.bad_rows), "total": checked.total},
        )
    made = []
    for _number, v in checked.valid_rows:
        made.append(
            open_ticket(
                db,
                clock,
                workspace_id,
                NewTicket(
                    kind=v["kind"],
                    customer=v["customer"],
                    text=v.get("reason") or _REASON[v["kind"]],
                    nickname=v.get("nickname", ""),
                    show_id=v.get("show"),
                    product=v.get("product"),
                    order_ref=v.get("order"),
                    amount=v.get("amount", 0),
                    source=TicketSource.imported.value,
                    source_ref=f"import:{v['ref']}",
                    rating=v.get("rating"),
                ),
                actor_id=actor_id,
            )
        )
    return made


def template_csv() -> bytes:
    """A header row (Traditional Chinese) and one example row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([c.zh_hant for c in COLUMNS])
    writer.writerow(["AS-1001", "退貨退款", "u123", "小美", "o-88", "SKU-1", "199", "尺碼不合", "4", ""])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
