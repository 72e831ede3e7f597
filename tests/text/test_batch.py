"""The whole-batch paths (``batch.triage_lines``, ``Lexicon.scan_lines``, ``fastcli``) give what the per-line API
gives, on every labelled set, in both scripts, in full-width forms and mixed into longer lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import opencc
import pytest

from livecrew.text import default_lexicon, triage
from livecrew.text.batch import Prepared, triage_lines
from livecrew.text.fastcli import run, scan_output, triage_output

ROOT = Path(__file__).resolve().parents[2]
SETS = [
    ROOT / "tests/data/triage.jsonl",
    ROOT / "tests/data/compliance.jsonl",
    ROOT / "tests/text/data/blind_live.jsonl",
    ROOT / "tests/text/data/blind_triage.jsonl",
    ROOT / "tests/text/data/blind_compliance_live.jsonl",
    ROOT / "tests/text/data/heldout_compliance_classes.jsonl",
    ROOT / "src/livecrew/text/data/heldout.jsonl",
]


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    base = [json.loads(line)["text"] for path in SETS for line in path.read_text("utf-8").splitlines() if line]
    simplified = opencc.OpenCC("t2s").convert("\n".join(base)).split("\n")
    traditional = opencc.OpenCC("s2twp").convert("\n".join(base)).split("\n")
    mixed = ["，".join(base[i : i + 3]) for i in range(0, len(base), 3)]
    return [t for t in base + simplified + traditional + [_full_width(t) for t in base] + mixed if t.strip()]


def test_batch_triage_equals_triage_line_by_line(texts: list[str]) -> None:
    lexicon = default_lexicon()
    prepared = Prepared(texts)
    hits = lexicon.scan_lines(texts, "audience", compact=prepared.compact_text, folded=prepared.folded_text)
    assert hits == [lexicon.scan(t, "audience") for t in texts]
    got = triage_lines(texts, hits, prepared)
    want = [(v.label, v.topic) for v in (triage(t, hits=h, explain=False) for t, h in zip(texts, hits, strict=True))]
    assert len(got) == len(texts) > 5000
    assert [(t, g) for t, g, w in zip(texts, got, want, strict=True) if g != w] == []


@pytest.mark.parametrize("profile", ["host", "audience"])
def test_batch_scan_equals_scan_line_by_line(texts: list[str], profile: str) -> None:
    lexicon = default_lexicon()
    prepared = Prepared(texts)
    batch = lexicon.scan_lines(texts, profile, compact=prepared.compact_text, folded=prepared.folded_text)
    assert batch == [lexicon.scan(t, profile) for t in texts]
    assert lexicon.scan_lines(texts, profile) == batch


def test_small_and_odd_batches() -> None:
    odd = ["", "  ", "👍", "😡😡", "?", "don't like it", "not good", "ｄｏｎ＇ｔ buy", "666666", "233333", "12345678",
           "一二三", "①②", "hhh", "很好很好很好很好", "好好好好", "耐不耐用", "A1+1", "x"]  # fmt: skip
    texts = [t for t in odd if t.strip()]
    hits = default_lexicon().scan_lines(texts, "audience")
    got = triage_lines(texts, hits)
    assert got == [
        (v.label, v.topic) for v in (triage(t, hits=h, explain=False) for t, h in zip(texts, hits, strict=True))
    ]
    assert triage_lines([], []) == []


def test_fast_start_prints_what_the_full_command_line_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    file = tmp_path / "c.txt"
    file.write_text("尺碼怎麼選\n\n+1\n加 V 信\n主播好會講\n", "utf-8")
    lines = file.read_text("utf-8").splitlines()
    assert run(["triage", str(file)])
    assert capsysbinary.readouterr().out == triage_output(lines)
    assert run(["scan", "--profile=audience", "--lang", "en", str(file)])
    assert capsysbinary.readouterr().out == scan_output(lines, "audience", "en")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("最好\n".encode())))
    assert run(["scan", "-"])
    assert b'"term":"\xe6\x9c\x80\xe5\xa5\xbd"' in capsysbinary.readouterr().out
    # Anything else is left to the full command line (which prints the errors and the help).
    left = [["triage", "/no/such/file"], ["scan", "--profile", "viewer", str(file)], ["--help"], [], ["eval"],
            ["scan", "--workspace", "ws", str(file)], ["triage", "--help"], ["triage", "a", "b"]]  # fmt: skip
    for argv in left:
        assert not run(argv)


def test_the_livecrew_command_starts_fast_and_still_reports_errors(tmp_path: Path) -> None:
    file = tmp_path / "c.txt"
    file.write_text("尺碼怎麼選\n+1\n", "utf-8")
    entry = "import sys; from livecrew.entry import main; sys.argv = ['livecrew', *sys.argv[1:]]; main()"
    done = subprocess.run([sys.executable, "-c", entry, "triage", str(file)], capture_output=True, check=True)
    assert done.stdout.decode().splitlines() == [
        '{"line":1,"label":"question","topic":"size"}',
        '{"line":2,"label":"purchase","topic":null}',
    ]
    probe = "import sys; from livecrew.entry import main; sys.argv = ['livecrew', 'triage', sys.argv[1]]; main(); "
    probe += "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'sqlalchemy')))"
    quick = subprocess.run([sys.executable, "-c", probe, str(file)], capture_output=True, check=True)
    assert quick.stdout.decode().splitlines()[-1] == "[]"
    missing = subprocess.run([sys.executable, "-c", entry, "triage", "/no/such/file"], capture_output=True)
    assert missing.returncode == 2 and b"does not exist" in missing.stderr
