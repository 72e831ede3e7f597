"""A list of strings as a trie in arrays, walked from every position of a text at once.

``Trie.longest(points)`` gives, for each position of a text (an array of code points), the longest string that
starts there and its number; ``Trie.best(points, starts)`` the highest number of all the strings that start there.
The walk advances every live position by one character per step, all positions of the text together (numpy): a
step is one look-up of (node, character) → child in an open-addressing hash table. Few positions live past two or
three characters, so a walk costs about two array passes over the text, and the matches are never Python objects
(an automaton that hands back one tuple per match costs more than its own scan on a text of short words).

The arrays can be saved and loaded (``arrays`` / ``from_arrays``): building a trie of 40,000 words in Python takes
about a tenth of a second, loading it a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_MULTIPLIER = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15 as a signed 64-bit number (Fibonacci hashing)


class Trie:
    """The nodes' numbers (``term``: the number stored at a node that ends a string, -1 elsewhere; ``kids``: whether
    a node has children), the first node of each character (``first``, by code point), and the other edges in an
    open-addressing hash table: each slot holds (node × 2**21 + code point) × 2**20 + child, or -1."""

    def __init__(self, arrays: dict[str, Any]) -> None:
        self.chars = arrays["chars"]
        self.first = np.full(0x110000, -1, dtype=np.int32)
        self.first[self.chars] = arrays["firsts"]
        self.term = arrays["term"]
        self.kids = arrays["kids"]
        self.table = arrays["table"]
        self.bits = int(arrays["bits"])
        self.mask = (1 << self.bits) - 1

    @classmethod
    def build(cls, strings: Sequence[str], numbers: Sequence[int], keep: str = "first") -> Trie:
        """The trie of ``strings`` (non-empty), each with its number (>= 0). Where a string is given twice, its node
        keeps the first number (``keep="first"``) or the highest (``keep="max"``)."""
        nodes: dict[str, int] = {}
        term: list[int] = []
        parent: list[int] = []
        label: list[int] = []
        for string, number in zip(strings, numbers, strict=True):
            node = -1
            for k in range(1, len(string) + 1):
                prefix = string[:k]
                found = nodes.get(prefix)
                if found is None:
                    found = nodes[prefix] = len(term)
                    term.append(-1)
                    parent.append(node)
                    label.append(ord(string[k - 1]))
                node = found
            if term[node] < 0 or (keep == "max" and number > term[node]):
                term[node] = number
        if len(term) >= 1 << _NODE_BITS:
            raise ValueError(f"too many trie nodes ({len(term)})")
        parents = np.array(parent, dtype=np.int64)
        labels = np.array(label, dtype=np.int64)
        top = np.flatnonzero(parents < 0)
        kids = np.zeros(len(term), dtype=bool)
        kids[parents[parents >= 0]] = True
        children = np.flatnonzero(parents >= 0)
        edge_keys = (parents[children] << _CODE_BITS) + labels[children]
        bits = max(4, int(np.ceil(np.log2(max(len(edge_keys), 1) * 16))))  # at most 1/16 full: few probes
        table = np.full(1 << bits, -1, dtype=np.int64)
        slots = _hash(edge_keys, bits)
        waiting = np.arange(len(edge_keys))
        while len(waiting):  # linear probing: each key takes the first free slot from its hash on
            tried = slots[waiting]
            free = table[tried] == -1
            _slots, firsts = np.unique(tried[free], return_index=True)
            placed = waiting[free][firsts]
            table[slots[placed]] = (edge_keys[placed] << _NODE_BITS) + children[placed]
            done = np.zeros(len(edge_keys), dtype=bool)
            done[placed] = True
            waiting = waiting[~done[waiting]]
            slots[waiting] = (slots[waiting] + 1) & ((1 << bits) - 1)
        return cls(
            {
                "chars": labels[top],
                "firsts": top.astype(np.int32),
                "term": np.array(term, dtype=np.int64),
                "kids": kids,
                "table": table,
                "bits": np.int64(bits),
            }
        )

    def arrays(self) -> dict[str, Any]:
        firsts = self.first[self.chars]
        return {
            "chars": self.chars,
            "firsts": firsts,
            "term": self.term,
            "kids": self.kids,
            "table": self.table,
            "bits": np.int64(self.bits),
        }

    def _child(self, keys: Any) -> Any:
        """The child node of each (node × 2**21 + code point) key, -1 where there is none."""
        slots = _hash(keys, self.bits)
        found = self.table[slots]
        out = found & _NODE_MASK
        hit = (found >> _NODE_BITS) == keys
        out[~hit] = -1
        waiting = np.flatnonzero(~hit & (found != -1))
        while len(waiting):
            slots[waiting] = (slots[waiting] + 1) & self.mask
            found = self.table[slots[waiting]]
            hit = (found >> _NODE_BITS) == keys[waiting]
            out[waiting[hit]] = found[hit] & _NODE_MASK
            waiting = waiting[~hit & (found != -1)]
        return out

    def _walk(self, points: Any, starts: Any | None) -> Any:
        """The steps of the walk: for each depth, the live positions and their nodes."""
        padded = np.append(points, 0).astype(np.int64)  # code point 0 ends no string
        node = self.first[points]
        live = node >= 0
        if starts is not None:
            live &= starts
        where = np.flatnonzero(live)
        node = node[where].astype(np.int64)
        depth = 1
        while len(where):
            yield depth, where, node
            go = np.flatnonzero(self.kids[node])
            where = where[go]
            node = self._child((node[go] << _CODE_BITS) + padded[where + depth])
            found = np.flatnonzero(node >= 0)
            where, node = where[found], node[found]
            depth += 1

    def longest(self, points: Any) -> tuple[Any, Any]:
        """For each position of ``points``: the length of the longest string starting there (0 for none) and its
        number (-1 for none)."""
        length = np.zeros(len(points), dtype=np.int64)
        number = np.full(len(points), -1, dtype=np.int64)
        for depth, where, node in self._walk(points, None):
            numbers = self.term[node]
            ends = np.flatnonzero(numbers >= 0)
            if len(ends):
                length[where[ends]] = depth
                number[where[ends]] = numbers[ends]
        return length, number

    def matches(self, points: Any) -> Any:
        """Every occurrence of every string in ``points`` (overlapping), as rows (number, start, end), sorted by
        start and, at one start, shortest first."""
        found = []
        for depth, where, node in self._walk(points, None):
            numbers = self.term[node]
            ends = np.flatnonzero(numbers >= 0)
            if len(ends):
                at = where[ends]
                found.append(np.stack((numbers[ends], at, at + depth), axis=1))
        if not found:
            return np.zeros((0, 3), dtype=np.int64)
        rows = np.concatenate(found)
        return rows[np.argsort(rows[:, 1], kind="stable")]

    def best(self, points: Any, starts: Any | None = None) -> Any:
        """For each position of ``points`` (only where ``starts`` is True, when given): the highest number of the
        strings that start there (-1 for none)."""
        best = np.full(len(points), -1, dtype=np.int64)
        for _depth, where, node in self._walk(points, starts):
            numbers = self.term[node]
            ends = np.flatnonzero(numbers >= 0)
            if len(ends):
                at = where[ends]
                best[at] = np.maximum(best[at], numbers[ends])
        return best


_CODE_BITS = 21  # a code point
_NODE_BITS = 20  # a node number (a million nodes)
_NODE_MASK = (1 << _NODE_BITS) - 1


def _hash(keys: Any, bits: int) -> Any:
    """Fibonacci hashing: the top ``bits`` bits of the key times the golden-ratio multiplier."""
    return ((keys * _MULTIPLIER).view(np.uint64) >> np.uint64(64 - bits)).view(np.int64)


def covered_by_words(length: Any) -> Any:
    """The positions a leftmost-longest search covers, from ``Trie.longest``'s lengths: the search stops at the
    first position where a string starts, takes the longest one there, and goes on after it. True for each
    position inside a chosen string of two or more characters (its first character excluded); the chosen strings
    start at the positions with a length that are not covered."""
    size = len(length)
    long_starts = np.flatnonzero(length >= 2)
    long_ends = long_starts + length[long_starts]
    # A long match is chosen unless a chosen long match before it covers its start. A match that no match before
    # it covers, and that covers none after it, is chosen; the others (runs of overlapping matches) are decided in
    # rounds: one that no undecided or chosen match before it covers is chosen, one that a chosen match covers is
    # not. Each round decides at least the first undecided match of each run.
    covered_start = _before(long_ends) > long_starts
    alone = ~covered_start
    alone[:-1] &= ~covered_start[1:]
    runs = np.flatnonzero(~alone)
    starts_, ends_ = long_starts[runs], long_ends[runs]
    state = np.zeros(len(runs), dtype=np.int8)  # 0 undecided, 1 chosen, -1 not
    # Each round reads only the runs that still have an undecided match (a run's first match is never covered:
    # the matches before a run end before it starts).
    run_of = np.cumsum(~covered_start[runs]) - 1
    todo = np.arange(len(runs))
    while len(todo):
        part_state, part_starts, part_ends = state[todo], starts_[todo], ends_[todo]
        possible = _before(np.where(part_state >= 0, part_ends, 0))
        chosen_ = _before(np.where(part_state > 0, part_ends, 0))
        undecided = part_state == 0
        part_state[undecided & (possible <= part_starts)] = 1
        part_state[undecided & (chosen_ > part_starts)] = -1
        state[todo] = part_state
        open_runs = np.zeros(len(runs), dtype=bool)
        open_runs[run_of[todo[part_state == 0]]] = True
        todo = todo[open_runs[run_of[todo]]]
    alone[runs[state > 0]] = True
    chosen = long_starts[alone]
    # The positions inside the chosen matches (each match's first character excluded).
    inner = length[chosen] - 1
    covered = np.zeros(size, dtype=bool)
    covered[np.repeat(chosen + 1 - (np.cumsum(inner) - inner), inner) + np.arange(int(inner.sum()))] = True
    return covered


def _before(ends: Any) -> Any:
    """For each item, the highest of the ends of the items before it (0 for the first)."""
    out = np.zeros(len(ends), dtype=np.int64)
    if len(ends) > 1:
        out[1:] = np.maximum.accumulate(ends[:-1])
    return out
