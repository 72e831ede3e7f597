"""Money as people type it and as livecrew keeps it.

livecrew keeps every amount as an integer of hundredths of the currency's ordinary unit (分 / cents:
``MINOR_PER_UNIT``); the API's JSON and the event log carry those (``*_cents`` / "minor units" in the
contracts). People type the ordinary unit (元, dollars): ``899`` is 899 元, ``899.5`` is 899 元 5 角. A
currency without minor digits in use (JPY, KRW...) takes whole amounts only; the others take up to two
decimals. A spreadsheet column or an option may say it carries minor units instead (``list_price_cents``,
「原價（分）」): then only whole numbers are accepted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from livecrew.core.errors import ValidationFailed

MINOR_PER_UNIT = 100
# Currencies whose amounts are whole (ISO 4217 minor unit 0); every other takes two decimals.
_WHOLE_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "PYG", "UGX", "XAF", "XOF"})
_SIGNS = ("NT$", "HK$", "US$", "RMB", "$", "¥", "￥", "元", "円", "圓", "块", "塊")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def decimals(currency: str | None) -> int:
    """How many decimals an amount typed in ``currency`` may have."""
    return 0 if (currency or "").upper() in _WHOLE_CURRENCIES else 2


@dataclass
class MoneyError(ValueError):
    """An amount that cannot be read; ``key`` and ``params`` name the reason in the message catalogs."""

    message: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise MoneyError(
            f'"{value}" is not a number; type an amount like 599 or 599.50',
            "err.money_not_number",
            {"value": str(value)},
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A spreadsheet cell holds 899.5 as a float; repr gives its shortest exact decimal (0.1 stays 0.1).
        return Decimal(repr(value))
    text = str(value).strip().translate(_FULL_WIDTH).replace(",", "").replace(" ", "")
    for sign in _SIGNS:
        text = text.replace(sign, "")
    if not re.fullmatch(r"-?\d+(\.\d*)?|-?\.\d+", text):
        raise MoneyError(
            f'"{value}" is not a number; type an amount like 599 or 599.50',
            "err.money_not_number",
            {"value": str(value)},
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise MoneyError(
            f'"{value}" is not a number; type an amount like 599 or 599.50',
            "err.money_not_number",
            {"value": str(value)},
        ) from None


def parse(
    value: Any, *, currency: str | None = None, minor: bool = False, maximum: int | None = None, what: str = ""
) -> int:
    """An amount as a person typed it (ordinary units unless ``minor``) as integer minor units.

    Raises ``MoneyError`` for text that is not a number, a negative amount, more decimals than the currency
    has (or any decimal when the column is in minor units) and amounts above ``maximum`` (minor units).
    ``what`` names the field or column in the error's params."""
    try:
        return _parse(value, currency, minor, maximum)
    except MoneyError as exc:
        exc.params["what"] = what
        raise


# No amount above this, whatever the caller's own limit: it is far past any price or target, stays exact as a
# JSON number (below 2**53) and fits every integer column, so an amount typed as a wall of nines is refused with
# a message instead of failing where it is stored.
CEILING = 10**15  # minor units


def _parse(value: Any, currency: str | None, minor: bool, maximum: int | None) -> int:
    amount = _number(value)
    if amount < 0:
        raise MoneyError(f'"{value}" cannot be negative', "err.money_negative", {"value": str(value)})
    limit = CEILING if maximum is None else min(maximum, CEILING)
    # Compared before anything else is done with it: decimal arithmetic on a number of hundreds of digits fails.
    if amount > (Decimal(limit) if minor else Decimal(limit) / MINOR_PER_UNIT):
        raise MoneyError(
            f'"{value}" is more than {format_major(limit)}',
            "err.money_too_large",
            {"value": str(value), "max": format_major(limit)},
        )
    if minor:
        if amount != amount.to_integral_value():
            raise MoneyError(
                f'"{value}" must be a whole number of cents (分) in a column given in cents',
                "err.money_whole_cents",
                {"value": str(value)},
            )
        return int(amount)
    places = decimals(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise MoneyError(
            f'"{value}" has more than {places} decimals',
            "err.money_decimals",
            {"value": str(value), "n": places, "currency": currency or ""},
        )
    return int(amount * MINOR_PER_UNIT)


def format_major(minor: int | float | str | None) -> str:
    """Minor units as a person types the amount: 89900 -> "899", 89950 -> "899.5", 1250 -> "12.5", None -> ""."""
    if minor is None or minor == "":
        return ""
    amount = Decimal(repr(minor)) if isinstance(minor, float) else Decimal(int(minor))  # a JSON int or float
    text = f"{amount / MINOR_PER_UNIT:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_percent(value: Any) -> float:
    """A percentage as a person types it ("25", "25%", "2.5") as a fraction (0.25, 0.025). Raises ValueError."""
    text = str(value).strip().translate(_FULL_WIDTH).replace("％", "%").rstrip("%").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a percentage') from None
    fraction = float(number / 100) if number.is_finite() else float("nan")
    if not math.isfinite(fraction):  # "inf", "NaN", or more digits than a float holds
        raise ValueError(f'"{value}" is not a percentage')
    return fraction


def format_percent(fraction: float | None) -> str:
    """A stored fraction as the percentage typed into a form: 0.25 -> "25", 0.025 -> "2.5", None -> ""."""
    if fraction is None:
        return ""
    text = f"{Decimal(repr(float(fraction))) * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def form_amount(value: Any, what: str, *, currency: str | None = None, maximum: int | None = None) -> int | None:
    """A form's money field (ordinary units) as minor units; empty is None. ``what`` is the field's label or
    its catalog key (the console translates it). Raises ValidationFailed in the reader's language."""
    if value is None or not str(value).strip():
        return None
    try:
        return parse(value, currency=currency, maximum=maximum, what=what)
    except MoneyError as exc:
        raise ValidationFailed(f"{what}: {exc.message}", key=exc.key, params=exc.params) from None


def form_percent(value: Any, what: str, *, maximum: float | None = 100) -> float | None:
    """A form's percentage ("25" or "25%") as a fraction (0.25); empty is None."""
    if value is None or not str(value).strip():
        return None
    try:
        fraction = parse_percent(value)
    except ValueError:
        raise ValidationFailed(
            f'{what}: "{value}" is not a percentage', key="err.percent", params={"what": what, "value": str(value)}
        ) from None
    if fraction < 0 or (maximum is not None and fraction * 100 > maximum):
        raise ValidationFailed(
            f'{what}: "{value}" must be from 0 to {maximum}%',
            key="err.percent_range",
            params={"what": what, "value": str(value), "max": maximum if maximum is not None else ""},
        )
    return fraction
