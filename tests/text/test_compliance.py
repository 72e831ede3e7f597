"""Compliance scanning: must-show cases, spans into the original text, allow-words both ways, every evasion."""

from __future__ import annotations

import pytest

from livecrew.text import Lexicon, LexiconError, fold, normalize, scan


def spans(text: str, profile: str = "host") -> list[tuple[str, str, str]]:
    return [(text[h.start : h.end], h.term, h.category) for h in scan(text, profile)]


def test_must_show_host_cases_with_original_spans() -> None:
    assert spans("今天這款最*好") == [("最*好", "最好", "absolute")]
    assert spans("ＮＯ．１的口碑") == [("ＮＯ．１", "NO.1", "absolute")]
    assert spans("國家級工藝") == [("國家級", "國家級", "absolute")]
    assert spans("想要的加 V 信") == [("加 V 信", "加微信", "diversion")]
    hit = scan("今天這款最*好")[0]
    assert (hit.start, hit.end, hit.severity) == (4, 7, "block")
    assert "具體" in hit.reason and scan("最好", lang="en")[0].reason.startswith("Advertising")


BENIGN = ["最後一輪福利", "第一次來的朋友", "最近很多人問", "第一天上新", "最新款到了", "可以用微信支付"]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_near_misses_are_not_flagged(text: str) -> None:
    assert scan(text, "host") == []
    assert scan(normalize(text), "host") == []  # Simplified too


def test_audience_profile_checks_diversion_and_abuse_only() -> None:
    assert scan("最喜歡你們家", "audience") == []
    assert scan("這是最好的", "audience") == []
    assert [h.category for h in scan("加我vx", "audience")] == ["diversion"]
    assert [h.category for h in scan("傻逼主播", "audience")] == ["abuse"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ＮＯ．１", "absolute"),  # full-width
        ("no.1 品牌", "absolute"),  # case
        ("這是全网最低价", "absolute"),  # Simplified
        ("這是全網最低價", "absolute"),  # Traditional
        ("最 好 用", "absolute"),  # spaces
        ("國.家.級", "absolute"),  # symbols
        ("最最最好", "absolute"),  # repeats
        ("最♥好", "absolute"),  # a heart as decoration
        ("加薇信", "diversion"),  # homophone
        ("V❤ 同號", "diversion"),  # a heart for 信
        ("weixin 同號", "diversion"),  # pinyin
        ("加 wx", "diversion"),
        ("①③⑧①②③④⑤⑥⑦⑧", "diversion"),  # circled numerals
        ("一三八 一二三四 五六七八", "diversion"),  # Chinese numerals
        ("１３８－１２３４－５６７８", "diversion"),  # full-width digits and separators
        ("0912-345-678", "diversion"),  # Taiwan mobile
        ("9123 4567", "diversion"),  # Hong Kong
        ("看 abc.com", "diversion"),  # link
        ("abc 點 com", "diversion"),
        ("百 分 之 百 有效", "false_promise"),
        ("治*好痘痘", "medical"),
    ],
)
def test_every_evasion_kind_is_caught(text: str, category: str) -> None:
    assert category in {h.category for h in scan(text, "host")}


def test_phone_spans_cover_the_separated_digits() -> None:
    text = "電話 138 1234 5678 找我"
    hit = scan(text, "audience")[0]
    assert text[hit.start : hit.end] == "138 1234 5678"
    assert scan("66666666", "audience") == []  # cheering, not a number
    assert scan("身高160 體重50", "audience") == []


def test_latin_terms_respect_word_boundaries() -> None:
    assert scan("vxyz", "audience") == [] and scan("bestseller") == [] and scan("secure checkout") == []
    assert scan("the best", "host")[0].term == "the best"
    assert spans("加vx123", "audience")[0][0] == "加vx"


def test_context_rules_and_longest_hit() -> None:
    assert scan("第一件原價第二件半價") == []
    assert scan("第一時間通知") == [] and scan("第10名") == []
    assert [h.term for h in scan("第一名的效果")] == ["第一名"]
    assert [h.term for h in scan("全網最低價")] == ["全網最低價"]  # not also 最低價
    assert scan("百分百純棉") == [] and scan("滾筒洗衣機", "audience") == []


def test_workspace_overrides_add_remove_allow_both_directions() -> None:
    base = Lexicon.load()
    assert base.scan("最喜歡", "host") == []
    strict = Lexicon.load(overrides={"add": [{"term": "最", "category": "absolute", "severity": "warn"}]})
    assert [h.term for h in strict.scan("大家最會挑的", "host")] == ["最"]  # the new term fires ...
    # ... but the shipped allow-words still protect 最後 and 最喜歡
    assert strict.scan("最後一輪", "host") == [] and strict.scan("最喜歡", "host") == []
    assert strict.scan("最近", "host") == [] and strict.scan("第一次", "host") == []
    allowed = Lexicon.load(overrides={"allow": ["最好用的"]})
    assert allowed.scan("最好用的", "host") == [] and base.scan("最好用的", "host") != []
    removed = Lexicon.load(overrides={"remove": ["國家級", "abs-best"]})
    assert removed.scan("國家級", "host") == [] and removed.scan("最好", "host") == []
    assert removed.scan("頂級", "host") != []


def test_bad_overrides_say_what_is_wrong() -> None:
    with pytest.raises(LexiconError, match="category must be one of"):
        Lexicon.load(overrides={"add": [{"term": "x", "category": "nope"}]})
    with pytest.raises(LexiconError, match="severity"):
        Lexicon.load(overrides={"add": [{"term": "x", "category": "abuse", "severity": "fatal"}]})
    with pytest.raises(LexiconError, match="unknown key"):
        Lexicon.load(overrides={"delete": ["x"]})
    with pytest.raises(ValueError, match="unknown profile"):
        scan("x", "viewer")


def test_fold_keeps_offsets() -> None:
    text = "ＮＯ．１國家級①②"
    assert len(fold(text)) == len(text)
    assert fold(text) == "no.1国家级12"
    assert normalize("加 V 信") == "加v信"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("不買一定後悔", "inducement"),  # 一定 reads 1定 in folded text
        ("今天不拍明天哭", "inducement"),
        ("现在不囤以后拍大腿", "inducement"),
        ("今天過後就恢復原價", "inducement"),
        ("限時五分鐘，之後就下架", "inducement"),
        ("十天瘦八斤", "false_promise"),  # 十 is not a digit in folded text
        ("三天長高兩公分", "false_promise"),  # a two-character verb
        ("一週淡斑五成", "false_promise"),
        ("毫無副作用，放心吃", "false_promise"),
        ("一點刺激都沒有", "false_promise"),
        ("保證喝了不傷肝", "false_promise"),
    ],
)
def test_claim_classes_and_their_variants(text: str, category: str) -> None:
    assert category in {h.category for h in scan(text, "host")}
    assert category in {h.category for h in scan(normalize(text), "host")}  # the Simplified spelling too


@pytest.mark.parametrize("text", ["倒數十秒，準備開搶", "三天內出貨", "我要sb-200那款", "用了兩個月很喜歡"])
def test_claim_patterns_leave_announcements_and_model_codes_alone(text: str) -> None:
    assert scan(text, "host") == [] and scan(text, "audience") == []
