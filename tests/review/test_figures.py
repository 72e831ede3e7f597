"""The review's figures against a stream computed by hand (docs/metrics.md), in order and out of order."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from livecrew.live import public as live
from livecrew.live.engine import SessionEngine
from livecrew.live.events import iter_records
from livecrew.review import diagnosis, figures, trends

T0 = 1_781_245_800_000
S = 1000


def ev(n: int, kind: str, at: float, **fields: Any) -> dict[str, Any]:
    return {"id": f"e{n}", "session": "s", "type": kind, "ts": T0 + int(at * S), **fields}


STREAM = [
    ev(1, "live_start", 0),
    ev(2, "ad_spend", 0, amount=1000),
    ev(3, "enter", 1, user="a", source="ads", profile={"gender": "f", "age_band": "24-30", "region": "Taipei"}),
    ev(4, "enter", 2, user="b", source="recommend"),
    ev(5, "enter", 3, user="c", source="recommend"),
    ev(6, "explain", 5, product="p1", action="start"),
    ev(7, "enter", 5, user="d", source="follow"),
    ev(8, "product_view", 10, user="a", product="p1"),
    ev(9, "product_view", 15, user="b", product="p1"),
    ev(10, "product_click", 20, user="a", product="p1"),
    ev(11, "product_click", 25, user="b", product="p1"),
    ev(12, "order", 30, user="a", order="o1", product="p1", qty=2, amount=20000),
    ev(13, "pay", 40, user="a", order="o1", amount=20000),
    ev(14, "follow", 50, user="d"),
    ev(15, "comment", 61, user="d", text="多少錢？"),
    ev(16, "explain", 65, product="p1", action="stop"),
    ev(17, "order", 70, user="b", order="o2", product="p2", qty=1, amount=5000),
    ev(18, "product_view", 100, user="c", product="p2"),
    ev(19, "leave", 130, user="c"),
    ev(20, "ad_spend", 600, amount=3000),
    ev(21, "explain", 600, product="p2", action="start"),
    ev(22, "product_view", 605, user="d", product="p2"),
    ev(23, "product_click", 606, user="d", product="p2"),
    ev(24, "order", 610, user="d", order="o3", product="p2", qty=1, amount=5000),
    ev(25, "pay", 620, user="d", order="o3", amount=5000),
    ev(26, "ad_spend", 1199, amount=500),
    ev(27, "live_end", 1200),
    ev(28, "refund", 90_000, user="a", order="o1", amount=8000),
]
LINEUP = [{"sku": "p1", "platform_ref": "", "title": "精華液", "code": "A1", "stock_left": 8}]
RULE = {"return_rate_flag_bp": 1500, "conversion_flag_bp": 100}


def review_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    engine = SessionEngine("s")
    data = "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()
    engine.feed_many(iter_records(data, []))
    snapshot = engine.snapshot()
    derived = figures.build(snapshot, live.engine_log(engine), lineup=LINEUP, rule=RULE)
    extras = engine.review_extras()  # the engine's own reading of traffic, persona and retention: the same
    assert (
        derived["traffic"]["sources"]
        and {s["source"]: s["viewers"] for s in derived["traffic"]["sources"]} == extras["traffic"]
    )
    assert derived["retention"] == extras["retention"]
    assert {k: v for k, v in derived["persona"]["viewers"].items() if k != "follower"} == extras["persona"]["viewers"]
    assert {k: v for k, v in derived["persona"]["buyers"].items() if k != "follower"} == extras["persona"]["buyers"]
    return {"snapshot": snapshot, **derived}


@pytest.mark.parametrize("order", ["in_order", "reversed", "shuffled"])
def test_figures_of_a_hand_computed_stream(order: str) -> None:
    events = list(STREAM)
    if order == "reversed":
        events.reverse()
    elif order == "shuffled":
        random.Random(7).shuffle(events)
    r = review_of(events)
    assert [(s["stage"], s["users"]) for s in r["funnel"]] == [
        ("viewers", 4), ("product_viewers", 4), ("product_clickers", 3), ("orderers", 3), ("buyers", 2),
    ]  # fmt: skip
    rates = [s["rate_from_previous"] for s in r["funnel"]]
    assert rates == [None, 1.0, 0.75, 1.0, 2 / 3]
    assert r["funnel"][4]["rate_from_top"] == 0.5

    slots = r["ad_slots"]["slots"]
    assert [(s["spend"], s["gmv"]) for s in slots] == [(1000, 20000), (3500, 5000)]
    assert slots[0]["roi"] == 20 and slots[1]["roi"] == 5000 / 3500
    assert r["ad_slots"]["roi"] == 25000 / 4500

    sources = {s["source"]: s for s in r["traffic"]["sources"]}
    assert (sources["ads"]["viewers"], sources["ads"]["buyers"], sources["ads"]["gmv"]) == (1, 1, 20000)
    assert sources["ads"]["gmv_per_thousand_viewers"] == 20_000_000
    assert (sources["recommend"]["viewers"], sources["recommend"]["buyers"]) == (2, 0)
    assert (sources["follow"]["viewers"], sources["follow"]["buyers"], sources["follow"]["gmv"]) == (1, 1, 5000)
    groups = {g["source"]: g for g in r["traffic"]["paid_vs_organic"]}
    assert (groups["paid"]["viewers"], groups["paid"]["gmv"]) == (1, 20000)
    assert (groups["organic"]["viewers"], groups["organic"]["buyers"], groups["organic"]["gmv"]) == (3, 1, 5000)

    products = {p["product"]: p for p in r["products"]}
    p1, p2 = products["p1"], products["p2"]
    assert (p1["views"], p1["clicks"], p1["buyers"], p1["units"], p1["gmv"], p1["refund_amount"]) == (
        2,
        2,
        1,
        2,
        20000,
        8000,
    )
    assert p1["explain_seconds"] == 60 and p1["gmv_per_explain_minute"] == 20000
    assert p1["sell_through"] == 0.2 and p1["title"] == "精華液" and p1["in_lineup"]
    assert p1["replace"] and [x["key"] for x in p1["replace_reasons"]] == ["return_rate"]
    assert (p2["views"], p2["clicks"], p2["buyers"], p2["gmv"]) == (2, 1, 1, 5000)
    assert p2["explain_seconds"] == 600 and p2["gmv_per_explain_minute"] == 500
    assert p2["sell_through"] is None and not p2["replace"]  # not in the lineup

    assert [(m["minute"], m["kind"], m["action"], m["product"]) for m in r["markers"]] == [
        (0, "explain", "start", "p1"), (1, "explain", "stop", "p1"), (10, "explain", "start", "p2"),
    ]  # fmt: skip
    assert len(r["drops"]) == 1
    drop = r["drops"][0]
    assert (drop["minute"], drop["change"], drop["online_before"], drop["share"]) == (2, -1, 4, 0.25)
    assert drop["explaining"] is None and drop["comments_before"] == 1  # the comment at 61 s

    persona = r["persona"]
    assert persona["viewers"]["gender"] == {"f": 1, "unknown": 3}
    assert persona["viewers"]["follower"] == {"new_follower": 1, "came_from_follow": 0, "other": 3}
    assert persona["buyers"]["follower"] == {"new_follower": 1, "came_from_follow": 0, "other": 1}
    assert persona["has_profiles"]


def test_comments_are_labelled_and_questions_grouped_with_the_product_on_air() -> None:
    from livecrew.text import public as text

    markers = [
        {"ts": T0 + 5 * S, "minute": 0, "kind": "explain", "action": "start", "product": "p1"},
        {"ts": T0 + 65 * S, "minute": 1, "kind": "explain", "action": "stop", "product": "p1"},
    ]
    texts = [
        (T0 + 10 * S, "comment", "這個多少錢？"),
        (T0 + 12 * S, "comment", "多少钱啊"),
        (T0 + 20 * S, "comment", "質量太差了，退貨"),
        (T0 + 30 * S, "speech", "全網最低價，保證有效"),
        (T0 + 70 * S, "comment", "主播好美"),
    ]
    labels = text.label_texts(t for _ts, kind, t in texts if kind == "comment")
    from livecrew.text.compliance import default_lexicon

    hits = {t: [h.to_dict() for h in default_lexicon().scan(t, "host")] for _ts, kind, t in texts if kind == "speech"}
    out = figures.comments(texts, labels, text.question_cards, [], markers, T0, T0 + 1200 * S, hits)
    assert out["total"] == 4 and out["by_label"].get("question") == 2
    assert out["top_questions"][0]["product"] == "p1" and out["top_questions"][0]["count"] == 2
    assert out["top_questions"][0]["answered"] is None  # this process has no record of the control room's answers
    assert out["complaints"] == [{"product": "p1", "topic": out["complaints"][0]["topic"], "count": 1}]
    assert out["compliance_hits"] and {h["minute"] for h in out["compliance_hits"]} == {0}


def test_diagnosis_rules_use_the_baseline_or_their_fallback_and_show_the_numbers() -> None:
    rules = diagnosis.shipped_rules()
    current = {"avg_watch_seconds": 120.0, "click_rate": 0.02, "follow_rate": 0.001, "click_to_pay_rate": 0.5}
    drops = [{"minute": 7, "share": 0.4, "online_before": 300, "explaining": "p9"}]
    fired = diagnosis.readings(rules, current, {k: None for k in diagnosis.CORE}, drops, "zh-Hant")
    keys = [f["rule"] for f in fired]
    assert keys == ["watch_no_buy", "low_follow", "minute_drop"]
    watch = fired[0]
    assert watch["name"] == "只看不買"
    assert [(e["metric"], e["value"], e["threshold"], e["from"]) for e in watch["evidence"]] == [
        ("avg_watch_seconds", 120.0, 60, "fallback"), ("click_rate", 0.02, 0.05, "fallback"),
    ]  # fmt: skip
    assert "第 7 分鐘" in fired[2]["reading"] and "40%" in fired[2]["reading"]
    # Against the room's own median instead: a click rate of 0.02 is fine where the median is 0.02.
    base = {k: None for k in diagnosis.CORE} | {"avg_watch_seconds": 100.0, "click_rate": 0.02, "follow_rate": 0.001}
    keys = [f["rule"] for f in diagnosis.readings(rules, current, base, [], "en")]
    assert keys == []
    weakest = diagnosis.weakest(
        {"gmv": 50.0, "uv": 90.0, "refund_rate": 0.2}, {"gmv": 100.0, "uv": 100.0, "refund_rate": 0.1}
    )
    assert [(w["metric"], w["index"]) for w in weakest] == [("gmv", 0.5), ("refund_rate", 0.5), ("uv", 0.9)]


def test_rules_are_checked_before_they_are_kept() -> None:
    from livecrew.core.errors import ValidationFailed

    good = diagnosis.validate_rules(diagnosis.shipped_rules())
    assert len(good) == 5
    bad = [{**diagnosis.shipped_rules()[0], "all": [{"metric": "nope", "op": "<", "factor": 1, "fallback": 1}]}]
    with pytest.raises(ValidationFailed, match="metric"):
        diagnosis.validate_rules(bad)
    with pytest.raises(ValidationFailed, match="twice"):
        diagnosis.validate_rules([diagnosis.shipped_rules()[0], diagnosis.shipped_rules()[0]])


def test_quantiles_interpolate_like_numpy() -> None:
    import numpy as np

    values = [3.0, 1.0, 7.0, 4.0, 10.0, 2.0]
    for q in (0.25, 0.5, 0.75):
        assert trends.quantile(values, q) == pytest.approx(float(np.quantile(values, q)))
    assert trends.quantile([], 0.5) is None
