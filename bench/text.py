"""Text engine throughput on one core: triage + audience scan per comment, host scan in characters per second,
and whole-process runs of the command line on a file.

    .venv/bin/python bench/text.py [--seconds 3] [--terms 2000] [--lines 100000] [--runs 3] [--skip-process]

Whole process: ``livecrew triage FILE`` and ``livecrew scan --profile audience FILE`` (and the same commands through
``python -m livecrew.text.cli``, which starts without the rest of livecrew) on FILE = ``--lines`` realistic lines
(live comments and short reviews, mean about 30 characters; see ``realistic_lines``), timed from start to exit,
beside the anchor: a process that folds the whole file with one ``str.translate`` and runs one raw Aho-Corasick
pass of the lexicon's terms over it. Each figure is the best of ``--runs`` runs (CPU seconds: user + system);
ratios are to the anchor of the same run, so a busy machine slows both alike. ``livecrew triage`` and ``livecrew
scan`` start through ``livecrew.entry`` (no Typer, no other feature: ``livecrew.text.fastcli``) and label the file
in whole-batch passes (``livecrew.text.batch``).

In process (CPU time of this process, best of ``--runs`` rounds): the simulator's comments in stream order (a live
room repeats itself: the scan and triage memos are emptied before every pass, so a pass pays once for each distinct
comment), and the realistic lines (nearly all distinct) for the cold figure.

The lexicon is the shipped one grown to ``--terms`` distinct terms with generated entries (workspace overrides,
the way a team's own additions arrive). Comments are the labelled set in tests/data plus the simulator's
comments; host text is the compliance set's host lines joined into paragraphs. Beside the engine, the same
texts go through two baselines that do no normalisation at all: one ``re`` alternation of every term, and
ahocorasick_rs on the raw text.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ahocorasick_rs

from livecrew.text.compliance import Lexicon, default_lexicon
from livecrew.text.normalize import normalize
from livecrew.text.triage import forget as forget_verdicts
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


def realistic_lines(count: int, seed: int = 11) -> list[str]:
    """Live comments and short reviews: the simulator's comments, the labelled comments of tests/data and generated
    comments (re-weighted to a live room's mix: little spam, few insults), one to five joined into a line as people
    write reviews, so that the mean is about 30 characters."""
    from livecrew.text import corpus

    rnd = random.Random(seed)
    pool = comments()
    generated = corpus.generate(30_000, seed)
    keep = {"question": 1.0, "purchase": 1.0, "complaint": 0.6, "praise": 1.0, "spam": 0.1, "other": 1.0}
    pool += [t for t, label, _topic in generated if rnd.random() < keep[label]]
    out = []
    for _ in range(count):
        parts = rnd.choice((1, 2, 2, 3, 3, 4, 5, 6))
        out.append("，".join(rnd.choice(pool) for _ in range(parts)))
    return out


ANCHOR = """
import sys
import ahocorasick_rs
from livecrew.text.compliance import default_lexicon, term_key
from livecrew.text.normalize import fold_table
terms = sorted({term_key(s) for e in default_lexicon().entries for s in e.spellings} - {""})
automaton = ahocorasick_rs.AhoCorasick(terms)
text = open(sys.argv[1], encoding="utf-8").read().translate(fold_table())
print(len(automaton.find_matches_as_indexes(text, overlapping=True)))
"""


def whole_process(lines: int, runs: int = 3) -> None:
    """Start-to-exit times of the command line on a file of realistic lines, beside the anchor."""
    texts = realistic_lines(lines)
    livecrew = str(Path(sys.executable).with_name("livecrew"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.txt"
        path.write_text("\n".join(texts) + "\n", "utf-8")
        commands = {
            "anchor: one translate + raw Aho-Corasick": [sys.executable, "-c", ANCHOR, str(path)],
            "livecrew scan --profile audience": [livecrew, "scan", "--profile", "audience", str(path)],
            "livecrew triage": [livecrew, "triage", str(path)],
            "python -m livecrew.text.cli scan --profile audience": [
                sys.executable, "-m", "livecrew.text.cli", "scan", "--profile", "audience", str(path)
            ],
            "python -m livecrew.text.cli triage": [sys.executable, "-m", "livecrew.text.cli", "triage", str(path)],
            "livecrew --help (start-up alone)": [livecrew, "--help"],
            "python -m livecrew.text.cli --help (start-up alone)": [
                sys.executable, "-m", "livecrew.text.cli", "--help"
            ],
        }  # fmt: skip
        print(
            f"whole process: {len(texts):,} lines, mean {sum(map(len, texts)) / len(texts):.1f} chars, best of {runs}; "
            "wall-clock and CPU (user + system) seconds, ratios to the anchor on CPU time (a busy machine stretches "
            "wall-clock time unevenly)"
        )
        anchor = 0.0
        best: dict[str, tuple[float, float]] = {}
        for _round in range(runs):  # the commands take turns, so a busy moment weighs on all of them alike
            for title, command in commands.items():
                wall, cpu = _timed(command)
                before = best.get(title, (wall, cpu))
                best[title] = (min(before[0], wall), min(before[1], cpu))
        for title in commands:
            wall, cpu = best[title]
            if not anchor:
                anchor = cpu
            ratio = "" if "start-up" in title else f"  {anchor / cpu:5.2f}x the anchor"
            print(f"  {title:<52} {wall:6.2f}s wall {cpu:6.2f}s cpu {len(texts) / cpu:>10,.0f} lines/cpu-s{ratio}")
    print()


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of ``command``."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:3])} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


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


RUNS = 3


def rate(work: Callable[[list[str]], None], items: list[str], seconds: float) -> float:
    """Items per CPU second (this process) over whole passes, best of ``RUNS`` rounds of at least ``seconds`` / 3
    each: the machine may be shared, and CPU time counts only this process's own work."""
    work(items[:50])
    best = 0.0
    for _round in range(RUNS):
        done, start = 0, time.process_time()
        while time.process_time() - start < seconds / 3:
            work(items)
            done += len(items)
        best = max(best, done / (time.process_time() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--terms", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="Best of this many runs (whole process and in process).")
    parser.add_argument("--skip-process", action="store_true", help="Only the in-process figures.")
    args = parser.parse_args()
    global RUNS
    RUNS = args.runs

    if not args.skip_process:
        whole_process(args.lines, args.runs)

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

    def forget() -> None:
        lexicon._memo.clear()
        shipped._memo.clear()
        forget_verdicts()

    def engine(batch: list[str]) -> None:
        forget()
        for text in batch:
            triage(text, hits=lexicon.scan(text, "audience"), lexicon=lexicon)

    def engine_shipped(batch: list[str]) -> None:
        forget()
        for text in batch:
            triage(text, hits=shipped.scan(text, "audience"))

    def audience_only(batch: list[str]) -> None:
        forget()
        for text in batch:
            lexicon.scan(text, "audience")

    def host(batch: list[str]) -> None:
        forget()
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

    shipped = default_lexicon()
    simulator = [t for t in texts if t]  # tests/data comments then the simulator's, in stream order
    try:
        from livecrew.simulate import generate

        simulator = [e["text"] for e in generate(minutes=20, seed=3) if e["type"] == "comment"]
    except Exception:  # pragma: no cover
        pass
    distinct = realistic_lines(20_000, seed=5)
    print(f"simulator: {len(simulator)} comments per pass, {len(set(simulator))} distinct")
    sim = rate(engine_shipped, simulator, args.seconds)
    print(f"triage + audience scan      {sim:>12,.0f} comments/s (simulator's comments, shipped lexicon)")
    sim = rate(engine, simulator, args.seconds)
    print(f"triage + audience scan      {sim:>12,.0f} comments/s (simulator's comments, lexicon of {args.terms} terms)")
    cold = rate(engine_shipped, distinct, args.seconds)
    print(f"triage + audience scan      {cold:>12,.0f} comments/s (realistic lines, nearly all distinct: cold)")
    c = rate(engine, texts, args.seconds)
    print(f"triage + audience scan      {c:>12,.0f} comments/s (tests/data + simulator comments)")
    alone = rate(audience_only, texts, args.seconds)
    print(f"audience scan alone         {alone:>12,.0f} comments/s (memo emptied per pass)")
    print(f"  baseline re alternation   {rate(plain_re, texts, args.seconds):>12,.0f} comments/s (no normalisation)")
    print(f"  baseline ahocorasick_rs   {rate(plain_ac, texts, args.seconds):>12,.0f} comments/s (no normalisation)")
    h = rate(host, paragraphs, args.seconds) * chars / len(paragraphs)
    print(f"host scan                   {h:>12,.0f} chars/s")
    per_paragraph = chars / len(paragraphs)
    print(f"  baseline re alternation   {rate(plain_re, paragraphs, args.seconds) * per_paragraph:>12,.0f} chars/s")
    print(f"  baseline ahocorasick_rs   {rate(plain_ac, paragraphs, args.seconds) * per_paragraph:>12,.0f} chars/s")


if __name__ == "__main__":
    main()
