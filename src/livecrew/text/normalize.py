"""One character-normalisation table: one character in, one character out, so offsets survive.

``fold(text)`` returns a string of the same length with full-width forms made half-width, letters lower-cased,
Traditional characters made Simplified (a 1:1 mapping derived once from OpenCC's ``t2s`` data), and
Chinese / circled / full-width numerals made ASCII digits. ``NOISE`` are the characters the compliance walk
skips (spaces, punctuation, symbols, emoji, zero-width marks): they are never deleted from the text a caller
sees, only from the copy the automaton reads, and ``kept_positions`` maps that copy back to the original.
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Chinese numerals (ordinary and financial) and other digit look-alikes that fold to ASCII digits.
_DIGITS = {
    "0": "〇零洞○◯",
    "1": "一壹幺①⑴⒈❶➀➊㈠",
    "2": "二贰貳两兩②⑵⒉❷➁➋㈡",
    "3": "三叁參叄③⑶⒊❸➂➌㈢",
    "4": "四肆④⑷⒋❹➃➍㈣",
    "5": "五伍⑤⑸⒌❺➄➎㈤",
    "6": "六陆陸⑥⑹⒍❻➅➏㈥",
    "7": "七柒⑦⑺⒎❼➆➐㈦",
    "8": "八捌⑧⑻⒏❽➇➑㈧",
    "9": "九玖⑨⑼⒐❾➈➒㈨",
}
# Characters kept in the walk even though they are symbols: hearts stand for 信/心 in diversion spellings,
# and +, %, @, / carry meaning (claims, percentages, handles, links).
KEPT_SYMBOLS = frozenset("❤♥+%@/#")
# Runs of one CJK character collapse in the compliance walk (最最最好 → 最好), except the characters people double
# as a word (妈妈, 宝宝, 谢谢): 我妈妈的 must not become 我妈的.
KEEP_DOUBLE = "妈爸哥姐弟妹爷奶宝谢婆公舅姑叔"
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


def _opencc_pairs() -> dict[str, str]:
    """Every CJK character whose Simplified form (OpenCC ``t2s``) is exactly one other character."""
    import opencc

    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi)]
    # One character per line: OpenCC's phrase tables never match across a line break.
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - a broken OpenCC install
        return {}
    return {a: b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


def _is_noise(ch: str) -> bool:
    if ch in KEPT_SYMBOLS:
        return False
    category = unicodedata.category(ch)
    # Z*: separators, P*: punctuation, S*: symbols (emoji included), Cc/Cf: controls and zero-width marks,
    # Mn/Me: combining marks (variation selectors, keycaps), Sk modifiers (skin tones).
    return category[0] in "ZPS" or category in ("Cc", "Cf", "Mn", "Me")


@cache
def fold_table() -> dict[int, str]:
    """The table for ``str.translate``; every value is exactly one character."""
    table: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0).lower()
    table[0x3000] = " "
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    for a, b in _opencc_pairs().items():
        table[ord(a)] = b
    for digit, chars in _DIGITS.items():
        for ch in chars:
            table[ord(ch)] = digit
    extra = {"。": ".", "，": ",", "、": ",", "～": "~", "—": "-", "–": "-", "·": ".", "•": "."}
    for a, b in extra.items():
        table[ord(a)] = b
    return table


@cache
def noise_chars() -> frozenset[str]:
    """Characters the matching walk skips (after folding)."""
    found = {chr(c) for c in range(0x20, 0x7F) if _is_noise(chr(c))}
    ranges = ((0x80, 0x2000), (0x2000, 0x3040), (0xFE00, 0xFE70), (0xFF00, 0xFF70), (0x1F000, 0x1FB00))
    found |= {chr(c) for lo, hi in ranges for c in range(lo, hi) if _is_noise(chr(c))}
    found |= {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\t", "\n", "\r"}
    return frozenset(found)


@cache
def scan_table() -> dict[int, str | None]:
    """Fold and delete noise in one ``str.translate``: the string the automaton reads."""
    folds = fold_table()
    table: dict[int, str | None] = dict(folds)
    for ch in noise_chars():
        folded = folds.get(ord(ch))
        if folded is None or folded in noise_chars():  # ＋ folds to +, which is kept
            table[ord(ch)] = None
    for code, value in list(table.items()):
        if value is not None and value in noise_chars():
            table[code] = None
    return table


# The scan and the triage of one comment each fold and normalize the same string: the last result of each is
# kept (one slot, checked by identity), so a comment is translated once per form, not twice.
_last_fold: tuple[str, str] = ("", "")
_last_normal: tuple[str, str] = ("", "")


def fold(text: str) -> str:
    """The same text, folded character by character (same length, same offsets)."""
    global _last_fold
    last = _last_fold
    if last[0] is text:
        return last[1]
    folded = text.translate(fold_table())
    _last_fold = (text, folded)
    return folded


def normalize(text: str) -> str:
    """Folded text without noise characters (what lexicon terms are compared against)."""
    global _last_normal
    last = _last_normal
    if last[0] is text:
        return last[1]
    normal = text.translate(scan_table())
    _last_normal = (text, normal)
    return normal


def kept_positions(text: str) -> list[int]:
    """For each character of ``normalize(text)``, its offset in ``text``."""
    table = scan_table()
    return [i for i, ch in enumerate(text) if table.get(ord(ch), ch) is not None]
