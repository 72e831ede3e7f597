"""Claim parsing on a table of real-looking live comments (喊單 / +1)."""

from __future__ import annotations

import pytest

from livecrew.goods.claimtext import ParsedClaim, parse

C = ParsedClaim
CLAIMS: list[tuple[str, ParsedClaim | None]] = [
    ("+1", C("claim", None, 1)),
    ("+2", C("claim", None, 2)),
    ("＋１", C("claim", None, 1)),
    ("+ 3", C("claim", None, 3)),
    ("A1 +2", C("claim", "A1", 2)),
    ("A1+1", C("claim", "A1", 1)),
    ("a1+1", C("claim", "A1", 1)),
    ("Ａ１＋１", C("claim", "A1", 1)),
    ("Ａ１ ＋２", C("claim", "A1", 2)),
    ("扣1", C("claim", None, 1)),
    ("扣2", C("claim", None, 2)),
    ("扣一", C("claim", None, 1)),
    ("扣A3", C("claim", "A3", 1)),
    ("A3扣2", C("claim", "A3", 2)),
    ("A1 黑M +1", C("claim", "A1", 1, "黑M")),
    ("A1 黑色M +1", C("claim", "A1", 1, "黑色M")),
    ("A2 白L+2", C("claim", "A2", 2, "白L")),
    ("B12 +1", C("claim", "B12", 1)),
    ("A1 x2", C("claim", "A1", 2)),
    ("A1 X 2", C("claim", "A1", 2)),
    ("A1×3", C("claim", "A1", 3)),
    ("A1*2", C("claim", "A1", 2)),
    ("A1 兩件", C("claim", "A1", 2)),
    ("A1 两件", C("claim", "A1", 2)),
    ("A1 2件", C("claim", "A1", 2)),
    ("A1 要兩件", C("claim", "A1", 2)),
    ("我要A1", C("claim", "A1", 1)),
    ("A5 我要", C("claim", "A5", 1)),
    ("想要A2", C("claim", "A2", 1)),
    ("A4 買一個", C("claim", "A4", 1)),
    ("+1 +1", C("claim", None, 1)),
    ("+1！", C("claim", None, 1)),
    ("+1 🙋", C("claim", None, 1)),
    ("我+1", C("claim", None, 1)),
    ("加1", C("claim", None, 1)),
    ("加一", C("claim", None, 1)),
    ("+10", C("claim", None, 10)),
    ("A1 +1 紅色", C("claim", "A1", 1, "紅色")),
    ("-1", C("cancel", None, 0)),
    ("A1 -1", C("cancel", "A1", 0)),
    ("A1 取消", C("cancel", "A1", 0)),
    ("取消", C("cancel", None, 0)),
    ("不要了", C("cancel", None, 0)),
    # Not claims: questions, chatter, bare numbers or codes, two codes, two quantities, too many.
    ("1", None),
    ("11111", None),
    ("A1", None),
    ("M", None),
    ("666", None),
    ("?", None),
    ("還有+1的嗎？", None),
    ("A1 還有嗎", None),
    ("A1 多少錢", None),
    ("+1 是什麼意思", None),
    ("A1 A2 +1", None),
    ("A1 +1 +2", None),
    ("+100", None),
    ("+1000", None),
    ("主播好美", None),
    ("加微信 13800138000", None),
    ("", None),
    ("   ", None),
    ("今天的福利也太多了吧我真的每一款都想要可是錢包不允許啊啊啊啊啊啊", None),
    ("A1 +0", None),
    ("拍了兩件", None),
    ("A1 已拍 2件", None),
    ("已下單+1", None),
]


def test_table_is_big_enough() -> None:
    assert len(CLAIMS) >= 50


@pytest.mark.parametrize(("text", "expected"), CLAIMS, ids=[t or "(empty)" for t, _ in CLAIMS])
def test_claim_parsing(text: str, expected: ParsedClaim | None) -> None:
    assert parse(text) == expected
