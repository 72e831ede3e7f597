"""Evaluation of triage and compliance on labelled JSON Lines sets (``tests/data``), used by ``livecrew eval``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from livecrew.text.compliance import CATEGORIES, Lexicon, default_lexicon
from livecrew.text.triage import LABELS, triage


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
    return rows


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_triage(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-label precision / recall / F1, macro-F1, label accuracy and topic accuracy (questions, complaints)."""
    true_pos: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    actual: Counter[str] = Counter()
    topic_right = topic_total = total = 0
    mistakes: list[dict[str, Any]] = []
    for row in rows:
        result = triage(str(row["text"]))
        gold = str(row["label"])
        total += 1
        actual[gold] += 1
        predicted[result.label] += 1
        if result.label == gold:
            true_pos[gold] += 1
            if row.get("topic"):
                topic_total += 1
                topic_right += result.topic == row["topic"]
        else:
            mistakes.append({"text": row["text"], "gold": gold, "got": result.label, "why": result.why})
    labels: dict[str, dict[str, float]] = {}
    for label in LABELS:
        p = true_pos[label] / predicted[label] if predicted[label] else 0.0
        r = true_pos[label] / actual[label] if actual[label] else 0.0
        labels[label] = {"precision": p, "recall": r, "f1": _f1(p, r), "support": actual[label]}
    present = [label for label in LABELS if actual[label]]
    return {
        "comments": total,
        "labels": labels,
        "macro_f1": sum(labels[label]["f1"] for label in present) / len(present) if present else 0.0,
        "accuracy": sum(true_pos.values()) / total if total else 0.0,
        "topic_accuracy": topic_right / topic_total if topic_total else 0.0,
        "mistakes": mistakes,
    }


def evaluate_compliance(rows: Iterable[Mapping[str, Any]], lexicon: Lexicon | None = None) -> dict[str, Any]:
    """Per-category recall on the cases that expect hits, and the false-positive rate on benign cases."""
    lexicon = lexicon or default_lexicon()
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    evasions: Counter[str] = Counter()
    evaded: Counter[str] = Counter()
    benign = benign_flagged = 0
    misses: list[dict[str, Any]] = []
    for row in rows:
        hits = lexicon.scan(str(row["text"]), str(row.get("profile", "host")))
        want = row.get("expect") or []
        if not want:
            benign += 1
            if hits:
                benign_flagged += 1
                misses.append({"text": row["text"], "expected": [], "got": [h.to_dict() for h in hits]})
            continue
        for item in want:
            category = item.get("category")
            expected[category] += 1
            ok = any(h.category == category and (not item.get("term") or item["term"] == h.term) for h in hits)
            kind = str(row.get("evasion") or "plain")
            evasions[kind] += 1
            if ok:
                found[category] += 1
                evaded[kind] += 1
            else:
                misses.append({"text": row["text"], "expected": item, "got": [h.to_dict() for h in hits]})
    categories = {c: {"recall": found[c] / expected[c], "cases": expected[c]} for c in CATEGORIES if expected[c]}
    total = sum(expected.values())
    tricks = {k: n for k, n in evasions.items() if k not in ("plain", "benign")}
    return {
        "evasions": {k: {"recall": evaded[k] / n, "cases": n} for k, n in sorted(tricks.items())},
        "evasion_recall": sum(evaded[k] for k in tricks) / sum(tricks.values()) if tricks else 0.0,
        "cases": total + benign,
        "categories": categories,
        "recall": sum(found.values()) / total if total else 0.0,
        "benign": benign,
        "false_positive_rate": benign_flagged / benign if benign else 0.0,
        "misses": misses,
    }


def report(triage_result: Mapping[str, Any] | None, compliance_result: Mapping[str, Any] | None) -> str:
    """The figures as a plain-text table (either part may be missing)."""
    lines: list[str] = []
    if triage_result is not None:
        lines.append(f"Triage: {triage_result['comments']} comments")
        lines.append(f"{'label':<12}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for label, m in triage_result["labels"].items():
            lines.append(f"{label:<12}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>10}")
        lines.append(
            f"macro-F1 {triage_result['macro_f1']:.3f}   accuracy {triage_result['accuracy']:.3f}   "
            f"topic accuracy {triage_result['topic_accuracy']:.3f}"
        )
    if compliance_result is None:
        return "\n".join(lines)
    if lines:
        lines.append("")
    lines.append(f"Compliance: {compliance_result['cases']} cases")
    lines.append(f"{'category':<16}{'recall':>10}{'cases':>10}")
    for category, m in compliance_result["categories"].items():
        lines.append(f"{category:<16}{m['recall']:>10.3f}{m['cases']:>10}")
    if compliance_result["evasions"]:
        tricks = ", ".join(f"{k} {m['recall']:.2f} ({m['cases']})" for k, m in compliance_result["evasions"].items())
        lines.append(f"evasions: recall {compliance_result['evasion_recall']:.3f}: {tricks}")
    lines.append(
        f"overall recall {compliance_result['recall']:.3f}   false positives on benign text "
        f"{compliance_result['false_positive_rate']:.3%} of {compliance_result['benign']}"
    )
    return "\n".join(lines)
