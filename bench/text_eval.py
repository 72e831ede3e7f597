"""Evaluation figures of the text engine: triage precision / recall / F1 and compliance recall / false positives.

    .venv/bin/python bench/text_eval.py [--mistakes]

Runs on the labelled sets in tests/data (the ones `livecrew eval` reads), then on the small blind sets in
tests/text/data, written after the rules were tuned and never tuned on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from livecrew.text.evaluation import evaluate_compliance, evaluate_triage, read_jsonl, report

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "labelled sets (tests/data)": (ROOT / "tests/data/triage.jsonl", ROOT / "tests/data/compliance.jsonl"),
    "blind sets (tests/text/data)": (
        ROOT / "tests/text/data/blind_triage.jsonl",
        ROOT / "tests/text/data/blind_compliance.jsonl",
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mistakes", action="store_true", help="List every wrong label and every miss.")
    args = parser.parse_args()
    for title, (triage_set, compliance_set) in SETS.items():
        tri = evaluate_triage(read_jsonl(triage_set))
        comp = evaluate_compliance(read_jsonl(compliance_set))
        print(f"== {title}\n{report(tri, comp)}\n")
        if args.mistakes:
            for m in tri["mistakes"]:
                print(f"  triage: {m['text']!r} expected {m['gold']}, got {m['got']} ({m['why']})")
            for m in comp["misses"]:
                print(f"  compliance: {m['text']!r} expected {m['expected']}, got {[h['term'] for h in m['got']]}")
            print()


if __name__ == "__main__":
    main()
