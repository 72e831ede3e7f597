"""The diagnosis: the weakest figures against the room's own baseline, and readings from a rule set kept as data.

A rule is a list of conditions that must all hold; each compares a figure with ``factor × baseline`` (the
room's median of its last 10 shows) or, with no baseline, with the rule's ``fallback``. The ``minute_drop``
rule reads the largest online drop. Each reading carries the numbers that fired it (docs/metrics.md).
"""

from __future__ import annotations

import contextlib
import json
import statistics
from functools import cache
from pathlib import Path
from typing import Any

from livecrew.core.errors import ValidationFailed

RULES_FILE = Path(__file__).parent / "data" / "rules.json"
LANGUAGES = ("zh-Hant", "zh-Hans", "en")
# Core figures compared with the previous show and the room's median; refund_rate is the one where lower is better.
CORE = (
    "gmv",
    "uv",
    "pv",
    "uv_value",
    "gpm",
    "conversion_rate",
    "click_rate",
    "click_to_pay_rate",
    "follow_rate",
    "avg_watch_seconds",
    "avg_online",
    "peak_online",
    "refund_rate",
    "roi",
    "aov",
)
LOWER_IS_BETTER = frozenset({"refund_rate"})
OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}
WEAKEST = 3


@cache
def shipped_rules() -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    rules: list[dict[str, Any]] = data["rules"]
    return rules


def validate_rules(rules: Any) -> list[dict[str, Any]]:
    """A rule set as a team may edit it; ValidationFailed naming the first bad part."""
    if not isinstance(rules, list) or not rules:
        raise ValidationFailed("the rules must be a non-empty list", key="review.err.rules")
    seen: set[str] = set()
    out = []
    for i, rule in enumerate(rules):
        where = f"rule {i + 1}"
        if not isinstance(rule, dict) or not isinstance(rule.get("key"), str) or not rule["key"].strip():
            raise ValidationFailed(f"{where} needs a key", key="review.err.rules")
        if rule["key"] in seen:
            raise ValidationFailed(f'{where}: the key "{rule["key"]}" is used twice', key="review.err.rules")
        seen.add(rule["key"])
        for field in ("name", "reading"):
            texts = rule.get(field)
            if not isinstance(texts, dict) or not any(isinstance(texts.get(lang), str) for lang in LANGUAGES):
                raise ValidationFailed(
                    f"{where}: {field} needs a text in zh-Hant, zh-Hans or en", key="review.err.rules"
                )
        if "minute_drop" in rule:
            drop = rule["minute_drop"]
            if not isinstance(drop, dict) or not all(
                isinstance(drop.get(k), int | float) and drop[k] >= 0 for k in ("min_share", "min_online")
            ):
                raise ValidationFailed(f"{where}: minute_drop needs min_share and min_online", key="review.err.rules")
        else:
            conditions = rule.get("all")
            if not isinstance(conditions, list) or not conditions:
                raise ValidationFailed(f"{where} needs conditions (all)", key="review.err.rules")
            for c in conditions:
                if not isinstance(c, dict) or c.get("metric") not in CORE or c.get("op") not in OPS:
                    raise ValidationFailed(
                        f"{where}: each condition needs a metric of {', '.join(CORE)} and an op of {', '.join(OPS)}",
                        key="review.err.rules",
                    )
                for k in ("factor", "fallback"):
                    if not isinstance(c.get(k), int | float) or isinstance(c.get(k), bool):
                        raise ValidationFailed(f"{where}: {k} must be a number", key="review.err.rules")
        out.append({**rule, "enabled": bool(rule.get("enabled", True))})
    return out


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def baselines(history: list[dict[str, Any]]) -> dict[str, float | None]:
    """The median of each core figure over past shows' stored figures (``null`` figures left out)."""
    return {k: median([h[k] for h in history if h.get(k) is not None]) for k in CORE}


def weakest(figures: dict[str, Any], base: dict[str, float | None]) -> list[dict[str, Any]]:
    rows = []
    for key in CORE:
        value, med = figures.get(key), base.get(key)
        if value is None or not med:
            continue
        index = (med / value if value else None) if key in LOWER_IS_BETTER else value / med
        if index is not None and index < 1:
            rows.append({"metric": key, "value": value, "median": med, "index": index})
    rows.sort(key=lambda r: r["index"])
    return rows[:WEAKEST]


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def readings(
    rules: list[dict[str, Any]],
    figures: dict[str, Any],
    base: dict[str, float | None],
    drops: list[dict[str, Any]],
    lang: str,
) -> list[dict[str, Any]]:
    out = []
    for rule in rules:
        if not rule.get("enabled", True):
            continue
        evidence: list[dict[str, Any]] = []
        params: dict[str, Any] = {}
        if "minute_drop" in rule:
            cfg = rule["minute_drop"]
            if not drops:
                continue
            top = drops[0]
            share = top["share"]
            if share is None or share < cfg["min_share"] or top["online_before"] < cfg["min_online"]:
                continue
            params = {"minute": top["minute"], "share": f"{share:.0%}"}
            evidence = [
                {"metric": "online_before", "value": top["online_before"], "threshold": cfg["min_online"]},
                {"metric": "drop_share", "value": share, "threshold": cfg["min_share"]},
                {"metric": "explaining", "value": top["explaining"]},
            ]
        else:
            fired = True
            for c in rule["all"]:
                value = figures.get(c["metric"])
                med = base.get(c["metric"])
                threshold = c["factor"] * med if med is not None else c["fallback"]
                if value is None or not OPS[c["op"]](value, threshold):
                    fired = False
                    break
                evidence.append(
                    {
                        "metric": c["metric"],
                        "value": value,
                        "op": c["op"],
                        "baseline": med,
                        "threshold": threshold,
                        "from": "median" if med is not None else "fallback",
                    }
                )
            if not fired:
                continue
        reading = _pick(rule["reading"], lang)
        with contextlib.suppress(KeyError, IndexError, ValueError):  # a team's text may have stray braces
            reading = reading.format(**params)
        out.append({"rule": rule["key"], "name": _pick(rule["name"], lang), "reading": reading, "evidence": evidence})
    return out
