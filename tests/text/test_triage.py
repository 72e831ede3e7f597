"""Triage: short comments, both scripts, full-width, mixed English, the model's explanation, flooding."""

from __future__ import annotations

import pytest

from livecrew.text import Flood, fold, normalize, scan, triage
from livecrew.text.triage import model


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("1", "purchase"),
        ("+1", "purchase"),
        ("＋１", "purchase"),
        ("扣1", "purchase"),
        ("A1+1", "purchase"),
        ("a2 黑M +2", "purchase"),
        ("M", "purchase"),
        ("上鏈接", "purchase"),
        ("已拍", "purchase"),
        ("666", "praise"),
        ("👍👍", "praise"),
        ("?", "question"),
        ("？？", "question"),
        ("...", "other"),
        ("晚安", "other"),
        ("hello", "other"),
    ],
)
def test_very_short_comments(text: str, label: str) -> None:
    assert triage(text).label == label


@pytest.mark.parametrize(
    ("text", "label", "topic"),
    [
        ("尺碼怎麼選", "question", "size"),
        ("尺码怎么选", "question", "size"),
        ("M還是L", "question", "size"),
        ("160穿什麼碼", "question", "size"),
        ("有什麼顏色？", "question", "colour"),
        ("多少錢", "question", "price"),
        ("什么时候发货", "question", "shipping"),
        ("還有貨嗎", "question", "stock"),
        ("敏感肌可以用嗎", "question", "usage"),
        ("會起球嗎", "question", "quality"),
        ("有保固嗎", "question", "after_sales"),
        ("有沒有優惠券", "question", "promotion"),
        ("what size for 170cm?", "question", "size"),
        ("上次買的起球了", "complaint", "quality"),
        ("等了一週還沒到", "complaint", "shipping"),
        ("退貨好麻煩", "complaint", "after_sales"),
        ("怎麼還沒發貨？", "complaint", "shipping"),
        ("加V看更多優惠", "spam", None),
        ("手機 0912-345-678", "spam", None),
        ("主播好會講", "praise", None),
    ],
)
def test_labels_and_topics(text: str, label: str, topic: str | None) -> None:
    result = triage(text)
    assert (result.label, result.topic) == (label, topic), result.why


def test_why_names_the_rule_or_the_model_ngrams() -> None:
    assert triage("尺碼怎麼選").why.startswith("model: question 1.00 (")
    assert triage("加V看更多優惠").why.startswith("lexicon: diversion")
    why = triage("今天好熱").why
    assert why.startswith("model: other") and "(" in why, why
    assert set(triage("多少錢").to_dict()) == {"label", "topic", "why"}


def test_precomputed_hits_are_used() -> None:
    text = "加薇信 abc"
    assert triage(text, hits=scan(text, "audience")).label == "spam"
    assert triage(text, hits=[]).why.startswith("model")  # hits=[] means "already scanned, nothing found"


def test_model_is_trained_from_the_package_and_separates_the_classes() -> None:
    # The naive Bayes model this replaced had its own API (predict3); the linear model scores all six labels.
    from livecrew.text.model import features, vocabulary

    linear = model()
    assert len(linear.bias) == 6 and len(linear.weights) > 1000

    def label(text: str) -> str:
        return linear.predict(features(normalize(text), fold(text), vocabulary(), text))[0]

    assert label("質量太差了") == "complaint"
    assert label("太好看了吧") == "praise"


@pytest.mark.parametrize("base", ["很好", "真的不錯", "質量很差", "還沒到", "尺碼怎麼選", "主播晚上好"])
def test_punctuation_does_not_change_the_label(base: str) -> None:
    labels = {triage(base + end).label for end in ("", "。", "！", "!", "，", "~", "...", "。。。")}
    assert len(labels) == 1, labels


@pytest.mark.parametrize(
    "text", ["不太好", "很不好", "不太喜歡", "一點都不好用", "没有想象中好", "不怎麼樣", "not good"]
)
def test_negated_praise_is_a_complaint(text: str) -> None:
    assert triage(text).label == "complaint", triage(text).why


@pytest.mark.parametrize("text", ["不貴", "一點都不油", "不會起球 很耐穿"])
def test_negated_complaint_words_are_praise(text: str) -> None:
    assert triage(text).label == "praise", triage(text).why


@pytest.mark.parametrize(
    ("text", "label"), [("剛出差回來", "other"), ("我委托朋友幫我看著", "other"), ("一般的遊戲我都不玩", "other")]
)
def test_no_cue_inside_a_longer_word(text: str, label: str) -> None:
    result = triage(text)
    assert result.label == label, result.why
    assert "C:complaint" not in result.why  # 差, 托 and 一般 are not read out of 出差, 委托, 一般的


@pytest.mark.parametrize(
    "text", ["主播你這個王八蛋", "混蛋主播", "幹你娘", "操他媽的", "傻/逼", "草#泥#馬", "c n m", "nmsl", "S B 主播"]
)
def test_insults_are_complaints_never_praise(text: str) -> None:
    assert triage(text).label == "complaint", triage(text).why


@pytest.mark.parametrize(
    ("text", "label"),
    [("哈哈哈哈哈", "other"), ("hhhh", "other"), ("家人們晚上好", "other"), ("寶寶們好", "other"),
     ("上鏈接", "purchase"), ("扣1", "purchase"), ("好棒喔 等了十天還沒發貨", "complaint"),
     ("❤️", "praise"), ("好好好看😍", "praise")],
)  # fmt: skip
def test_slang_repeats_emoji_and_sarcasm(text: str, label: str) -> None:
    assert triage(text).label == label, triage(text).why


def test_flood_makes_repeats_spam_but_not_plus_ones() -> None:
    room = Flood(window_ms=60_000, per_user=3, across_users=4)
    texts = ["快來看我的主頁有驚喜"] * 3
    labels = [triage(t, room=room, user="u1", ts=1000 + i, hits=[]).label for i, t in enumerate(texts)]
    assert labels[-1] == "spam" and "from one viewer" in triage(texts[0], room=room, user="u1", ts=2000).why
    wave = [triage("這家東西真的不錯喔", room=room, user=f"b{i}", ts=3000 + i).label for i in range(4)]
    assert wave[-1] == "spam" and wave[0] != "spam"
    plus = [triage("+1", room=room, user="u2", ts=4000 + i).label for i in range(10)]
    assert set(plus) == {"purchase"}
    later = triage("快來看我的主頁有驚喜", room=room, user="u1", ts=200_000, hits=[])
    # The window has passed: not flooding (the text itself reads as self-promotion, which the model may call spam).
    assert "the same text" not in later.why


def test_predict_pushes_the_features_that_stand_closest_to_their_best_weight() -> None:
    """``Linear.predict`` orders the pushing features by their weight for the best label less their highest weight
    (read from a table made once per feature): the order a direct computation gives, on every labelled comment."""
    import json
    import math
    from pathlib import Path

    from livecrew.text.model import LABELS, features, shipped_model, vocabulary

    linear, vocab = shipped_model(), vocabulary()
    root = Path(__file__).resolve().parents[2]
    rows = (root / "tests/data/triage.jsonl").read_text("utf-8").splitlines()
    for text in [json.loads(line)["text"] for line in rows if line]:
        feats = features(normalize(text), fold(text), vocab, text)
        scores = linear.scores(feats)
        best = max(range(6), key=scores.__getitem__)
        weights = linear.weights
        want = sorted(
            dict.fromkeys(f for f in feats if f in weights and not f.startswith("#")),
            key=lambda f: weights[f][best] - max(weights[f]),
            reverse=True,
        )[:3]
        probability = 1.0 / sum(math.exp(s - scores[best]) for s in scores)
        assert linear.predict(feats) == (LABELS[best], probability, want)
