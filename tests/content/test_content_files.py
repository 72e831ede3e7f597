"""Checks on the content livecrew ships as data: roles and duties, KPIs, show templates, runbooks.

The files are loaded with the standard library only (no livecrew code), so these tests guard the data
itself: every text in three languages, Simplified and Traditional kept apart, the responsibility matrix
without orphans or double owners, timings that add up, and host-facing lines that respect advertising rules.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROLES_FILE = ROOT / "src" / "livecrew" / "team" / "data" / "roles.json"
KPIS_FILE = ROOT / "src" / "livecrew" / "team" / "data" / "kpis.json"
TEMPLATES_FILE = ROOT / "src" / "livecrew" / "shows" / "data" / "templates.json"
RUNBOOKS_FILE = ROOT / "src" / "livecrew" / "incidents" / "data" / "runbooks.json"
ALL_FILES = [ROLES_FILE, KPIS_FILE, TEMPLATES_FILE, RUNBOOKS_FILE]

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
ROLE_KEYS = {"host", "assistant", "operations", "selection", "controller", "service", "analyst", "tech"}
PHASES = ("before", "during", "after")

# Every metric key defined in /work/shared/design/METRICS.md (session-level keys).
METRIC_KEYS = {
    "pv",
    "uv",
    "peak_online",
    "avg_online",
    "watch_seconds",
    "avg_watch_seconds",
    "comments",
    "commenters",
    "likes",
    "shares",
    "new_followers",
    "interacting_users",
    "interaction_rate",
    "follow_rate",
    "gift_value",
    "product_view_users",
    "product_click_users",
    "orders",
    "paid_orders",
    "units",
    "buyers",
    "gmv",
    "refund_amount",
    "refunded_orders",
    "unmatched_refunds",
    "net_gmv",
    "refund_rate",
    "conversion_rate",
    "click_rate",
    "click_to_pay_rate",
    "aov",
    "uv_value",
    "gpm",
    "ad_spend",
    "roi",
}

# Keys whose value is always human-readable text, i.e. a {zh-Hant, zh-Hans, en} object.
TEXT_FIELDS = {"name", "summary", "title", "detail", "description", "trigger", "announcement", "note"}
TEXT_LIST_FIELDS = {"talking_points"}

# Traditional text is checked against OpenCC's Taiwan-standard converter (s2tw): a character that t2s leaves
# alone but s2tw would change is a Simplified form. These few are also proper Traditional characters in the
# words we use (平台 / 後台, 佣金, 核准, 漏斗), so they are allowed.
HANT_SHARED_OK = set("台佣准斗")

CJK = re.compile(r"[\u3400-\u9fff]")

# Advertising-rule terms that must never appear in what the host or assistant says on air.
BANNED_ZH = [
    re.compile(r"最(?![後后近])"),  # superlatives; 最後 / 最近 are ordinary words
    re.compile(r"第一(?![次天輪轮步批])"),  # "number one"; 第一次 / 第一輪 are ordinal
    re.compile(r"頂級|顶级|國家級|国家级|全網|全网|史上|極致|极致|絕對|绝对|萬能|万能"),
    re.compile(r"100\s*%|百分之百|百分百|永久|無效退款|无效退款|保證|保证"),
    re.compile(r"治療|治疗|療效|疗效|根治|藥效|药效|消炎|抗癌|減肥|减肥"),
    re.compile(r"加微信|加V|私聊下單|私聊下单"),
]
BANNED_EN = re.compile(
    r"\bbest\b|\bno\.?\s?1\b|number one|\bcheapest\b|\blowest\b|\bguarantee|100\s*%|\bcures?\b|\bheals?\b|\bmiracle",
    re.IGNORECASE,
)


def load(path: Path) -> Any:
    assert path.exists(), f"missing content file {path}"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def roles() -> dict[str, Any]:
    return load(ROLES_FILE)


@pytest.fixture(scope="module")
def kpis() -> dict[str, Any]:
    return load(KPIS_FILE)


@pytest.fixture(scope="module")
def templates() -> dict[str, Any]:
    return load(TEMPLATES_FILE)


@pytest.fixture(scope="module")
def runbooks() -> dict[str, Any]:
    return load(RUNBOOKS_FILE)


@pytest.fixture(scope="module")
def duties(roles: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """duty key -> {role, phase, ...} (assumes unique keys; uniqueness is its own test)."""
    out: dict[str, dict[str, Any]] = {}
    for role in roles["roles"]:
        for duty in role["duties"]:
            out[duty["key"]] = {**duty, "role": role["key"]}
    return out


def texts(node: Any, where: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every trilingual text object in a document, with a path for error messages."""
    if isinstance(node, dict):
        if "zh-Hant" in node or "zh-Hans" in node or "en" in node:
            yield where, node
            return
        for key, value in node.items():
            yield from texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from texts(value, f"{where}[{i}]")


def all_texts() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in ALL_FILES:
        for where, text in texts(load(path)):
            yield f"{path.name}:{where}", text


def text_fields(node: Any, where: str = "$") -> Iterator[tuple[str, Any]]:
    """Values stored under a known text field name, wherever they occur."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TEXT_FIELDS:
                yield f"{where}.{key}", value
            elif key in TEXT_LIST_FIELDS:
                assert isinstance(value, list), f"{where}.{key} should be a list"
                for i, item in enumerate(value):
                    yield f"{where}.{key}[{i}]", item
            else:
                yield from text_fields(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from text_fields(value, f"{where}[{i}]")


# --------------------------------------------------------------------------------------------------
# Files and languages
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_file_is_pretty_utf8_json_with_version(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert isinstance(data, dict) and data.get("version") == 1
    assert "\n  " in raw, "pretty-printed with indentation"
    assert "\\u" not in raw, "Chinese written as UTF-8, not \\u escapes"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_text_fields_are_trilingual_objects(path: Path) -> None:
    data = load(path)
    for where, value in text_fields(data):
        assert isinstance(value, dict), f"{where} must be a {{zh-Hant, zh-Hans, en}} object, got {value!r}"
        assert set(value) == set(LANGUAGES), f"{where} has languages {sorted(value)}"


def test_every_text_has_three_nonempty_languages() -> None:
    count = 0
    for where, text in all_texts():
        count += 1
        assert set(text) == set(LANGUAGES), f"{where}: languages {sorted(text)}"
        for lang in LANGUAGES:
            value = text[lang]
            assert isinstance(value, str) and value.strip(), f"{where}.{lang} is empty"
            assert value == value.strip(), f"{where}.{lang} has stray whitespace"
        assert CJK.search(text["zh-Hant"]), f"{where}: zh-Hant has no Chinese"
        assert CJK.search(text["zh-Hans"]), f"{where}: zh-Hans has no Chinese"
        assert not CJK.search(text["en"]), f"{where}: en contains Chinese characters"
    assert count > 300


def test_simplified_has_no_traditional_characters() -> None:
    opencc = pytest.importorskip("opencc")
    t2s = opencc.OpenCC("t2s")
    problems = []
    for where, text in all_texts():
        hans = text["zh-Hans"]
        converted = t2s.convert(hans)
        if converted != hans:
            diff = {a for a, b in zip(hans, converted, strict=False) if a != b}
            problems.append(f"{where}: {''.join(sorted(diff))} in {hans!r}")
    assert not problems, "\n".join(problems)


def test_traditional_has_no_simplified_characters() -> None:
    opencc = pytest.importorskip("opencc")
    t2s = opencc.OpenCC("t2s")
    s2tw = opencc.OpenCC("s2tw")
    problems = []
    for where, text in all_texts():
        for ch in set(CJK.findall(text["zh-Hant"])):
            simplified_only = t2s.convert(ch) == ch and s2tw.convert(ch) != ch
            if simplified_only and ch not in HANT_SHARED_OK:
                problems.append(f"{where}: {ch} in {text['zh-Hant']!r}")
    assert not problems, "\n".join(problems)


def test_simplified_is_a_conversion_of_traditional() -> None:
    """zh-Hans may swap Taiwan wording for mainland wording, but it must say the same thing."""
    opencc = pytest.importorskip("opencc")
    t2s = opencc.OpenCC("t2s")
    problems = []
    for where, text in all_texts():
        expected = t2s.convert(text["zh-Hant"])
        if len(expected) < 10:
            continue  # a short title may differ by one swapped term (回報 -> 反馈) and still be right
        ratio = difflib.SequenceMatcher(None, expected, text["zh-Hans"]).ratio()
        if ratio < 0.6:
            problems.append(f"{where}: {ratio:.2f} {text['zh-Hant']!r} vs {text['zh-Hans']!r}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------------
# Roles and duties
# --------------------------------------------------------------------------------------------------


def test_roles_are_the_eight_domain_roles(roles: dict[str, Any]) -> None:
    keys = [r["key"] for r in roles["roles"]]
    assert len(keys) == len(set(keys))
    assert set(keys) == ROLE_KEYS


def test_duty_keys_unique(roles: dict[str, Any]) -> None:
    counts = Counter(d["key"] for r in roles["roles"] for d in r["duties"])
    twice = [k for k, n in counts.items() if n > 1]
    assert not twice, f"duties listed more than once: {twice}"


def test_duty_keys_name_their_role_and_phase(roles: dict[str, Any]) -> None:
    for role in roles["roles"]:
        for duty in role["duties"]:
            parts = duty["key"].split(".")
            assert len(parts) == 3 and all(re.fullmatch(r"[a-z][a-z0-9_]*", p) for p in parts), duty["key"]
            assert parts[0] == role["key"], f"{duty['key']} listed under {role['key']}"
            assert duty["phase"] in PHASES, duty["key"]
            assert parts[1] == duty["phase"], f"{duty['key']} has phase {duty['phase']}"


def test_every_role_has_duties_in_every_phase(roles: dict[str, Any]) -> None:
    for role in roles["roles"]:
        per_phase = Counter(d["phase"] for d in role["duties"])
        for phase in PHASES:
            assert 4 <= per_phase[phase] <= 8, f"{role['key']} has {per_phase[phase]} duties {phase} the show"


def test_duty_titles_are_distinct(roles: dict[str, Any]) -> None:
    """Two duties with the same title would be the same duty owned twice."""
    for lang in LANGUAGES:
        titles = Counter(d["title"][lang] for r in roles["roles"] for d in r["duties"])
        same = [t for t, n in titles.items() if n > 1]
        assert not same, f"{lang} duty titles used twice: {same}"


# --------------------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------------------


def test_kpi_fields(kpis: dict[str, Any]) -> None:
    keys = [k["key"] for k in kpis["kpis"]]
    assert len(keys) == len(set(keys))
    for kpi in kpis["kpis"]:
        assert kpi["role"] in ROLE_KEYS, kpi["key"]
        assert kpi["key"].split(".")[0] == kpi["role"], kpi["key"]
        assert kpi["direction"] in {"higher", "lower"}, kpi["key"]
        assert kpi["unit"] in {"ratio", "minor_units", "count", "seconds", "percent"}, kpi["key"]
        assert kpi["source"] in {"metrics", "team"}, kpi["key"]
        assert kpi["target"] is None or (isinstance(kpi["target"], (int, float)) and kpi["target"] >= 0), kpi["key"]
        if kpi["unit"] == "ratio" and kpi["target"] is not None and kpi["direction"] == "higher":
            assert kpi["target"] <= 1 or kpi["metric"] == "roi", kpi["key"]
        assert isinstance(kpi["weight"], (int, float)) and 0 < kpi["weight"] <= 1, kpi["key"]


def test_kpi_metric_keys(kpis: dict[str, Any]) -> None:
    for kpi in kpis["kpis"]:
        if kpi["source"] == "metrics":
            assert kpi["metric"] in METRIC_KEYS, f"{kpi['key']}: {kpi['metric']} is not a METRICS.md key"
        else:
            assert kpi["metric"] not in METRIC_KEYS, f"{kpi['key']}: {kpi['metric']} is a METRICS.md key"
            role, _, name = kpi["metric"].partition(".")
            assert role == kpi["role"] and re.fullmatch(r"[a-z][a-z0-9_]*", name), kpi["metric"]


def test_kpi_weights_sum_to_one_per_role(kpis: dict[str, Any]) -> None:
    weights: dict[str, float] = defaultdict(float)
    for kpi in kpis["kpis"]:
        weights[kpi["role"]] += kpi["weight"]
    assert set(weights) == ROLE_KEYS, f"roles without KPIs: {ROLE_KEYS - set(weights)}"
    for role, total in weights.items():
        assert math.isclose(total, 1.0, abs_tol=1e-9), f"{role} weights sum to {total}"


def test_kpis_named_in_domain_are_seeded(kpis: dict[str, Any]) -> None:
    by_role: dict[str, set[str]] = defaultdict(set)
    for kpi in kpis["kpis"]:
        by_role[kpi["role"]].add(kpi["metric"])
    assert {"uv_value", "new_followers"} <= by_role["host"]
    assert {"operations.traffic_precision", "roi"} <= by_role["operations"]
    assert {"click_to_pay_rate", "selection.return_rate"} <= by_role["selection"]
    assert {"service.consult_conversion", "service.dispute_resolution_rate"} <= by_role["service"]
    goal = kpis["team_goal"]
    assert goal["metric"] == "gmv" and goal["direction"] == "higher" and goal["source"] == "metrics"
    assert goal["name"] and goal["description"]


# --------------------------------------------------------------------------------------------------
# Show templates
# --------------------------------------------------------------------------------------------------


def test_two_templates_daily_and_promotion(templates: dict[str, Any]) -> None:
    items = templates["templates"]
    assert len(items) == 2
    assert len({t["key"] for t in items}) == 2
    assert sorted(t["duration_minutes"] for t in items) == [120, 240]


def test_template_required_roles_and_targets(templates: dict[str, Any]) -> None:
    for t in templates["templates"]:
        assert t["required_roles"], t["key"]
        assert set(t["required_roles"]) <= ROLE_KEYS, t["key"]
        assert len(t["required_roles"]) == len(set(t["required_roles"])), t["key"]
        assert {"host", "controller", "operations"} <= set(t["required_roles"]), t["key"]
        targets = t["default_targets"]
        assert set(targets) <= METRIC_KEYS, f"{t['key']}: unknown target keys {set(targets) - METRIC_KEYS}"
        assert isinstance(targets["gmv"], int) and targets["gmv"] > 0
        assert isinstance(targets["uv"], int) and targets["uv"] > 0
        assert 0 < targets["conversion_rate"] < 1


def test_segments_add_up(templates: dict[str, Any]) -> None:
    for t in templates["templates"]:
        segments = t["segments"]
        keys = [s["key"] for s in segments]
        assert len(keys) == len(set(keys)), f"{t['key']}: segment keys repeat"
        assert all(isinstance(s["planned_minutes"], int) and s["planned_minutes"] > 0 for s in segments)
        assert sum(s["planned_minutes"] for s in segments) == t["duration_minutes"], t["key"]
        assert segments[0]["kind"] == "warmup" and segments[-1]["kind"] == "closing", t["key"]


def test_segment_fields(templates: dict[str, Any]) -> None:
    for t in templates["templates"]:
        for s in t["segments"]:
            where = f"{t['key']}.{s['key']}"
            assert s["kind"] in {"warmup", "product", "perk", "interaction", "closing"}, where
            slot = s["product_slot"]
            assert slot is None or (isinstance(slot, int) and not isinstance(slot, bool) and slot >= 1), where
            if s["kind"] == "product":
                assert slot is not None, f"{where}: a product segment needs a product slot"
            perk = s["perk"]
            if perk is not None:
                assert perk["kind"] in {"coupon", "lucky_bag", "flash_sale"}, where
                if perk["kind"] == "flash_sale":
                    assert slot is not None, f"{where}: a flash sale needs a product"
            if s["kind"] == "perk":
                assert perk is not None, f"{where}: a perk segment needs a perk"
            assert s["talking_points"], where
            assert s["cue_role"] in t["required_roles"], where


def test_checklists(templates: dict[str, Any]) -> None:
    sizes = {}
    for t in templates["templates"]:
        items = t["checklist"]
        keys = [i["key"] for i in items]
        assert len(keys) == len(set(keys)), f"{t['key']}: checklist keys repeat"
        for item in items:
            assert item["role"] in ROLE_KEYS, f"{t['key']}.{item['key']}: role {item['role']}"
            assert item["role"] in t["required_roles"], f"{t['key']}.{item['key']}: role not on the roster"
            due = item["due_minutes_before"]
            assert isinstance(due, int) and due > 0, item["key"]
        sizes[t["duration_minutes"]] = len(items)
        # the last half hour covers gear, network, lineup, perks and script
        roles = {i["role"] for i in items}
        assert {"tech", "controller"} <= roles, t["key"]
    assert 12 <= sizes[120] <= 20
    assert sizes[240] > sizes[120]


def test_matrix_references_each_duty_once_with_its_owner(
    templates: dict[str, Any], duties: dict[str, dict[str, Any]]
) -> None:
    for t in templates["templates"]:
        seen = Counter(row["duty"] for row in t["matrix"])
        twice = [k for k, n in seen.items() if n > 1]
        assert not twice, f"{t['key']}: duties owned twice: {twice}"
        for row in t["matrix"]:
            assert row["duty"] in duties, f"{t['key']}: unknown duty {row['duty']}"
            if row["owner_role"] is None:  # left out of this kind of show on purpose
                continue
            assert row["owner_role"] == duties[row["duty"]]["role"], f"{t['key']}: {row}"
            assert row["owner_role"] in t["required_roles"], f"{t['key']}: {row['owner_role']} not on the roster"
        # nobody's whole phase is dropped: every required role has duties in every phase
        for role in t["required_roles"]:
            phases = {duties[r["duty"]]["phase"] for r in t["matrix"] if r["owner_role"] == role}
            assert phases == set(PHASES), f"{t['key']}: {role} covers only {phases}"


def test_every_matrix_names_every_duty(templates: dict[str, Any], duties: dict[str, dict[str, Any]]) -> None:
    """No shipped template has an orphan: each duty is owned, or left out on purpose (owner null)."""
    for t in templates["templates"]:
        assert {row["duty"] for row in t["matrix"]} == set(duties), t["key"]
    promo = next(t for t in templates["templates"] if t["duration_minutes"] == 240)
    assert all(row["owner_role"] for row in promo["matrix"])


# --------------------------------------------------------------------------------------------------
# Runbooks
# --------------------------------------------------------------------------------------------------


def test_runbooks_cover_the_domain_emergencies(runbooks: dict[str, Any]) -> None:
    keys = [r["key"] for r in runbooks["runbooks"]]
    assert len(keys) == len(set(keys))
    assert {
        "network_outage",
        "product_challenged",
        "negative_comment_storm",
        "stock_out",
        "compliance_warning",
        "host_unavailable",
        "stream_cut_compliance",
        "stock_oversold",
    } <= set(keys)
    assert 8 <= len(keys) <= 11


def test_runbook_steps(runbooks: dict[str, Any]) -> None:
    for r in runbooks["runbooks"]:
        assert r["severity"] in {"sev1", "sev2", "sev3"}, r["key"]
        steps = r["steps"]
        assert len(steps) >= 3, r["key"]
        previous = 0
        for step in steps:
            assert step["role"] in ROLE_KEYS, f"{r['key']}: role {step['role']}"
            seconds = step["target_seconds"]
            assert isinstance(seconds, int) and seconds > 0, r["key"]
            assert seconds >= previous, f"{r['key']}: step targets go backwards"
            previous = seconds
        assert steps[0]["target_seconds"] <= 60, f"{r['key']}: the first move should happen within a minute"


# --------------------------------------------------------------------------------------------------
# What is said on air follows advertising rules
# --------------------------------------------------------------------------------------------------


def on_air_lines(templates: dict[str, Any], runbooks: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for t in templates["templates"]:
        for s in t["segments"]:
            for i, point in enumerate(s["talking_points"]):
                yield f"{t['key']}.{s['key']}.talking_points[{i}]", point
            if s["perk"]:
                yield f"{t['key']}.{s['key']}.perk.note", s["perk"]["note"]
    for r in runbooks["runbooks"]:
        yield f"{r['key']}.announcement", r["announcement"]


def test_on_air_lines_are_compliant(templates: dict[str, Any], runbooks: dict[str, Any]) -> None:
    problems = []
    for where, text in on_air_lines(templates, runbooks):
        for lang in ("zh-Hant", "zh-Hans"):
            for pattern in BANNED_ZH:
                found = pattern.search(text[lang])
                if found:
                    problems.append(f"{where}.{lang}: {found.group()!r} in {text[lang]!r}")
        found = BANNED_EN.search(text["en"])
        if found:
            problems.append(f"{where}.en: {found.group()!r} in {text['en']!r}")
    assert not problems, "\n".join(problems)


def test_compliance_patterns_catch_and_spare() -> None:
    """The banned-term patterns themselves: they catch claims and spare ordinary words."""

    def flagged(text: str) -> bool:
        return any(p.search(text) for p in BANNED_ZH)

    for bad in ("全網最低價", "第一品牌", "頂級面料", "100% 有效", "可以治療失眠", "最好用的"):
        assert flagged(bad), bad
    for fine in ("最後一輪福袋", "最近很多人問", "第一次來的朋友", "第一輪秒殺"):
        assert not flagged(fine), fine
    assert BANNED_EN.search("the best price anywhere")
    assert not BANNED_EN.search("the two items that sold well today")
