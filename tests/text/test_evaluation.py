"""Evaluation floors on the labelled sets, a little below the figures bench/text_eval.py reports."""

from __future__ import annotations

import json
from pathlib import Path

from livecrew.text.evaluation import evaluate_compliance, evaluate_triage, read_jsonl
from livecrew.text.normalize import normalize

DATA = Path(__file__).resolve().parents[1] / "data"
BLIND = Path(__file__).resolve().parent / "data"
PACKAGE = Path(__file__).resolve().parents[2] / "src/livecrew/text/data"


def test_sets_are_large_varied_and_separate_from_training() -> None:
    rows = read_jsonl(DATA / "triage.jsonl")
    assert len(rows) >= 650
    assert {r["label"] for r in rows} == {"question", "purchase", "complaint", "praise", "spam", "other"}
    assert {r["topic"] for r in rows if r["topic"]} >= {
        "size", "colour", "price", "shipping", "stock", "usage", "quality", "after_sales", "promotion", "other"
    }  # fmt: skip
    cases = read_jsonl(DATA / "compliance.jsonl")
    assert len(cases) >= 320 and sum(1 for c in cases if not c["expect"]) >= 100
    train = [json.loads(line) for line in (PACKAGE / "train.jsonl").read_text("utf-8").splitlines() if line]
    evaluated = {normalize(r["text"]) for r in rows + read_jsonl(BLIND / "blind_live.jsonl")}
    assert len(train) >= 5000
    assert not [t for t in train if normalize(t["text"]) in evaluated]


def test_triage_floor() -> None:
    result = evaluate_triage(read_jsonl(DATA / "triage.jsonl"))
    assert result["macro_f1"] >= 0.95, result["mistakes"]
    assert result["topic_accuracy"] >= 0.9
    assert all(m["f1"] >= 0.9 for m in result["labels"].values())
    blind = evaluate_triage(read_jsonl(BLIND / "blind_triage.jsonl"))
    assert blind["macro_f1"] >= 0.9, blind["mistakes"]


def test_compliance_floor() -> None:
    result = evaluate_compliance(read_jsonl(DATA / "compliance.jsonl"))
    assert result["recall"] >= 0.97, result["misses"]
    assert result["evasion_recall"] >= 0.95
    assert result["false_positive_rate"] <= 0.02, result["misses"]
    blind = evaluate_compliance(read_jsonl(BLIND / "blind_compliance.jsonl"))
    assert blind["recall"] >= 0.95 and blind["false_positive_rate"] <= 0.05, blind["misses"]
