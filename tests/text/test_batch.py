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
from livecrew.text.batch import triage_lines
from livecrew.text.fastcli import run, scan_output, triage_output
from livecrew.text.prepared import Prepared

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
    hits = lexicon.scan_lines(texts, "audience", prepared=prepared)
    assert hits == [lexicon.scan(t, "audience") for t in texts]
    got = triage_lines(texts, hits, prepared)
    want = [(v.label, v.topic) for v in (triage(t, hits=h, explain=False) for t, h in zip(texts, hits, strict=True))]
    assert len(got) == len(texts) > 5000
    assert [(t, g) for t, g, w in zip(texts, got, want, strict=True) if g != w] == []


@pytest.mark.parametrize("profile", ["host", "audience"])
def test_batch_scan_equals_scan_line_by_line(texts: list[str], profile: str) -> None:
    lexicon = default_lexicon()
    prepared = Prepared(texts)
    batch = lexicon.scan_lines(texts, profile, prepared=prepared)
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


def test_english_topic_cues_in_a_batch_rank_as_line_by_line() -> None:
    """English cue words and pairs of words (``s``, ``xl``, ``what size``, ``shipping``) compete with the CJK cues
    of the same line: the batch ranks them with one code table, the line-by-line path with ``_topic``."""
    from livecrew.text.triage import _load

    english = sorted(_load().english)
    cjk = ["尺碼", "顏色", "太貴", "物流", "還沒到", "退貨", "質量", "怎麼用", "有貨嗎", "優惠"]
    texts = []
    for i, key in enumerate(english):
        texts += [
            f"{key}?",
            f"is the {key} ok",
            f"{key} {cjk[i % len(cjk)]}太差了",
            f"{cjk[(i + 3) % len(cjk)]} {key}嗎",
        ]
        texts += [f"why {key} so bad，{cjk[i % len(cjk)]}怎麼回事", f"{key.upper()} 不行", f"退 {key}"]
    hits = default_lexicon().scan_lines(texts, "audience")
    want = [(v.label, v.topic) for v in (triage(t, hits=h, explain=False) for t, h in zip(texts, hits, strict=True))]
    assert triage_lines(texts, hits) == want
    assert len({topic for _label, topic in want if topic}) >= 5  # the lines reach many topics, not only other


def test_batch_weights_read_once_give_the_same_verdicts_chunk_by_chunk(texts: list[str]) -> None:
    """The weights a batch reads from the model are kept for the next batch: a file in chunks gets the verdicts
    it gets in one batch."""
    lexicon = default_lexicon()
    hits = lexicon.scan_lines(texts, "audience")
    whole = triage_lines(texts, hits)
    chunks: list[tuple[str, str | None]] = []
    for start in range(0, len(texts), 997):
        chunks += triage_lines(texts[start : start + 997], hits[start : start + 997])
    assert chunks == whole


def test_collapsed_batch_text_is_the_per_line_collapse(texts: list[str]) -> None:
    from livecrew.text.compliance import _compact

    odd = ["最最最好", "妈妈妈妈", "謝謝謝", "好好 好好", "㐀㐀\u9fff\u9fff\ua000\ua000", "aaa", "哈哈哈哈哈"]
    for batch in (texts, odd, ["好"], ["好好"]):
        assert Prepared(batch).collapsed_text.split("\n") == [_compact(t) for t in batch]


def test_batch_scan_reads_a_line_holding_a_line_break_alone() -> None:
    """Lines given to ``scan_lines`` with a line break inside (an API caller's list, not a file) are still read
    one by one: the batch text cannot be split back into them."""
    lexicon = default_lexicon()
    lines = ["加我微信\n最好的", "最好", "第一\r\n全網最低", "x"]
    for profile in ("host", "audience"):
        assert lexicon.scan_lines(lines, profile) == [lexicon.scan(t, profile) for t in lines]


# Lines that reach each branch of the batch scan: second readings (hearts, symbols inside words, Latin insults
# with symbols inside), expressions (phone, QQ, links, claims) and their pre-checks, allow-words, context words,
# digits around a term, letters around a Latin term, model codes, collapsed repeats, full-width forms.
ODD_SCAN = [
    "s+b", "你是s+b吧", "n+m+s+l", "傻/逼", "a傻/逼", "草#泥#馬", "加v❤", "加v+信", "最♥好", "最❤️好的", "❤❤❤",
    "+1", "1+1=2", "100%純棉", "x.", "twww.x", "a.", "www.x", "買了 sb-200 很好", "SB200", "3cnm", "usb 線",
    "sb", "ＳＢ", "最最最好", "最 最 好", "最好不要", "最低消費", "第一次來", "第一", "全網最低價", "絕對值",
    "加我微信", "加我薇信", "v信", "私我 0912345678", "0912 345 678", "13800138000", "qq12345678", "扣扣 12345",
    "abc.com 領券", "abc。com", "ａｂｃ．ｃｏｍ", "http://x.cc/y", "保證不會過敏", "用了立刻白三個度",
    "不買就後悔一輩子", "最後三分鐘馬上漲價", "媽媽說最好", "謝謝謝謝", "12345678901234", "第1名", "第一名",
    "王八蛋", "王 八 蛋", "王八蛋蛋蛋", "靠北邊", "死海", "低能耗", "你媽的", "🈲ｈｔｔｐ：／／ｅｂ．ｃｃ／ｅ３ 免费送",
]  # fmt: skip


def test_batch_scan_equals_scan_on_odd_lines_in_any_company() -> None:
    import random

    lexicon = default_lexicon()
    rnd = random.Random(5)
    batches = [ODD_SCAN, ODD_SCAN[::-1]]
    for _ in range(30):  # each line after any other line, alone or joined with others into one line
        lines = rnd.sample(ODD_SCAN, len(ODD_SCAN))
        batches.append(lines)
        batches.append(["，".join(rnd.sample(ODD_SCAN, rnd.randint(1, 4))) for _ in range(40)])
        batches.append([" ".join(rnd.sample(ODD_SCAN, 2)) for _ in range(40)])
    for lines in batches:
        for profile in ("host", "audience"):
            want = [lexicon.scan(t, profile) for t in lines]
            got = lexicon.scan_lines(lines, profile)
            assert [(t, g) for t, g, w in zip(lines, got, want, strict=True) if g != w] == []


def test_batch_scan_equals_scan_with_a_workspace_lexicon(texts: list[str]) -> None:
    """Added terms (some inside others, some Latin), removed terms, allow-words for every term and for one term."""
    from livecrew.text import Lexicon

    lexicon = Lexicon.load(
        overrides={
            "add": [
                {"term": "好看", "category": "absolute", "reason": "x"},
                {"term": "好看嗎", "category": "price", "reason": "x"},
                {"term": "ok", "category": "abuse", "severity": "block", "reason": "x"},
                {"term": "尺碼", "category": "diversion", "reason": "x", "profiles": ["host", "audience"]},
                {"term": "哈", "category": "abuse", "reason": "x", "profiles": ["audience"]},
            ],
            "remove": ["最好"],
            "allow": ["哈哈哈"],
            "allow_for": {"尺碼": ["尺碼表"], "好看": ["不好看"]},
        }
    )
    sample = texts[::7] + ODD_SCAN + ["尺碼表在哪", "這個尺碼", "不好看", "好看嗎", "OK的", "ok", "book", "哈哈", "哈"]
    for profile in ("host", "audience"):
        assert lexicon.scan_lines(sample, profile) == [lexicon.scan(t, profile) for t in sample]


# Lines that reach each branch of batch triage: Latin runs of every length (a run of more than 12 letters or digits
# is told apart without its number), words with an apostrophe, decimal digits other than 0-9 (read by \d),
# English cue words and pairs, negation in both languages, emoji, A-不-A, repeats, short rules, empty lines.
ODD_TRIAGE = [
    "abcdefghijkl", "abcdefghijklm", "abcdefghijklmnopqrstuvwxyz size", "123456789012", "1234567890123 退貨",
    "what size", "what's the size", "don't buy 尺碼", "isn't it good", "not good at all", "never again 退錢",
    "٣ size?", "尺碼 ٣٤ 怎麼選", "𝟏𝟐 color", "what 2 size", "xl 還是 l", "XL", "ｘｌ 有貨嗎", "s m l",
    "hhhhh", "hahaha 好看", "666666", "2333", "88888", "①②③ 顏色", "一二三四五六七八", "好好好好好好", "耐不耐用",
    "沒有不好", "不太好", "很不錯👍", "太差了😡", "❤❤❤", "+1", "A1+1", "扣1", "?", "👍", "😡", "", "   ",
    "物流 shipping 太慢", "price 多少", "how much 價格", "quality 質量 不行", "color 顏色 好看", "ok", "OK的",
    "how ٣ much?", "how'much?", "how much?", "in stock?", "12345678901234567", "abcdefghijklmnopq",
    "12345678901234567?",
]  # fmt: skip


def test_batch_triage_equals_triage_on_odd_lines_in_any_company() -> None:
    import random

    lexicon = default_lexicon()
    rnd = random.Random(9)
    lines = [t for t in ODD_TRIAGE if t.strip()]
    batches = [lines]
    for _ in range(20):
        batches.append(rnd.sample(lines, len(lines)))
        batches.append(["，".join(rnd.sample(lines, rnd.randint(1, 3))) for _ in range(40)])
        batches.append([" ".join(rnd.sample(lines, 2)) for _ in range(40)])
    for texts in batches:
        hits = lexicon.scan_lines(texts, "audience")
        got = triage_lines(texts, hits)
        want = [
            (v.label, v.topic) for v in (triage(t, hits=h, explain=False) for t, h in zip(texts, hits, strict=True))
        ]
        assert [(t, g, w) for t, g, w in zip(texts, got, want, strict=True) if g != w] == []


def test_runs_are_numbered_by_their_text() -> None:
    """``batch._distinct`` tells runs of letters or digits apart by a number made of their characters (up to 12)
    and gives a longer run a number of its own: every run's number leads back to its own text."""
    import re

    import numpy as np

    from livecrew.text.batch import _distinct

    rnd = __import__("random").Random(3)
    lines = []
    for _ in range(300):
        parts = []
        for _ in range(rnd.randint(1, 6)):
            size = rnd.choice((1, 2, 3, 11, 12, 13, 14, 20))
            parts.append("".join(rnd.choice("abz" if rnd.random() < 0.5 else "019") for _ in range(size)))
        lines.append(" 好 ".join(parts))
    batch = Prepared(lines)
    spans = [m.span() for m in re.finditer(r"[a-z]+|[0-9]+", batch.folded_text)]
    starts = np.array([s for s, _e in spans], dtype=np.int64)
    ends = np.array([e for _s, e in spans], dtype=np.int64)
    ids, texts = _distinct(batch, starts, ends)
    assert [texts[i] for i in ids.tolist()] == [batch.folded_text[s:e] for s, e in spans]
    short = {batch.folded_text[s:e] for s, e in spans if e - s <= 12}
    assert len({texts[i] for i, (s, e) in zip(ids.tolist(), spans, strict=True) if e - s <= 12}) == len(short)
    assert len({i for i, (s, e) in zip(ids.tolist(), spans, strict=True) if e - s <= 12}) == len(short)


def test_batch_equals_line_by_line_on_random_mixtures() -> None:
    """Random lines made of pieces that each path treats apart (lexicon terms with symbols or spaces inside, cue
    words, English words and pairs, digits of every script, emoji, hearts, repeats, full-width forms)."""
    import random

    from livecrew.text.compliance import shipped_data
    from livecrew.text.triage import _load

    rnd = random.Random(17)
    terms = [t for e in shipped_data()["entries"] for lang in ("zh-Hant", "zh-Hans", "en") for t in
             (e.get("terms", {}).get(lang) or [])][:400]  # fmt: skip
    cues = _load().automaton_strings[:300] + sorted(_load().english)
    pieces = terms + cues + ["不", "沒", "很", "好", "差", "嗎", "?", "？", "!", "。", "，", " ", "  ", "❤", "♥", "+",
              "/", "#", "@", "%", "1", "12", "0912345678", "qq12345", "٣", "𝟏", "①", "一", "hhh", "哈哈哈", "👍", "😡",
              "don't", "isn't", "not", "how", "much", "ＡＢＣ", "ｘｌ", "sb", "-200", "www.", ".com", "點",
              "媽媽"]  # fmt: skip
    lines = []
    for _ in range(3000):
        line = ""
        for _ in range(rnd.randint(1, 8)):
            piece = rnd.choice(pieces)
            if len(piece) > 1 and rnd.random() < 0.2:  # a symbol, a space or a repeat inside
                at = rnd.randint(1, len(piece) - 1)
                piece = piece[:at] + rnd.choice(["/", " ", "+", "#", piece[at - 1], "❤"]) + piece[at:]
            line += piece
        lines.append(line)
    lines = [t for t in lines if t.strip()]
    lexicon = default_lexicon()
    for profile in ("host", "audience"):
        assert lexicon.scan_lines(lines, profile) == [lexicon.scan(t, profile) for t in lines]
    hits = lexicon.scan_lines(lines, "audience")
    want = [(v.label, v.topic) for v in (triage(t, hits=h, explain=False) for t, h in zip(lines, hits, strict=True))]
    got = triage_lines(lines, hits)
    assert [(t, g, w) for t, g, w in zip(lines, got, want, strict=True) if g != w] == []


def test_a_run_trigger_finds_the_lines_of_its_expression() -> None:
    """``trigger_run`` (phone numbers: seven digits in a row) picks out the lines a whole batch reads the
    expression on; lines with fewer digits in a row, or digits apart, are never candidates, and a bad one is
    refused when the lexicon is read."""
    from livecrew.text import Lexicon, LexiconError
    from livecrew.text.compliance import shipped_data

    lexicon = default_lexicon()
    lines = ["0912345678", "09123 45678", "123456", "一三八零零一三八零零零", "電話 1380013８000 喔", "x", "1234567"]
    assert lexicon.scan_lines(lines, "audience") == [lexicon.scan(t, "audience") for t in lines]
    assert [bool(h) for h in lexicon.scan_lines(lines, "audience")] == [True, True, False, True, True, False, False]
    data = dict(shipped_data())
    broken = [dict(p, trigger_run={"chars": "0123456789"}) for p in data["patterns"]]
    with pytest.raises(LexiconError, match="trigger_run"):
        Lexicon.load(data={**data, "patterns": broken})
