"""A batch of lines read once as arrays of code points: the folded, the compact (``normalize``) and the collapsed
text of every line at once, and the maps between their offsets.

The lines are joined with line breaks and read as UTF-32; folding and dropping noise are look-ups in two tables of
the whole Unicode range (the same tables as ``str.translate`` uses, ``normalize.fold_table`` and ``scan_table``),
so the compact text of the batch is the lines' ``normalize`` joined with line breaks. Runs of one CJK character are
collapsed by comparing the array with itself shifted (``compliance._compact``: 最最好 → 最好, 媽媽 kept). Both the
compliance batch scan (``Lexicon.scan_lines``) and batch triage (``batch.triage_lines``) read a ``Prepared``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, cached_property
from typing import Any

import numpy as np

from livecrew.text.normalize import KEEP_DOUBLE, fold_table, scan_table

NL = 10
_CJK_LO, _CJK_HI = 0x3400, 0x9FFF  # inclusive: the range whose runs collapse (compliance._REPEAT)


@cache
def tables() -> tuple[Any, Any]:
    """Code point → folded code point, and code point → kept by ``normalize`` (the two translate tables)."""
    folds = np.arange(0x110000, dtype=np.uint32)
    table = fold_table()
    folds[np.fromiter(table.keys(), np.int64, len(table))] = np.fromiter(
        map(ord, table.values()), np.uint32, len(table)
    )
    keep = np.ones(0x110000, dtype=bool)
    dropped = [code for code, scanned in scan_table().items() if scanned is None]
    keep[np.asarray(dropped, dtype=np.int64)] = False
    keep[NL] = True
    return folds, keep


@cache
def member(chars: frozenset[str]) -> Any:
    """A table of the whole Unicode range: True for ``chars``."""
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(ch) for ch in chars]] = True
    return table


def codes(text: str) -> Any:
    """The code points of ``text`` (a read-only array over its UTF-32 bytes)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def text_of(points: Any) -> str:
    """The string of an array of code points."""
    return np.ascontiguousarray(points, dtype=np.uint32).tobytes().decode("utf-32-le")


def line_of(breaks: Any, positions: Any) -> Any:
    """The line index of each position, given the positions of the line breaks."""
    return np.searchsorted(breaks, positions, side="right")


def distinct(values: Any) -> Any:
    """The distinct values, sorted: ``numpy.unique`` without its look for a masked array (which imports numpy.ma,
    a tenth of the command line's start)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def repeats(points: Any) -> Any:
    """True for each code point that repeats the one before and is collapsed: a CJK character other than those
    people double as a word (妈妈 stays), as ``compliance._REPEAT`` collapses them."""
    again = np.zeros(len(points), dtype=bool)
    if len(points) >= 2:
        again[1:] = (points[1:] == points[:-1]) & (points[1:] >= _CJK_LO) & (points[1:] <= _CJK_HI)
        again[again] = ~member(frozenset(KEEP_DOUBLE))[points[again]]
    return again


def collapse(points: Any) -> Any:
    """The code points with runs collapsed (``repeats``)."""
    again = repeats(points)
    return points[~again] if again.any() else points


class Prepared:
    """A batch of lines read once: the folded text, the compact (``normalize``) text, the collapsed text, and where
    each character of one came from in the other."""

    def __init__(self, lines: Sequence[str]) -> None:
        folds, keep = tables()
        self.lines = lines
        self.joined = "\n".join(lines)
        self.raw = codes(self.joined)
        self.folded = folds[self.raw]
        self.kept_mask = keep[self.raw]
        self.compact = self.folded[self.kept_mask]

    @cached_property
    def raw_breaks(self) -> Any:
        """Offsets of the line breaks in the joined (and the folded) text."""
        return np.flatnonzero(self.raw == NL)

    @property
    def line_count(self) -> int:
        """How many lines the joined text splits into (more than ``len(lines)`` when a line holds a line break)."""
        return len(self.raw_breaks) + 1

    @cached_property
    def raw_starts(self) -> Any:
        """Where each line starts in the joined text."""
        return np.concatenate(([0], self.raw_breaks + 1))

    @cached_property
    def compact_breaks(self) -> Any:
        return np.flatnonzero(self.compact == NL)

    @cached_property
    def compact_starts(self) -> Any:
        """Where each line starts in the compact text, and one more item: the length of the text plus one (line
        ``i`` is ``[starts[i], starts[i + 1] - 1)``)."""
        return np.concatenate(([0], self.compact_breaks + 1, [len(self.compact) + 1]))

    @cached_property
    def kept(self) -> Any:
        """For each character of the compact text, its offset in the joined text."""
        return np.flatnonzero(self.kept_mask)

    @cached_property
    def folded_text(self) -> str:
        return text_of(self.folded)

    @cached_property
    def compact_text(self) -> str:
        return text_of(self.compact)

    @cached_property
    def again(self) -> Any:
        """True for each compact character that is collapsed (``repeats``)."""
        return repeats(self.compact)

    @cached_property
    def collapsed(self) -> Any:
        """The compact text's code points with runs of one CJK character collapsed (``compliance._REPEAT``)."""
        return self.compact[~self.again] if self.again.any() else self.compact

    @cached_property
    def collapsed_text(self) -> str:
        return text_of(self.collapsed) if self.again.any() else self.compact_text

    @cached_property
    def collapsed_breaks(self) -> Any:
        return np.flatnonzero(self.collapsed == NL)

    @cached_property
    def collapsed_starts(self) -> Any:
        """Where each line starts in the collapsed text, and one more item: the length of the text plus one (so
        that line ``i`` is ``[starts[i], starts[i + 1] - 1)``)."""
        return np.concatenate(([0], self.collapsed_breaks + 1, [len(self.collapsed) + 1]))

    @cached_property
    def spans(self) -> tuple[Any, Any]:
        """For each character of the collapsed text: the offset in the joined text of its first and of its last
        source character (they differ where a run was collapsed: 最*最*好 → 最好)."""
        firsts = np.flatnonzero(~self.again)
        lasts = np.append(firsts[1:], len(self.compact)) - 1
        return self.kept[firsts], self.kept[lasts]
