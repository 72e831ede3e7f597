"""Importing the platform's after-sales export (.xlsx / .csv): every row checked first, each bad row reported with
its row number, column and reason; nothing is written until the file is clean, unless the caller asks for the
valid rows only. Rows already imported (same after-sales id) are skipped, so importing a file twice is harmless.

Headers: Traditional or Simplified Chinese, English labels or the English keys ``ref, kind, customer, nickname,
order, product, amount, reason, rating, show``. Amounts are in the currency's ordinary unit (199.5 = 199 元 5 角)
unless the header says cents (``amount_cents``, 退款金額(分)). The sheet reading is ``core.sheets``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core import sheets as reader
from livecrew.core.auth.models import Workspace
from livecrew.core.clock import Clock
from livecrew.core.errors import ValidationFailed
from livecrew.core.sheets import Column, Found, RowError
from livecrew.service.models import Ticket, TicketSource
from livecrew.service.tickets import NewTicket, open_ticket

MAX_ROWS = reader.MAX_ROWS
MAX_AMOUNT = 10**12  # minor units

COLUMNS = [
    Column("ref", "售後單號", "售后单号", "After-sales ID", required=True),
    Column("kind", "售後類型", "售后类型", "Type", required=True),
    Column("customer", "買家ID", "买家ID", "Buyer ID", required=True),
    Column("nickname", "買家暱稱", "买家昵称", "Nickname"),
    Column("order", "訂單號", "订单号", "Order"),
    Column("product", "商品編號", "商品编号", "SKU"),
    Column("amount", "退款金額(元)", "退款金额(元)", "Amount", kind="money"),
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


def _header_key(raw: Any) -> Found | None:
    """The column a header cell names; amounts in 元 unless the header says cents (``amount_cents``, 金額(分))."""
    return reader.header_key(raw, COLUMNS, _ALIASES)


@dataclass
class Checked(reader.Checked):
    already: int = 0  # rows imported before (skipped)

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "already": self.already}


def read_table(name: str, data: bytes) -> list[list[Any]]:
    """The cells of the first sheet (.xlsx, read-only) or of the CSV (UTF-8 with or without BOM, Big5, GB18030)."""
    return reader.read_table(name, data, recognise=lambda cell: _header_key(cell) is not None, max_rows=MAX_ROWS)


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
    from livecrew.shows.public import show_info

    out = Checked()
    currency = _currency(db, workspace_id)
    head = reader.header(table, COLUMNS, out, aliases=_ALIASES, currency=currency, missing_key="err.service_columns")
    seen: dict[str, int] = {}
    shows: dict[str, bool] = {}

    def clean(found: Found, cell: Any) -> Any:
        col, text = found.column, str(cell).strip()
        if col.key == "kind":
            kind = KIND_WORDS.get(text.lower()) or KIND_WORDS.get(text)
            if kind is None:
                raise ValueError(f'"{text}" is not a kind; use 僅退款 / 退貨退款 / 換貨 / 補發 / 物流 / 投訴 / 諮詢')
            return kind
        if col.key == "amount":
            return reader.money(cell, found, currency, maximum=MAX_AMOUNT)
        if col.key == "rating":
            return _rating(cell)
        if col.key == "show":
            if text not in shows:
                shows[text] = show_info(db, workspace_id, text) is not None
            if not shows[text]:
                raise ValueError(f'no show "{text}" in this workspace')
            return text
        if isinstance(cell, float) and cell.is_integer():
            text = str(int(cell))  # ids read from a sheet as numbers
        limit = 4000 if col.key == "reason" else 200
        if len(text) > limit:
            raise ValueError(f"longer than {limit} characters")
        return text

    for number, values in reader.checked_rows(table, head, out, clean, MAX_ROWS):
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


def _currency(db: Session, workspace_id: str) -> str:
    workspace = db.get(Workspace, workspace_id)
    return workspace.currency if workspace is not None else ""


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


def template_csv(lang: str = "zh-Hant", currency: str = "") -> bytes:
    """A header row in the reader's language (the amount says its unit) and one example row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([c.header(lang, currency) for c in COLUMNS])
    writer.writerow(["AS-1001", "退貨退款", "u123", "小美", "o-88", "SKU-1", "199", "尺碼不合", "4", ""])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
