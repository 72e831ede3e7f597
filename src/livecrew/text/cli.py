"""``livecrew triage``, ``livecrew scan`` and ``livecrew eval`` (TEXT.md command-line contracts).

Both ``triage`` and ``scan`` read one text per input line (a file, or ``-`` for stdin) and print one JSON object
per non-blank line, numbered by the physical input line. ``triage`` always prints the ``topic`` key: the topic
for questions and complaints, ``null`` for the other labels.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

InputArg = Annotated[str, typer.Argument(help="A text file, one comment per line, or - for stdin.")]


def _lines(path: str) -> list[str]:
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        file = Path(path)
        if not file.is_file():
            raise typer.BadParameter(f"{path} does not exist or is not a file", param_hint="FILE")
        data = file.read_bytes()
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise typer.BadParameter(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})", param_hint="FILE"
        ) from None


def _write(obj: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")


def triage_command(file: InputArg = "-") -> None:
    """Label each comment: question, purchase, complaint, praise, spam or other (with a topic)."""
    from livecrew.text.triage import triage

    for number, line in enumerate(_lines(file), start=1):
        if line.strip():
            result = triage(line)
            _write({"line": number, "label": result.label, "topic": result.topic})


def scan_command(
    file: InputArg = "-",
    profile: Annotated[str, typer.Option("--profile", help="host (scripts, what the host says) or audience.")] = "host",
    lang: Annotated[str, typer.Option("--lang", help="Language of the reasons: zh-Hant, zh-Hans or en.")] = "zh-Hant",
) -> None:
    """Find compliance problems in each line; offsets are character offsets into the line as given."""
    from livecrew.text.compliance import LANGUAGES, PROFILES, default_lexicon

    if profile not in PROFILES:
        raise typer.BadParameter(f'"{profile}" is not a profile; use host or audience', param_hint="--profile")
    if lang not in LANGUAGES:
        raise typer.BadParameter(f'"{lang}" is not a language; use {", ".join(LANGUAGES)}', param_hint="--lang")
    lexicon = default_lexicon()
    for number, line in enumerate(_lines(file), start=1):
        if line.strip():
            _write({"line": number, "hits": [h.to_dict() for h in lexicon.scan(line, profile, lang)]})


def eval_command(
    triage_set: Annotated[
        Path, typer.Option("--triage-set", help="Labelled comments (JSON Lines: text, label, topic).")
    ] = Path("tests/data/triage.jsonl"),
    compliance_set: Annotated[
        Path, typer.Option("--compliance-set", help="Compliance cases (JSON Lines: text, profile, expect).")
    ] = Path("tests/data/compliance.jsonl"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Precision / recall / F1 of triage and recall / false positives of compliance on labelled sets."""
    from livecrew.text.evaluation import evaluate_compliance, evaluate_triage, read_jsonl, report

    for path, hint in ((triage_set, "--triage-set"), (compliance_set, "--compliance-set")):
        if not path.is_file():
            raise typer.BadParameter(f"{path} does not exist (run from the repository root)", param_hint=hint)
    try:
        tri = evaluate_triage(read_jsonl(triage_set))
        comp = evaluate_compliance(read_jsonl(compliance_set))
    except (ValueError, KeyError) as exc:
        raise typer.BadParameter(f"a labelled set is malformed: {exc}") from None
    if as_json:
        tri.pop("mistakes")
        comp.pop("misses")
        sys.stdout.buffer.write(orjson.dumps({"triage": tri, "compliance": comp}, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        sys.stdout.write(report(tri, comp) + "\n")


def register(app: typer.Typer) -> None:
    app.command("triage")(triage_command)
    app.command("scan")(scan_command)
    app.command("eval")(eval_command)
