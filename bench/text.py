"""Text engine throughput on one core: triage + audience scan per comment, host scan in characters per second.

    .venv/bin/python bench/text.py [--seconds 3] [--terms 2000]

The lexicon is the shipped one grown to ``--terms`` distinct terms with generated entries (workspace overrides,
the way a team's own additions arrive). Comments are the labelled set in tests/data plus the simulator's
comments; host text is the compliance set's host lines joined into paragraphs. Beside the engine, the same
texts go through two baselines that do no normalisation at all: one ``re`` alternation of every term, and
ahocorasick_rs on the raw text.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ahocorasick_rs

from livecrew.text.compliance import Lexicon
from livecrew.text.normalize import normalize
from livecrew.text.triage import model, triage

ROOT = Path(__file__).resolve().parent.parent


def grow_lexicon(terms: int, seed: int = 1) -> Lexicon:
    """The shipped lexicon plus generated entries, ``terms`` distinct spellings in all."""
    base = Lexicon.load()
    pool = sorted({ch for e in base.entries for s in e.spellings for ch in s if "\u4e00" <= ch <= "\u9fff"})
    rnd = random.Random(seed)
    have = {normalize(s) for e in base.entries for s in e.spellings}
    added: list[dict[str, Any]] = []
    categories = ["absolute", "medical", "false_promise", "price", "inducement", "diversion", "abuse"]
    while len(have) < terms:
        word = "".join(rnd.choice(pool) for _ in range(rnd.choice((3, 4, 4, 5))))
        if normalize(word) in have:
            continue
        have.add(normalize(word))
        added.append({"term": word, "category": rnd.choice(categories), "severity": "warn", "reason": "generated"})
    return Lexicon.load(overrides={"add": added})


def comments() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "tests/data/triage.jsonl").read_text("utf-8").splitlines() if line]
    texts = [r["text"] for r in rows]
    try:
        from livecrew.simulate import generate

        texts += [e["text"] for e in generate(minutes=20, seed=3) if e["type"] == "comment"][:5000]
    except Exception:  # pragma: no cover - the simulator is optional here
        pass
    return texts


def host_paragraphs() -> list[str]:
    lines = [json.loads(line) for line in (ROOT / "tests/data/compliance.jsonl").read_text("utf-8").splitlines()]
    host = [r["text"] for r in lines if r["profile"] == "host"]
    return ["，".join(host[i : i + 12]) for i in range(0, len(host), 12)]


def rate(work: Callable[[list[str]], None], items: list[str], seconds: float) -> float:
    """Items per second over whole passes for at least ``seconds``."""
    work(items[:50])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work(items)
        done += len(items)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--terms", type=int, default=2000)
    args = parser.parse_args()

    started = time.perf_counter()
    lexicon = grow_lexicon(args.terms)
    lexicon.compiled("host"), lexicon.compiled("audience"), model()
    print(
        f"lexicon: {lexicon.term_count} terms, compiled with the triage model in {time.perf_counter() - started:.2f}s"
    )
    texts, paragraphs = comments(), host_paragraphs()
    chars = sum(map(len, paragraphs))
    print(
        f"{len(texts)} comments (mean {sum(map(len, texts)) / len(texts):.1f} chars); "
        f"{len(paragraphs)} host paragraphs (mean {chars / len(paragraphs):.0f} chars)\n"
    )

    def engine(batch: list[str]) -> None:
        for text in batch:
            triage(text, hits=lexicon.scan(text, "audience"), lexicon=lexicon)

    def audience_only(batch: list[str]) -> None:
        for text in batch:
            lexicon.scan(text, "audience")

    def host(batch: list[str]) -> None:
        for text in batch:
            lexicon.scan(text, "host")

    raw_terms = sorted({s for e in lexicon.entries for s in e.spellings}, key=len, reverse=True)
    alternation = re.compile("|".join(map(re.escape, raw_terms)))
    automaton = ahocorasick_rs.AhoCorasick(raw_terms)

    def plain_re(batch: list[str]) -> None:
        for text in batch:
            alternation.findall(text)

    def plain_ac(batch: list[str]) -> None:
        for text in batch:
            automaton.find_matches_as_indexes(text)

    c = rate(engine, texts, args.seconds)
    print(f"triage + audience scan      {c:>12,.0f} comments/s")
    print(f"audience scan alone         {rate(audience_only, texts, args.seconds):>12,.0f} comments/s")
    print(f"  baseline re alternation   {rate(plain_re, texts, args.seconds):>12,.0f} comments/s (no normalisation)")
    print(f"  baseline ahocorasick_rs   {rate(plain_ac, texts, args.seconds):>12,.0f} comments/s (no normalisation)")
    h = rate(host, paragraphs, args.seconds) * chars / len(paragraphs)
    print(f"host scan                   {h:>12,.0f} chars/s")
    per_paragraph = chars / len(paragraphs)
    print(f"  baseline re alternation   {rate(plain_re, paragraphs, args.seconds) * per_paragraph:>12,.0f} chars/s")
    print(f"  baseline ahocorasick_rs   {rate(plain_ac, paragraphs, args.seconds) * per_paragraph:>12,.0f} chars/s")


if __name__ == "__main__":
    main()
