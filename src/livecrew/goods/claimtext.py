"""Reading claims (喊單 / +1) out of live comments.

Forms understood (full-width or half-width, Traditional or Simplified, any case):
``+1``, ``+2``, ``A1 +2``, ``A1+1``, ``扣1``, ``扣A1``, ``A1扣2``, ``A1 黑M +1``, ``A1 x2`` / ``A1×2`` /
``A1*2``, ``A1 兩件`` / ``A1 2件``, ``我要A1``, ``A1 要兩件``, ``+一``. Without a code, a claim is for the
product being explained now. ``-1`` / ``取消`` with or without a code cancels the buyer's latest claim.

Ambiguous comments are not claims, nor reports of a platform order already placed (``拍了兩件``,
``已下單``), whose paid order moves the stock itself: a question (``還有+1的嗎？``), two different codes (``A1 A2 +1``),
two different quantities, a bare number (``1``), a bare code (``A1``), quantities over 99, long chatter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QTY = 99
MAX_LEN = 40

_NUMERALS = {
    "一": 1,
    "壹": 1,
    "二": 2,
    "兩": 2,
    "两": 2,
    "貳": 2,
    "贰": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_NUM = r"(\d{1,3}|[一壹二兩两貳贰三四五六七八九十])"
_CODE = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}\d{1,3})(?![0-9])")
_QTY_PATTERNS = [
    re.compile(r"[+加]\s*" + _NUM),
    re.compile(r"扣\s*" + _NUM),
    re.compile(r"[X×*]\s*" + _NUM),
    re.compile(_NUM + r"\s*[件個个份組组套盒支瓶條条雙双]"),
    re.compile(r"(?:要|拿|買|买|收|訂|订)\s*" + _NUM),
]
_CANCEL = re.compile(r"(?:^|[^0-9A-Z])-\s*1(?![0-9])|取消|不要了|退掉|棄單|弃单")
# Reports of an order already placed on the platform ("拍了兩件"): the paid order moves the stock, so
# counting the comment as a claim as well would take the stock twice.
_ALREADY = re.compile(r"已拍|拍了|已下單|已下单|下單了|下单了|已付|付了|已買|已买|買了|买了")
_INTENT = re.compile(r"我要|想要|要了|要一|買|买|下單|下单|訂|订|扣|收|拍")
_QUESTION = re.compile(r"[?？嗎吗呢麼么]|幾|几|多少|還有|还有|有沒有|有没有|能不能|可以嗎|怎")
_STRIP_VARIANT = re.compile(r"[^\w]+|_")
_MULTIPLIER = re.compile(r"X\d{1,2}")
_VARIANT_NOISE = re.compile(r"^(我要|想要|我|要|扣|買|买|拿|收|訂|订)+|(要|扣|件|個|个)+$")


@dataclass(frozen=True)
class ParsedClaim:
    kind: str  # "claim" or "cancel"
    code: str | None  # None: the product being explained now
    qty: int
    variant: str = ""


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUMERALS[token]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper().strip()


def parse(text: str) -> ParsedClaim | None:
    """The claim a comment makes, or None when it makes none (or it is ambiguous)."""
    norm = normalise(text)
    if not norm or len(norm) > MAX_LEN or _QUESTION.search(norm) or _ALREADY.search(norm):
        return None
    codes = set(_CODE.findall(norm))
    if len(codes) > 1:  # "A1 X2": the X2 is a multiplier, not a second code
        codes = {c for c in codes if not _MULTIPLIER.fullmatch(c)}
    if len(codes) > 1:
        return None
    code = next(iter(codes), None)
    if _CANCEL.search(norm):
        return ParsedClaim("cancel", code, 0)
    quantities: list[tuple[int, int, int]] = []  # (qty, start, end)
    for pattern in _QTY_PATTERNS:
        for m in pattern.finditer(norm):
            quantities.append((_number(m.group(1)), m.start(), m.end()))
    values = {q for q, _, _ in quantities}
    if len(values) > 1:
        return None
    if values:
        qty = values.pop()
    elif code is not None and _INTENT.search(norm):
        qty = 1
    else:
        return None
    if not 1 <= qty <= MAX_QTY:
        return None
    return ParsedClaim("claim", code, qty, _variant(norm, code, quantities))


def _variant(norm: str, code: str | None, quantities: list[tuple[int, int, int]]) -> str:
    """What is left once the code and the quantity are taken out: a colour / size such as 黑M."""
    spans = sorted((s, e) for _, s, e in quantities)
    if code is not None:
        m = _CODE.search(norm)
        if m is not None:
            spans.append((m.start(), m.end()))
    spans.sort()
    kept = []
    last = 0
    for start, end in spans:
        if start >= last:
            kept.append(norm[last:start])
            last = end
    kept.append(norm[last:])
    rest = _STRIP_VARIANT.sub("", "".join(kept))
    rest = _VARIANT_NOISE.sub("", rest)
    return rest[:20] if len(rest) <= 8 else ""
