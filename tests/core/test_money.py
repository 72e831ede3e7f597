"""Money as people type it (the currency's ordinary unit) and the shared spreadsheet reader's header units."""

from __future__ import annotations

import pytest

from livecrew.core import money, sheets
from livecrew.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("899", 89_900),
        ("899.5", 89_950),
        ("899.50", 89_950),
        ("1,299.99", 129_999),
        ("NT$ 1,200", 120_000),
        ("８９９", 89_900),  # full-width digits
        ("￥45.6元", 4_560),
        (899, 89_900),
        (899.5, 89_950),  # a spreadsheet's float
        (0.1, 10),
        ("0", 0),
    ],
)
def test_an_amount_is_typed_in_the_ordinary_unit(typed: object, minor: int) -> None:
    assert money.parse(typed, currency="TWD") == minor


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("899.555", "err.money_decimals"),
        ("abc", "err.money_not_number"),
        ("1e3", "err.money_not_number"),
        ("-5", "err.money_negative"),
        ("", "err.money_not_number"),
        (True, "err.money_not_number"),
    ],
)
def test_what_is_not_an_amount_is_refused_with_a_reason(typed: object, key: str) -> None:
    with pytest.raises(money.MoneyError) as caught:
        money.parse(typed, currency="TWD", what="原價")
    assert caught.value.key == key and caught.value.params["what"] == "原價"


def test_decimals_follow_the_currency_and_cents_are_whole() -> None:
    assert money.decimals("TWD") == money.decimals("CNY") == 2 and money.decimals("JPY") == 0
    assert money.parse("1200", currency="JPY") == 120_000
    with pytest.raises(money.MoneyError, match="more than 0 decimals"):
        money.parse("1200.5", currency="JPY")
    assert money.parse("899", minor=True) == 899
    with pytest.raises(money.MoneyError) as caught:
        money.parse("899.5", minor=True)
    assert caught.value.key == "err.money_whole_cents"
    with pytest.raises(money.MoneyError) as caught:
        money.parse("100", maximum=5_000)
    assert caught.value.key == "err.money_too_large" and caught.value.params["max"] == "50"


@pytest.mark.parametrize("minor", [0, 1, 10, 99, 100, 89_900, 89_950, 129_999, 10**12])
def test_what_a_form_shows_reads_back_as_the_same_amount(minor: int) -> None:
    shown = money.format_major(minor)
    assert money.parse(shown) == minor
    assert "." not in shown or not shown.endswith("0")


def test_format_major_and_percent() -> None:
    assert money.format_major(89_900) == "899" and money.format_major(89_950) == "899.5"
    assert money.format_major(500.0) == "5" and money.format_major(None) == ""
    assert money.format_percent(0.25) == "25" and money.format_percent(0.025) == "2.5"
    assert money.format_percent(0.4) == "40" and money.format_percent(None) == ""
    assert money.parse_percent("40") == pytest.approx(0.4) and money.parse_percent("2.5%") == pytest.approx(0.025)


def test_form_fields_raise_validation_errors_with_the_field() -> None:
    assert money.form_amount("", "goods.list_price") is None
    assert money.form_amount("12.5", "goods.list_price") == 1_250
    with pytest.raises(ValidationFailed) as caught:
        money.form_amount("12.555", "goods.list_price", currency="TWD")
    assert caught.value.key == "err.money_decimals" and caught.value.params["what"] == "goods.list_price"
    assert money.form_percent("25", "kpis.weight") == pytest.approx(0.25)
    with pytest.raises(ValidationFailed) as range_error:
        money.form_percent("140", "kpis.weight")
    assert range_error.value.key == "err.percent_range"
    with pytest.raises(ValidationFailed) as not_percent:
        money.form_percent("四成", "kpis.weight")
    assert not_percent.value.key == "err.percent"


COLUMNS = [
    sheets.Column("sku", "商品編號", "商品编号", "SKU", "text", True),
    sheets.Column("list_price", "原價(元)", "原价(元)", "List price", "money", True),
]


@pytest.mark.parametrize(
    ("header", "key", "minor"),
    [
        ("list_price", "list_price", False),
        ("List price", "list_price", False),
        ("list price (TWD)", "list_price", False),
        ("原價(元)", "list_price", False),
        ("原价", "list_price", False),
        ("list_price_cents", "list_price", True),
        ("原價（分）", "list_price", True),
        ("原价(分)", "list_price", True),
        ("List price (cents)", "list_price", True),
        ("sku", "sku", False),
        ("sku_cents", None, False),  # not a money column
        ("售價", None, False),
    ],
)
def test_a_header_names_its_column_and_unit(header: str, key: str | None, minor: bool) -> None:
    found = sheets.header_key(header, COLUMNS)
    if key is None:
        assert found is None
    else:
        assert found is not None and found.column.key == key and found.minor is minor


def test_the_check_lists_each_money_columns_unit() -> None:
    out = sheets.Checked()
    sheets.header([["sku", "list_price_cents", "原價(元)"]], COLUMNS, out, currency="TWD")
    assert [(c["header"], c["unit"]) for c in out.money_columns] == [
        ("list_price_cents", "cents"),
        ("原價(元)", "major"),
    ]
    assert out.money_columns[1]["currency"] == "TWD"


def test_a_long_csv_is_refused_while_reading() -> None:
    data = ("sku\n" + "".join(f"A-{n}\n" for n in range(60))).encode()
    with pytest.raises(ValidationFailed, match="more than 50 rows"):
        sheets.read_table("long.csv", data, recognise=lambda c: c == "sku", max_rows=50)


def test_a_wall_of_digits_is_refused_not_stored() -> None:
    """Callers without a limit of their own still get one; a percentage beyond a float is refused."""
    with pytest.raises(money.MoneyError) as caught:
        money.parse("9" * 400, currency="TWD")
    assert caught.value.key == "err.money_too_large"
    assert money.parse(str(10**13), currency="TWD") == 10**15  # the ceiling itself is accepted
    for text in ("9" * 400, "1e400", "inf", "NaN"):
        with pytest.raises(ValueError):
            money.parse_percent(text)
