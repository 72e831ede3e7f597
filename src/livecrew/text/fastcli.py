"""``livecrew triage FILE`` and ``livecrew scan [--profile P] [--lang L] FILE`` without the command-line framework.

The ``livecrew`` command starts here (``livecrew.entry``): when the arguments are exactly one of these two
commands with valid values and a readable UTF-8 file (or ``-``), the work is done without importing Typer, Rich
or any other feature. Anything else (help, options such as ``--workspace``, a missing file, a bad profile) goes
to the full command line, which also prints the errors. The output is the same bytes either way: both paths call
``triage_output`` and ``scan_output``.
"""

from __future__ import annotations

import gc
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from livecrew.text.compliance import Hit, Lexicon

PROFILES = ("host", "audience")
LANGUAGES = ("zh-Hant", "zh-Hans", "en")
CHUNK = 8192  # lines per whole-batch pass: big enough for the passes to pay, small enough to stay in the caches


def kept(lines: list[str]) -> tuple[list[int], list[str]]:
    """The numbers (from 1) and the texts of the non-blank lines."""
    numbers = [number for number, line in enumerate(lines, start=1) if line.strip()]
    return numbers, [lines[number - 1] for number in numbers]


def triage_output(lines: list[str]) -> bytes:
    """One JSON object per non-blank line: ``{"line": n, "label": ..., "topic": ...}`` (the whole batch at once,
    ``batch.triage_lines``: the same verdicts as ``triage`` line by line)."""
    from livecrew.text.batch import triage_lines
    from livecrew.text.compliance import default_lexicon
    from livecrew.text.prepared import Prepared

    numbers, texts = kept(lines)
    if not texts:
        return b""
    verdicts: list[tuple[str, str | None]] = []
    lexicon = default_lexicon()
    for start in range(0, len(texts), CHUNK):
        part = texts[start : start + CHUNK]
        prepared = Prepared(part)
        hits = lexicon.scan_lines(part, "audience", prepared=prepared)
        verdicts += triage_lines(part, hits, prepared)
    tails = {pair: _json({"label": pair[0], "topic": pair[1]})[1:] for pair in dict.fromkeys(verdicts)}
    return b"\n".join([b'{"line":%d,' % n + tails[v] for n, v in zip(numbers, verdicts, strict=True)]) + b"\n"


def scan_output(lines: list[str], profile: str, lang: str, lexicon: Lexicon | None = None) -> bytes:
    """One JSON object per non-blank line: ``{"line": n, "hits": [...]}``."""
    from livecrew.text.compliance import default_lexicon
    from livecrew.text.prepared import Prepared

    numbers, texts = kept(lines)
    if not texts:
        return b""
    found: list[list[Hit]] = []
    lexicon = lexicon or default_lexicon()
    for start in range(0, len(texts), CHUNK):
        part = texts[start : start + CHUNK]
        prepared = Prepared(part)
        found += lexicon.scan_lines(part, profile, lang, prepared=prepared)
    # A hit is its offsets and one of few (term, category, severity, reason): each of those is written once.
    tails: dict[tuple[str, str, str, str], bytes] = {}
    rows = []
    for n, hits in zip(numbers, found, strict=True):
        if not hits:
            rows.append(b'{"line":%d,"hits":[]}' % n)
            continue
        written = []
        for h in hits:
            key = (h.term, h.category, h.severity, h.reason)
            tail = tails.get(key)
            if tail is None:
                tail = tails[key] = _json(dict(zip(("term", "category", "severity", "reason"), key, strict=True)))[1:]
            written.append(b'{"start":%d,"end":%d,' % (h.start, h.end) + tail)
        rows.append(b'{"line":%d,"hits":[' % n + b",".join(written) + b"]}")
    return b"\n".join(rows) + b"\n"


def _json(value: object) -> bytes:
    """Compact JSON in UTF-8, the bytes ``orjson.dumps`` writes (importing orjson costs more than this file)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _read(path: str) -> list[str] | None:
    """The lines of ``path`` (``-``: stdin), or None when the full command line should report a problem."""
    if path == "-":
        data = sys.stdin.buffer.read()
        sys.stdin = io.TextIOWrapper(io.BytesIO(data))  # the full command line can read it again
    else:
        file = Path(path)
        if not file.is_file():
            return None
        data = file.read_bytes()
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        return None


def run(argv: Sequence[str]) -> bool:
    """Run ``triage FILE`` or ``scan [--profile P] [--lang L] FILE`` and say True, or do nothing and say False."""
    if not argv or argv[0] not in ("triage", "scan"):
        return False
    command, rest = argv[0], list(argv[1:])
    options = {"--profile": "host", "--lang": "zh-Hant"}
    files: list[str] = []
    while rest:
        arg = rest.pop(0)
        name, equals, value = arg.partition("=")
        if command == "scan" and name in options:
            if not equals:
                if not rest:
                    return False
                value = rest.pop(0)
            options[name] = value
        elif arg == "-" or not arg.startswith("-"):
            files.append(arg)
        else:
            return False  # --help, --workspace, anything else: the full command line
    if len(files) > 1 or options["--profile"] not in PROFILES or options["--lang"] not in LANGUAGES:
        return False
    lines = _read(files[0] if files else "-")
    if lines is None:
        return False
    profile, lang = options["--profile"], options["--lang"]
    # The work allocates many small objects and makes no reference cycles: the cycle collector would only walk
    # them again and again. It is off for the work and back on after it.
    gc.disable()
    try:
        out = triage_output(lines) if command == "triage" else scan_output(lines, profile, lang)
    finally:
        gc.enable()
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return True
