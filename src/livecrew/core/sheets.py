"""Reading a spreadsheet a person uploads, and writing cells a spreadsheet will not run.

The importers (products, after-sales) describe their columns and call this module for the rest:

- ``read_table``: the cells of the first sheet of an .xlsx (read as XML streams; the dimension the file
  declares is ignored, columns past ``MAX_COLUMNS`` are not read and reading stops once the rows pass the
  limit) or of a CSV (UTF-8 with or without BOM, Big5, GB18030: the encoding whose header row is
  recognised wins), refused past ``MAX_BYTES``;
- ``Column`` and ``header_key``: a header cell matched to a column by its key, its label in any of the three
  languages (with or without a bracketed unit) or an alias, and whether a money column is given in cents;
- ``checked_rows``: the data rows under the header row with the numbers a spreadsheet shows (empty rows
  skipped), each cell cleaned by the importer, each bad cell a row error;
- ``RowError`` and ``Checked``: what a check found, row by row, errors and warnings, and the unit each money
  column was read in;
- ``money``: a money cell (ordinary units, or cents when the column says so), see ``core.money``;
- ``safe_cell``: a value as an exported cell (control characters removed, formulas kept as text).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from livecrew.core import money as money_units
from livecrew.core.errors import ValidationFailed

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 64  # cells further right are not read
MAX_CELL = 4000  # characters of one cell

# How a header says its money is in cents (分) rather than the ordinary unit (元).
_CENTS_SUFFIX = re.compile(r"(_cents|_minor)$")
_CENTS_UNIT = re.compile(r"[（(]\s*(分|cents?|minor units?)\s*[)）]", re.IGNORECASE)
_BRACKETS = re.compile(r"[（(].*?[)）]")


@dataclass(frozen=True)
class Column:
    """One column an importer knows: its key (the English header), its labels and what it holds."""

    key: str
    zh_hant: str
    zh_hans: str
    en: str
    kind: str = "text"  # the importer's kinds; "money" columns take ordinary units unless the header says cents
    required: bool = False
    width: int = 14

    def label(self, lang: str) -> str:
        return self.zh_hans if lang == "zh-Hans" else self.en if lang == "en" else self.zh_hant

    def header(self, lang: str, currency: str = "") -> str:
        """The column's header in a template or export: its label, and for money its unit (the Chinese labels
        carry (元); English ones get the currency: "List price (TWD)")."""
        if lang == "en" and self.kind == "money":
            return f"{self.en} ({currency or 'yuan'})"
        return self.label(lang)


@dataclass(frozen=True)
class Found:
    """A header cell matched to a column; ``minor`` when it says its numbers are in minor units (cents, 分)."""

    column: Column
    minor: bool = False


def _squeeze(raw: Any) -> str:
    return re.sub(r"\s+", "", str(raw or "")).replace("（", "(").replace("）", ")")


def header_key(raw: Any, columns: Sequence[Column], aliases: dict[str, str] | None = None) -> Found | None:
    """The column a header cell names, or None. ``list_price`` and ``原價(元)`` are in 元;
    ``list_price_cents`` and ``原價(分)`` in cents."""
    text = _squeeze(raw)
    if not text:
        return None
    by_key = {c.key: c for c in columns}
    lowered = text.lower()
    cents_key = _CENTS_SUFFIX.sub("", lowered)
    if cents_key != lowered and cents_key in by_key and by_key[cents_key].kind == "money":
        return Found(by_key[cents_key], minor=True)
    if lowered in by_key:
        return Found(by_key[lowered])
    if aliases and text in aliases:
        return Found(by_key[aliases[text]])
    bare = _BRACKETS.sub("", text)
    cents = bool(_CENTS_UNIT.search(text))
    for col in columns:
        for label in (col.zh_hant, col.zh_hans, col.en):
            squeezed = _squeeze(label)
            if text == squeezed or bare.lower() == _BRACKETS.sub("", squeezed).lower():
                return Found(col, minor=cents and col.kind == "money")
    if aliases and bare in aliases:
        col = by_key[aliases[bare]]
        return Found(col, minor=cents and col.kind == "money")
    return None


def read_table(
    name: str, data: bytes, *, recognise: Callable[[Any], bool], max_rows: int = MAX_ROWS
) -> list[list[Any]]:
    """The cells of the first sheet (.xlsx) or of the CSV; ``recognise`` says whether a header cell is known
    (it picks the CSV's encoding)."""
    if not data:
        raise ValidationFailed(f'"{name}" is empty', key="err.sheet_empty")
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f'"{name}" is larger than 20 MiB; split it', key="err.sheet_size")
    lower = name.lower()
    if lower.endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(name, data, max_rows)
    if lower.endswith((".csv", ".txt")):
        # Excel in Taiwan / Hong Kong saves CSV as Big5, in mainland China as GB18030; Big5 bytes often decode
        # as GB18030 without error, so the right encoding is the one whose header row we recognise.
        decoded = []
        for encoding in ("utf-8-sig", "big5", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            rows = _read_csv(name, text, max_rows)
            if rows and any(recognise(cell) for cell in rows[0]):
                return rows
            decoded.append(rows)
        if not decoded:
            raise ValidationFailed(f'"{name}" is not UTF-8, GB18030 or Big5 text', key="err.sheet_encoding")
        return decoded[0]
    raise ValidationFailed(f'"{name}": upload an .xlsx or .csv file', key="err.sheet_type")


def _too_long(name: str, max_rows: int) -> ValidationFailed:
    return ValidationFailed(
        f'"{name}" has more than {max_rows:,} rows; split the file', key="err.sheet_rows", params={"n": max_rows}
    )


def _read_csv(name: str, text: str, max_rows: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for row in csv.reader(io.StringIO(text)):
        rows.append(row[:MAX_COLUMNS])
        if len(rows) > max_rows + 1:  # the header row and max_rows rows
            raise _too_long(name, max_rows)
    return rows


def _read_xlsx(name: str, data: bytes, max_rows: int) -> list[list[Any]]:
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
            if len(rows) > max_rows + 1:  # the header row and max_rows rows
                raise _too_long(name, max_rows)
    except ValidationFailed:
        raise
    except Exception:
        raise ValidationFailed(f'"{name}" is not a readable .xlsx workbook', key="err.sheet_bad") from None
    finally:
        book.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


@dataclass
class RowError:
    """A problem on one row: the column's label, the reason in English and, for the console, a catalog key."""

    row: int
    column: str
    reason: str
    key: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "column": self.column, "reason": self.reason}
        if self.key:
            out["key"], out["params"] = self.key, self.params
        return out


@dataclass
class Checked:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, clean values)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # worth a look; the rows still import
    total: int = 0
    unknown_headers: list[str] = field(default_factory=list)
    money_columns: list[dict[str, str]] = field(default_factory=list)  # header, key, unit ("major"/"cents")

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
            "warnings": [w.to_dict() for w in self.warnings],
            "unknown_headers": self.unknown_headers,
            "money_columns": self.money_columns,
        }


@dataclass
class Header:
    """The header row: where it is and which column each cell holds."""

    index: int
    columns: dict[int, Found]


def header(
    table: list[list[Any]],
    columns: Sequence[Column],
    out: Checked,
    *,
    aliases: dict[str, str] | None = None,
    match: Callable[[Any], Found | None] | None = None,
    currency: str | None = None,
    missing_key: str = "err.sheet_columns",
) -> Header:
    """Find the header row (the first row with a value), match its cells, note the unknown ones and the unit
    of each money column, refuse a header without the required columns. ``match`` replaces ``header_key``
    for an importer with headers of its own."""
    index = next((i for i, r in enumerate(table) if any(c not in (None, "") for c in r)), None)
    if index is None:
        raise ValidationFailed(
            "the sheet has no header row; download the template to see the columns", key="err.sheet_no_header"
        )
    found: dict[int, Found] = {}
    for i, raw in enumerate(table[index]):
        hit = match(raw) if match is not None else header_key(raw, columns, aliases)
        if hit is None:
            if raw not in (None, ""):
                out.unknown_headers.append(str(raw))
            continue
        found[i] = hit
        if hit.column.kind == "money":
            out.money_columns.append(
                {
                    "header": str(raw).strip(),
                    "key": hit.column.key,
                    "label": hit.column.zh_hant,
                    "unit": "cents" if hit.minor else "major",
                    "currency": currency or "",
                }
            )
    present = {m.column.key for m in found.values()}
    missing = [c for c in columns if c.required and c.key not in present]
    if missing:
        names = ", ".join(f"{c.zh_hant} ({c.key})" for c in missing)
        raise ValidationFailed(
            f"the header row lacks required columns: {names}", key=missing_key, params={"names": names}
        )
    return Header(index, found)


def rows(table: list[list[Any]], head: Header, max_rows: int = MAX_ROWS) -> Iterator[tuple[int, list[Any]]]:
    """(row number as a spreadsheet shows it, cells) for each non-empty row under the header."""
    data_rows = table[head.index + 1 :]
    if len(data_rows) > max_rows:
        raise ValidationFailed(
            f"{len(data_rows)} rows is more than {max_rows}; split the file",
            key="err.sheet_rows",
            params={"n": max_rows},
        )
    for offset, raw_row in enumerate(data_rows):
        if all(c is None or str(c).strip() == "" for c in raw_row):
            continue
        yield head.index + 2 + offset, raw_row


def cells(raw_row: list[Any], head: Header) -> Iterator[tuple[Found, Any]]:
    """(column, cell) for each known column of a row; an empty cell is None."""
    for i, match in head.columns.items():
        cell = raw_row[i] if i < len(raw_row) else None
        if cell is not None and str(cell).strip() == "":
            cell = None
        yield match, cell


def checked_rows(
    table: list[list[Any]],
    head: Header,
    out: Checked,
    clean: Callable[[Found, Any], Any],
    max_rows: int = MAX_ROWS,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, clean values) for each non-empty row: every known cell through ``clean`` (a CellError or
    ValueError becomes the row's error in ``out``), an empty required cell an error, ``out.total`` counted.
    The importer checks what spans a row's cells and appends the row to ``out.rows``."""
    for number, raw_row in rows(table, head, max_rows):
        out.total += 1
        values: dict[str, Any] = {}
        for found, cell in cells(raw_row, head):
            col = found.column
            if cell is None:
                if col.required:
                    out.errors.append(RowError(number, col.zh_hant, "is empty; it is required"))
                continue
            try:
                values[col.key] = clean(found, cell)
            except CellError as exc:
                out.errors.append(exc.row_error(number, col.zh_hant))
            except ValueError as exc:
                out.errors.append(RowError(number, col.zh_hant, str(exc)))
        yield number, values


def money(value: Any, found: Found, currency: str | None = None, maximum: int | None = None) -> int:
    """A money cell as minor units: ordinary units (元) unless the column says cents. Raises CellError."""
    try:
        return money_units.parse(
            value, currency=currency, minor=found.minor, maximum=maximum, what=found.column.zh_hant
        )
    except money_units.MoneyError as exc:
        raise CellError(exc.message, exc.key, exc.params) from None


class CellError(ValueError):
    """A cell that cannot be read; the importer turns it into a RowError (with the catalog key if any)."""

    def __init__(self, reason: str, key: str | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key
        self.params = params or {}

    def row_error(self, row: int, column: str) -> RowError:
        return RowError(row, column, self.reason, self.key, self.params)


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
