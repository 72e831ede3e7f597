"""The trie walk (``livecrew.text.trie``) finds what an Aho-Corasick automaton finds: leftmost-longest matches for
segmentation, every match for topic cues; and its arrays, kept on disk (``livecrew.text.cache``), are read back
only for the same words."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import ahocorasick_rs
import numpy as np
import pytest

from livecrew.text import cache
from livecrew.text.prepared import codes
from livecrew.text.trie import Trie, covered_by_words


def _texts(rnd: random.Random, alphabet: str, count: int) -> list[str]:
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(12))
def test_leftmost_longest_matches_the_automaton(seed: int) -> None:
    rnd = random.Random(seed)
    alphabet = "abcdé中文好不" if seed % 2 else "ab"  # two letters: long runs of overlapping words
    words = sorted({"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 5))) for _ in range(40)})
    automaton = ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    trie = Trie.build(words, list(range(len(words))))
    text = "\n".join(_texts(rnd, alphabet, 50))
    want = automaton.find_matches_as_indexes(text)
    length, number = trie.longest(codes(text))
    covered = covered_by_words(length)
    starts = np.flatnonzero((length > 0) & ~covered)
    got = list(zip(number[starts].tolist(), starts.tolist(), (starts + length[starts]).tolist(), strict=True))
    assert got == want
    inside = np.zeros(len(text), dtype=bool)
    for _i, start, end in want:
        if end - start >= 2:
            inside[start + 1 : end] = True
    assert np.array_equal(covered, inside)


@pytest.mark.parametrize("seed", range(8))
def test_best_is_the_highest_number_of_all_matches(seed: int) -> None:
    rnd = random.Random(100 + seed)
    alphabet = "ab中文"
    words = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 4))) for _ in range(25)]  # repeats too
    numbers = [rnd.randint(0, 9) for _ in words]
    automaton = ahocorasick_rs.AhoCorasick(words)
    trie = Trie.build(words, numbers, keep="max")
    text = "\n".join(_texts(rnd, alphabet, 40))
    starts = np.array([rnd.random() < 0.7 for _ in text], dtype=bool)
    want = np.full(len(text), -1)
    for i, start, _end in automaton.find_matches_as_indexes(text, overlapping=True):
        if starts[start]:
            want[start] = max(want[start], numbers[i])
    assert np.array_equal(trie.best(codes(text), starts), want)


def test_a_string_given_twice_keeps_its_first_or_its_highest_number() -> None:
    words, numbers = ["ab", "ab", "b"], [3, 7, 1]
    assert Trie.build(words, numbers).longest(codes("ab"))[1].tolist() == [3, 1]
    assert Trie.build(words, numbers, keep="max").best(codes("ab")).tolist() == [7, 1]


def test_trie_arrays_round_trip() -> None:
    trie = Trie.build(["好看", "好", "不好看"], [0, 1, 2])
    again = Trie(trie.arrays())
    text = codes("不好看好看嗎")
    assert [a.tolist() for a in again.longest(text)] == [a.tolist() for a in trie.longest(text)]


def test_cached_arrays_are_built_once_and_only_for_the_same_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVECREW_CACHE_DIR", str(tmp_path))
    built: list[int] = []

    def build(value: int) -> Any:
        def make() -> dict[str, Any]:
            built.append(value)
            return {"x": np.arange(value)}

        return make

    assert cache.arrays("t", b"one", build(3))["x"].tolist() == [0, 1, 2]
    assert cache.arrays("t", b"one", build(5))["x"].tolist() == [0, 1, 2]  # read back, not built
    for file in tmp_path.glob("t-*.npz"):
        file.write_bytes(file.read_bytes()[:40])  # a zip cut short
    assert cache.arrays("t", b"one", build(2))["x"].tolist() == [0, 1]  # unreadable: built again
    assert cache.arrays("t", b"one", build(6))["x"].tolist() == [0, 1]
    assert cache.arrays("t", b"two", build(4))["x"].tolist() == [0, 1, 2, 3]  # another source, another file
    assert len(list(tmp_path.glob("t-*.npz"))) == 1  # and the file made for the other source is gone
    # A file found under the name of a source is read only if it was made from that source, byte for byte.
    (only,) = tmp_path.glob("t-*.npz")
    cache.arrays("t", b"one", build(7))
    (made_for_one,) = tmp_path.glob("t-*.npz")
    made_for_one.rename(only)  # "two"'s name, "one"'s arrays
    assert cache.arrays("t", b"two", build(4))["x"].tolist() == [0, 1, 2, 3]
    assert built[-2:] == [7, 4]
    del built[-2:]
    monkeypatch.setenv("LIVECREW_CACHE_DIR", "off")
    assert cache.arrays("t", b"one", build(1))["x"].tolist() == [0]
    assert built == [3, 2, 4, 1]


def test_the_vocabulary_has_the_same_order_under_any_hash_seed() -> None:
    """The segmenter's cached arrays hold word ids: the vocabulary must number its words alike in every process."""
    probe = "import hashlib; from livecrew.text.model import vocabulary; "
    probe += "print(hashlib.sha256('\\n'.join(vocabulary().words).encode()).hexdigest())"
    digests = {
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
