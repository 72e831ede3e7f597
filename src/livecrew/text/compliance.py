"""Compliance scanning: a data lexicon compiled into one Aho-Corasick automaton per profile.

The text is folded (``normalize.py``) and its noise characters dropped with a single ``str.translate``; runs of a
repeated CJK character are collapsed (最最最好 → 最好); the automaton finds every term and allow-word in that compact
string in one pass (overlapping). A term hit survives when no allow-word around it covers it, its context rules
pass and, for terms that start or end with a Latin letter, the neighbouring original characters are not letters
(``vx`` is not found inside ``vxyz``). Phone numbers, QQ numbers and links are regular expressions from the same
file. Offsets are mapped back to the original text only when something was found.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import ahocorasick_rs

from livecrew.text.normalize import KEEP_DOUBLE, fold, fold_table, normalize, scan_table

if TYPE_CHECKING:
    from livecrew.text.prepared import Prepared

CATEGORIES = ("absolute", "medical", "false_promise", "price", "inducement", "diversion", "abuse")
SEVERITIES = ("block", "warn", "info")
PROFILES = ("host", "audience")
LANGUAGES = ("zh-Hant", "zh-Hans", "en")
Profile = Literal["host", "audience"]
# Categories an audience comment is checked for: taking buyers away, spam, abuse.
AUDIENCE_CATEGORIES = frozenset({"diversion", "abuse"})

HEARTS = "❤♥"
_LATIN = re.compile(r"[a-z]")
# Runs of one CJK character collapse (最最最好 → 最好), except characters people double as a word (KEEP_DOUBLE).
_KEEP_DOUBLE = KEEP_DOUBLE
_REPEAT = re.compile(r"([\u3400-\u9fff])(?<![" + _KEEP_DOUBLE + r"])\1+")
# Symbols the walk keeps (they carry meaning in claims and links) but that evaders put inside abuse (傻/逼, 草#泥#馬).
_INSERTED = "+%@/#"
_FIRST = operator.methodcaller("group", 1)  # a replacement that runs in C (a r"\1" template does not, on 3.11)
_DROP_INSERTED = {ord(ch): None for ch in "+%@/#"}
_HAS_INSERTED = re.compile("[+%@/#]")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")


MEMO_SIZE = 50_000  # remembered scan results per lexicon
MEMO_CHARS = 64  # only texts up to this long are remembered


class LexiconError(ValueError):
    """The lexicon data (shipped file or workspace overrides) is not valid; the message says where."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One finding: ``text[start:end]`` of the original text is the offending wording."""

    start: int
    end: int
    term: str
    category: str
    severity: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "term": self.term,
            "category": self.category,
            "severity": self.severity,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: several spellings of one claim, with its category, severity and reasons."""

    id: str
    term: str  # the canonical spelling shown in hits
    category: str
    severity: str
    profiles: frozenset[str]
    spellings: tuple[str, ...]
    reason: Mapping[str, str]
    allow: tuple[str, ...] = ()
    unless_next: tuple[str, ...] = ()
    unless_prev: tuple[str, ...] = ()
    homophones: bool = False


@dataclass(frozen=True)
class RegexRule:
    id: str
    term: str
    category: str
    severity: str
    profiles: frozenset[str]
    pattern: re.Pattern[str]
    on: str  # "compact" (noise removed) or "folded" (same length as the original)
    reason: Mapping[str, str]
    requires: tuple[str, ...] = ()  # the expression can only match text holding one of these (a cheap pre-check)
    trigger: re.Pattern[str] | None = None  # the expression can only match text this finds (a cheap batch pre-check)
    run: tuple[frozenset[str], int] | None = None  # or: it can only match text with a run of this many of these chars


@dataclass
class _Pattern:
    entry: int  # index into entries, or -1 for an allow-word
    term: str = ""  # the lexicon spelling this pattern came from (before homophone expansion)
    protects: frozenset[int] | None = None  # allow-word: the entries it protects (None: every entry)


@dataclass(frozen=True, slots=True)
class _Offsets:
    """Where the characters of a line's normalized text (``kept``) and of its collapsed text (``firsts``: the first
    source character, ``lasts``: the last) come from in the line as written."""

    kept: list[int]
    firsts: list[int]
    lasts: list[int]


@dataclass
class _Compiled:
    automaton: Any
    patterns: list[_Pattern]
    regexes: list[RegexRule]
    strings: list[str]  # the automaton's patterns
    kinds: tuple[Any, Any, Any] | None = None  # Lexicon._kinds
    infos: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)  # Lexicon._hit_infos
    _trie: Any = None
    _twins: list[tuple[int, int]] = field(default_factory=list)  # (first pattern, another) of one string

    def matches(self, points: Any) -> Any:
        """What the automaton finds in the code points ``points`` (every pattern, overlapping), as rows (pattern,
        start, end) sorted by start: one walk of a trie of the patterns (``trie.Trie``), made when first used. A
        string that is two patterns (a term and an allow-word) is reported for both, as the automaton does."""
        import numpy as np

        if self._trie is None:
            from livecrew.text.trie import Trie

            first: dict[str, int] = {}
            for i, string in enumerate(self.strings):
                first.setdefault(string, i)
            others = [i for i, string in enumerate(self.strings) if first[string] != i]
            self._trie = Trie.build(list(first), list(first.values()))
            self._twins = [(first[self.strings[i]], i) for i in others]
        found = self._trie.matches(points)
        if self._twins:
            for pattern, twin in self._twins:
                same = found[found[:, 0] == pattern]
                if len(same):
                    same = same.copy()
                    same[:, 0] = twin
                    found = np.concatenate((found, same))
            found = found[np.argsort(found[:, 1], kind="stable")]
        return found


def _compact(text: str) -> str:
    """Folded, noise-free, repeats collapsed: the form both lexicon spellings and scanned text take."""
    return _REPEAT.sub(_FIRST, normalize(text))


def _positions(text: str, drop: str = "", normal: str | None = None) -> tuple[list[int], list[int]]:
    """For each character of ``_compact(text)``: the offset in ``text`` of its first and of its last source
    character (they differ where repeats were collapsed: 最*最*好 → 最好). ``normal`` is ``normalize(text)``
    when the caller has it."""
    table = scan_table()
    if not drop:
        normal = normalize(text) if normal is None else normal
        if not _REPEAT.search(normal):  # nothing collapsed: the kept characters
            if len(normal) == len(text):
                same = list(range(len(text)))
            else:
                get = table.get
                same = [i for i, ch in enumerate(text) if get(ord(ch), ch) is not None]
            return same, same
    firsts: list[int] = []
    lasts: list[int] = []
    last = ""
    for i, ch in enumerate(text):
        mapped = table.get(ord(ch), ch)
        if mapped is None or mapped in drop:
            continue
        if mapped == last and "\u3400" <= mapped <= "\u9fff" and mapped not in _KEEP_DOUBLE:
            lasts[-1] = i
            continue
        firsts.append(i)
        lasts.append(i)
        last = mapped
    return firsts, lasts


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _entry(raw: Mapping[str, Any], where: str) -> Entry:
    """Validate one entry. Accepts the shipped shape and the short override shape (``term`` + ``reason`` string)."""
    if not isinstance(raw, Mapping):
        raise LexiconError(f"{where} must be an object")
    category, severity = raw.get("category"), raw.get("severity", "warn")
    if category not in CATEGORIES:
        raise LexiconError(f'{where}: category must be one of {", ".join(CATEGORIES)} (got "{category}")')
    if severity not in SEVERITIES:
        raise LexiconError(f'{where}: severity must be one of {", ".join(SEVERITIES)} (got "{severity}")')
    terms = raw.get("terms")
    spellings: list[str] = []
    if isinstance(terms, Mapping):
        for lang in LANGUAGES:
            spellings.extend(_strings(terms.get(lang), f"{where}.terms.{lang}"))
    spellings = [*_strings(raw.get("term"), f"{where}.term"), *spellings]
    if not spellings:
        raise LexiconError(f'{where}: give "term" or "terms"')
    default_profiles = ["host", "audience"] if category in AUDIENCE_CATEGORIES else ["host"]
    profiles = _strings(raw.get("profiles", default_profiles), f"{where}.profiles")
    if bad := [p for p in profiles if p not in PROFILES]:
        raise LexiconError(f'{where}: unknown profile "{bad[0]}"; use host or audience')
    reason_raw = raw.get("reason", "")
    reason = {lang: reason_raw for lang in LANGUAGES} if isinstance(reason_raw, str) else dict(reason_raw)
    context = raw.get("context") or {}
    return Entry(
        id=str(raw.get("id") or f"ws:{spellings[0]}"),
        term=spellings[0],
        category=category,
        severity=severity,
        profiles=frozenset(profiles),
        spellings=tuple(dict.fromkeys(spellings)),
        reason=reason,
        allow=_strings(raw.get("allow"), f"{where}.allow"),
        unless_next=_strings(context.get("unless_next"), f"{where}.context.unless_next"),
        unless_prev=_strings(context.get("unless_prev"), f"{where}.context.unless_prev"),
        homophones=bool(raw.get("homophones", False)),
    )


def _expand(spelling: str, homophones: Mapping[str, Sequence[str]]) -> set[str]:
    """Every homophone spelling of a diversion term (微信 → 薇信, v信, 微芯, 微❤ ...)."""
    options = [[ch, *homophones.get(ch, ())] for ch in spelling]
    return {"".join(combo) for combo in itertools.product(*options)}


@dataclass
class Lexicon:
    """The compliance lexicon: the shipped data plus a workspace's overrides, compiled per profile."""

    entries: list[Entry]
    allow: tuple[str, ...] = ()
    homophones: Mapping[str, Sequence[str]] = field(default_factory=dict)
    regexes: list[RegexRule] = field(default_factory=list)
    _compiled: dict[str, _Compiled] = field(default_factory=dict, repr=False)
    _memo: dict[tuple[str, str, str], list[Hit]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None) -> Lexicon:
        """The shipped lexicon (or ``data``), with ``overrides``: ``{"add": [entry, ...], "remove": [term or id,
        ...], "allow": [word, ...]}``. An added entry needs ``term`` (or ``terms``), ``category``, and may give
        ``severity`` (default warn), ``profiles``, ``reason`` (a string or per language), ``allow`` and ``context``.
        Raises ``LexiconError`` with a message naming the bad field."""
        doc = data if data is not None else _shipped()
        entries = [_entry(raw, f"entries[{i}]") for i, raw in enumerate(doc.get("entries", []))]
        allow = list(_strings(doc.get("allow"), "allow"))
        regexes = [_regex(raw, f"patterns[{i}]") for i, raw in enumerate(doc.get("patterns", []))]
        if overrides:
            unknown = set(overrides) - {"add", "remove", "allow", "allow_for"}
            if unknown:
                raise LexiconError(
                    f'overrides: unknown key "{sorted(unknown)[0]}"; use add, remove, allow and allow_for'
                )
            removed = {_compact(t) for t in _strings(overrides.get("remove"), "overrides.remove")}
            removed_ids = set(_strings(overrides.get("remove"), "overrides.remove"))
            kept = []
            for entry in entries:
                if entry.id in removed_ids:
                    continue
                spellings = tuple(s for s in entry.spellings if _compact(s) not in removed)
                if spellings:
                    kept.append(_replace(entry, spellings))
            entries = kept
            regexes = [r for r in regexes if r.id not in removed_ids and _compact(r.term) not in removed]
            added = overrides.get("add") or []
            if not isinstance(added, list):
                raise LexiconError("overrides.add must be a list of entries")
            entries += [_entry(raw, f"overrides.add[{i}]") for i, raw in enumerate(added)]
            allow += _strings(overrides.get("allow"), "overrides.allow")
            entries = _allow_for(entries, overrides.get("allow_for") or {})
        return cls(entries=entries, allow=tuple(allow), homophones=doc.get("homophones", {}), regexes=regexes)

    @property
    def term_count(self) -> int:
        """How many distinct spellings the lexicon knows (before homophone expansion)."""
        return len({_compact(s) for e in self.entries for s in e.spellings})

    def compiled(self, profile: str) -> _Compiled:
        if profile not in PROFILES:
            raise ValueError(f'unknown profile "{profile}"; use host or audience')
        found = self._compiled.get(profile)
        if found is None:
            found = self._compiled[profile] = self._compile(profile)
        return found

    def _compile(self, profile: str) -> _Compiled:
        keys: dict[str, _Pattern] = {}
        for index, entry in enumerate(self.entries):
            if profile not in entry.profiles:
                continue
            for spelling in entry.spellings:
                forms = _expand(spelling, self.homophones) if entry.homophones else {spelling}
                for form in forms:
                    key = _compact(form)
                    if key and key not in keys:  # the first entry to claim a spelling keeps it
                        keys[key] = _Pattern(index, spelling)
        allow_words: dict[str, set[int] | None] = {_compact(w): None for w in self.allow}
        for index, entry in enumerate(self.entries):
            for word in entry.allow:
                key = _compact(word)
                if key in allow_words and allow_words[key] is None:
                    continue
                allow_words.setdefault(key, set())
                protects = allow_words[key]
                if protects is not None:
                    protects.add(index)
        patterns: list[_Pattern] = []
        strings: list[str] = []
        for key, pattern in keys.items():
            strings.append(key)
            patterns.append(pattern)
        for key, protects in allow_words.items():
            if not key:
                continue
            strings.append(key)
            patterns.append(_Pattern(-1, "", frozenset(protects) if protects is not None else None))
        automaton = ahocorasick_rs.AhoCorasick(strings or ["\x00"])
        regexes = [r for r in self.regexes if profile in r.profiles]
        return _Compiled(
            automaton, patterns if strings else [_Pattern(-1, "", frozenset())], regexes, strings or ["\x00"]
        )

    def scan(self, text: str, profile: str = "host", lang: str = "zh-Hant") -> list[Hit]:
        """Every finding in ``text`` for ``profile``, sorted by position; offsets are into ``text`` as given.
        Results of short texts are remembered (a live room says +1 and 來了 a thousand times)."""
        if len(text) > MEMO_CHARS:
            return self._scan(text, profile, lang)
        key = (text, profile, lang)
        known = self._memo.get(key)
        if known is None:
            known = self._scan(text, profile, lang)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = known
        return list(known)

    def _scan(
        self,
        text: str,
        profile: str,
        lang: str,
        raw: str | None = None,
        folded: str | None = None,
        offsets: _Offsets | None = None,
    ) -> list[Hit]:
        """``scan`` without the memo; ``raw`` and ``folded`` are ``normalize(text)`` and ``fold(text)``, and
        ``offsets`` where their characters come from, when the caller has them (a batch)."""
        compiled = self.compiled(profile)
        raw = normalize(text) if raw is None else raw
        compact = _REPEAT.sub(_FIRST, raw) if _REPEAT.search(raw) else raw
        found = compiled.automaton.find_matches_as_indexes(compact, overlapping=True)
        hits = self._resolve(compiled, compact, found) if found else []
        extra: list[Hit] = []
        if HEARTS[0] in raw or HEARTS[1] in raw:
            # A heart stands for 信 in diversion spellings (v❤) but is decoration elsewhere (最♥好): read both ways.
            plain = _REPEAT.sub(_FIRST, raw.replace(HEARTS[0], "").replace(HEARTS[1], ""))
            found = compiled.automaton.find_matches_as_indexes(plain, overlapping=True)
            again = self._resolve(compiled, plain, found) if found else []
            extra = self._to_original(compiled, text, again, lang, HEARTS, folded=folded)
        if _HAS_INSERTED.search(raw):
            # Read abuse once more without the kept symbols: 傻/逼, 草#泥#馬.
            plain = raw.translate(_DROP_INSERTED)
            plain = _REPEAT.sub(_FIRST, plain)
            found = compiled.automaton.find_matches_as_indexes(plain, overlapping=True)
            again = [h for h in self._resolve(compiled, plain, found) if self._category(compiled, h) == "abuse"]
            extra += self._to_original(compiled, text, again, lang, _INSERTED, folded=folded)
        latin = _LATIN.search(raw) is not None
        for rule in compiled.regexes:
            if rule.on == "folded":
                if not latin:  # a link needs Latin letters (com, cn, http ...)
                    continue
                extra.extend(
                    _hit(rule, m.start(), m.end(), lang)
                    for m in rule.pattern.finditer(fold(text) if folded is None else folded)
                )
            elif (not rule.requires or any(w in raw for w in rule.requires)) and rule.pattern.search(raw):
                extra.extend(_regex_hits(rule, text, raw, lang, offsets.kept if offsets else None))
        if not hits and not extra:
            return []
        spans = (offsets.firsts, offsets.lasts) if offsets else None
        result = self._to_original(compiled, text, hits, lang, normal=raw, folded=folded, spans=spans) + extra
        result.sort(key=lambda h: (h.start, -h.end))
        return _drop_contained(result)

    def scan_lines(
        self, lines: Sequence[str], profile: str = "host", lang: str = "zh-Hant", *, prepared: Prepared | None = None
    ) -> list[list[Hit]]:
        """``[self.scan(line, profile, lang) for line in lines]`` in whole-batch passes: the same hits, the same
        offsets. ``prepared`` is the batch already read (``prepared.Prepared(lines)``) when the caller has it.

        One walk of a trie of the patterns over the collapsed text of the whole batch finds what the automaton would
        find in each line; each expression's cheap pre-check (``trigger`` or ``trigger_run``) runs over the whole
        batch too, and the lines with hearts or kept symbols get their second readings in one more walk. A line
        where an expression matches, or where a second reading finds a term that counts, is scanned alone
        (``_scan``); every other line with a term is resolved from the batch's matches (allow-words, context,
        digits, letters around, model codes) with its offsets read from the batch's maps; the other lines hold
        none."""
        compiled = self.compiled(profile)
        if not lines:
            return []
        import numpy as np

        from livecrew.text.prepared import Prepared, line_of

        batch = prepared if prepared is not None else Prepared(lines)
        if batch.line_count != len(lines):  # a line holding a line break: the batch text cannot be split back
            return [self._scan(line, profile, lang) for line in lines]
        count = len(lines)
        out: list[list[Hit]] = [[] for _ in range(count)]
        found = compiled.matches(batch.collapsed)  # the automaton's matches, from one walk of the batch
        found_line = line_of(batch.collapsed_breaks, found[:, 1])
        terms = self._kinds(compiled)[0]
        has_term = np.zeros(count, dtype=bool)
        has_term[found_line[terms[found[:, 0]]]] = True
        # Lines where an expression matches, or a second reading finds a term that can count: ``_scan`` reads each
        # of them alone. On every other line, an expression and a second reading would add nothing.
        alone = np.zeros(count, dtype=bool)
        bounds: dict[bool, list[int]] = {}

        def own(index: int, on_folded: bool) -> str:
            """The line's compact (``normalize``) or folded text."""
            starts = bounds.get(on_folded)
            if starts is None:
                starts = bounds[on_folded] = (batch.raw_starts if on_folded else batch.compact_starts).tolist()
                if on_folded:
                    starts.append(len(batch.raw) + 1)
            return (batch.folded_text if on_folded else batch.compact_text)[starts[index] : starts[index + 1] - 1]

        for rule in compiled.regexes:
            on_folded = rule.on == "folded"
            breaks = batch.raw_breaks if on_folded else batch.compact_breaks
            if rule.run is not None:
                candidates = _run_lines(batch.folded if on_folded else batch.compact, breaks, *rule.run)
            else:
                text = batch.folded_text if on_folded else batch.compact_text
                spans = [m.span() for m in (rule.trigger or rule.pattern).finditer(text)]
                candidates = _touched(breaks, spans) if spans else []
            for index in candidates:
                if not alone[index] and rule.pattern.search(own(index, on_folded)):
                    alone[index] = True
        for drop, any_term in ((HEARTS, True), (_INSERTED, False)):
            alone[self._second_reading_hits(compiled, batch, drop, any_term)] = True
        if alone.any():
            kept, (firsts, lasts) = batch.kept, batch.spans
            for index in np.flatnonzero(alone).tolist():
                origin = int(batch.raw_starts[index])
                begin, end = batch.compact_starts[index : index + 2].tolist()
                first, last = batch.collapsed_starts[index : index + 2].tolist()
                offsets = _Offsets(
                    (kept[begin : end - 1] - origin).tolist(),
                    (firsts[first : last - 1] - origin).tolist(),
                    (lasts[first : last - 1] - origin).tolist(),
                )
                out[index] = self._scan(lines[index], profile, lang, own(index, False), own(index, True), offsets)
        # The other lines with a term: resolved from the batch's matches.
        simple = ~alone[found_line] & has_term[found_line]
        if simple.any():
            self._resolve_batch(compiled, batch, found[simple], found_line[simple], lang, out)
        return out

    def _second_reading_hits(self, compiled: _Compiled, batch: Prepared, drop: str, any_term: bool) -> Any:
        """The lines of the batch that hold one of ``drop`` and where ``_scan``'s second reading without them
        finds a term it would keep (any term, or an abuse term): the lines' compact text without those characters,
        collapsed again, in one walk."""
        import numpy as np

        from livecrew.text.prepared import collapse, distinct, line_of, member

        compact = batch.compact
        dropped = member(frozenset(drop))
        spots = np.flatnonzero(dropped[compact])
        if not len(spots):
            return np.zeros(0, dtype=np.int64)
        lines = distinct(line_of(batch.compact_breaks, spots))
        # The lines' characters (each line with the line break that ends it), without the dropped ones.
        begin = batch.compact_starts[lines]
        size = np.minimum(batch.compact_starts[lines + 1], len(compact)) - begin
        offsets = np.cumsum(size) - size
        points = compact[np.repeat(begin - offsets, size) + np.arange(int(size.sum()))]
        reading = collapse(points[~dropped[points]])
        found = compiled.matches(reading)
        terms, abuse, _context = self._kinds(compiled)
        counts = terms[found[:, 0]] if any_term else abuse[found[:, 0]]
        where = np.cumsum(reading == 10)[found[counts, 1]]
        return distinct(lines[where])

    def _kinds(self, compiled: _Compiled) -> tuple[Any, Any, Any]:
        """Per pattern of ``compiled``: whether it is a term (not an allow-word), whether it is an abuse term, and
        whether its entry has context words (``unless_next``, ``unless_prev``)."""
        if compiled.kinds is None:
            import numpy as np

            entries = [self.entries[p.entry] if p.entry >= 0 else None for p in compiled.patterns]
            terms = np.array([e is not None for e in entries], dtype=bool)
            abuse = np.array([e is not None and e.category == "abuse" for e in entries], dtype=bool)
            context = np.array([e is not None and bool(e.unless_next or e.unless_prev) for e in entries], dtype=bool)
            compiled.kinds = (terms, abuse, context)
        return compiled.kinds

    def _resolve_batch(
        self, compiled: _Compiled, batch: Prepared, found: Any, found_line: Any, lang: str, out: list[list[Hit]]
    ) -> None:
        """``_scan``'s first reading of the lines of ``found`` (matches in the batch's collapsed text, sorted by
        line; none of these lines needs a second reading or an expression), written into ``out``: the same checks
        as ``_resolve`` and ``_to_original``, as array comparisons, except on the lines with an allow-word or a
        term with context words (``_resolve`` itself) and for the few abuse hits next to a letter (model codes)."""
        import numpy as np

        terms, abuse, context = self._kinds(compiled)
        patterns = found[:, 0]
        by_line = np.zeros(len(batch.collapsed_starts), dtype=bool)  # lines that _resolve reads itself
        by_line[found_line[~terms[patterns] | context[patterns]]] = True
        slow = by_line[found_line]
        starts = batch.collapsed_starts
        # A term is not a hit where a digit stands on both sides of its first or of its last character.
        collapsed = np.append(batch.collapsed, 0)
        digit = (collapsed >= ord("0")) & (collapsed <= ord("9"))
        begin, end = found[:, 1], found[:, 2]
        inside = ~slow & ~(digit[end - 1] & digit[end]) & ~((begin > 0) & digit[begin] & digit[begin - 1])
        kept_line, kept_begin, kept_end, kept_pattern = found_line[inside], begin[inside], end[inside], patterns[inside]
        if slow.any():
            text = batch.collapsed_text
            bounds: list[int] = starts.tolist()
            rows: list[list[int]] = found[slow].tolist()
            line_ids: list[int] = found_line[slow].tolist()
            extra: list[tuple[int, int, int, int]] = []
            edges = [*np.flatnonzero(np.diff(found_line[slow], prepend=-1)).tolist(), len(rows)]
            for a, b in itertools.pairwise(edges):
                index = line_ids[a]
                first = bounds[index]
                own = text[first : bounds[index + 1] - 1]
                local = [(i, s - first, e - first) for i, s, e in rows[a:b]]
                extra += [(index, first + s, first + e, i) for s, e, i in self._resolve(compiled, own, local)]
            if extra:
                more = np.array(extra, dtype=np.int64).reshape(-1, 4)
                kept_line = np.concatenate((kept_line, more[:, 0]))
                kept_begin = np.concatenate((kept_begin, more[:, 1]))
                kept_end = np.concatenate((kept_end, more[:, 2]))
                kept_pattern = np.concatenate((kept_pattern, more[:, 3]))
        if not len(kept_line):
            return
        # Offsets in the line as written; a Latin term is not a hit inside a longer Latin word.
        firsts, lasts = batch.spans
        hit_start = firsts[kept_begin]
        hit_end = lasts[kept_end - 1] + 1
        line_start = batch.raw_starts[kept_line]
        line_end = np.append(batch.raw_breaks, len(batch.raw))[kept_line]
        folded = np.append(batch.folded, 0)
        letter = (folded >= ord("a")) & (folded <= ord("z"))
        inside = ~(letter[hit_start] & (hit_start > line_start) & letter[hit_start - 1])
        inside &= ~(letter[hit_end - 1] & (hit_end < line_end) & letter[hit_end])
        # An abuse term with a letter at either end may be part of a model code (sb-200): read as _to_original does.
        maybe_code = inside & abuse[kept_pattern] & (letter[hit_end - 1] | letter[hit_start])
        for at in np.flatnonzero(maybe_code).tolist():
            begin_, end_ = int(line_start[at]), int(line_end[at])
            if _model_code(batch.folded_text[begin_:end_], int(hit_start[at]) - begin_, int(hit_end[at]) - begin_):
                inside[at] = False
        order = np.lexsort((-hit_end[inside], hit_start[inside], kept_line[inside]))  # by line, start, longest first
        lines_ = kept_line[inside][order].tolist()
        begins = (hit_start - line_start)[inside][order].tolist()
        ends = (hit_end - line_start)[inside][order].tolist()
        infos = self._hit_infos(compiled, lang)
        numbers = kept_pattern[inside][order].tolist()
        previous = -1
        result: list[Hit] = []
        for index, start, stop, number in zip(lines_, begins, ends, numbers, strict=True):
            hit = Hit(start, stop, *infos[number])
            if index != previous:
                result = out[index] = [hit]
                previous = index
            elif not any(o.start <= start and stop <= o.end for o in result):  # _drop_contained
                result.append(hit)

    def _hit_infos(self, compiled: _Compiled, lang: str) -> list[tuple[str, str, str, str]]:
        """Per pattern: the term, category, severity and reason (in ``lang``) of its hits."""
        found = compiled.infos.get(lang)
        if found is None:
            found = compiled.infos[lang] = []
            for pattern in compiled.patterns:
                if pattern.entry < 0:  # an allow-word is never a hit
                    found.append(("", "", "", ""))
                    continue
                entry = self.entries[pattern.entry]
                found.append((pattern.term, entry.category, entry.severity, _reason(entry.reason, lang)))
        return found

    def _category(self, compiled: _Compiled, hit: tuple[int, int, int]) -> str:
        return self.entries[compiled.patterns[hit[2]].entry].category

    def _resolve(
        self, compiled: _Compiled, compact: str, found: list[tuple[int, int, int]]
    ) -> list[tuple[int, int, int]]:
        patterns = compiled.patterns
        allows = [(s, e, patterns[i].protects) for i, s, e in found if patterns[i].entry < 0]
        out: list[tuple[int, int, int]] = []
        for i, s, e in found:
            index = patterns[i].entry
            if index < 0:
                continue
            if any(a <= s and e <= b and (p is None or index in p) for a, b, p in allows):
                continue
            entry = self.entries[index]
            if entry.unless_next and compact.startswith(_compact_tuple(entry.unless_next), e):
                continue
            if entry.unless_prev and compact.endswith(_compact_tuple(entry.unless_prev), 0, s):
                continue
            if (compact[e - 1] in _DIGITS and compact[e : e + 1] in _DIGITS and e < len(compact)) or (
                s > 0 and compact[s] in _DIGITS and compact[s - 1] in _DIGITS
            ):
                continue
            out.append((s, e, i))
        return out

    def _to_original(
        self,
        compiled: _Compiled,
        text: str,
        hits: list[tuple[int, int, int]],
        lang: str,
        drop: str = "",
        *,
        normal: str | None = None,
        folded: str | None = None,
        spans: tuple[list[int], list[int]] | None = None,
    ) -> list[Hit]:
        if not hits:
            return []
        firsts, lasts = spans if spans is not None and not drop else _positions(text, drop, normal)
        folded = fold(text) if folded is None else folded
        result: list[Hit] = []
        for s, e, pattern in hits:
            start, end = firsts[s], lasts[e - 1] + 1
            if folded[start] in _LETTERS and start > 0 and folded[start - 1] in _LETTERS:
                continue
            if folded[end - 1] in _LETTERS and end < len(folded) and folded[end] in _LETTERS:
                continue
            entry = self.entries[compiled.patterns[pattern].entry]
            if entry.category == "abuse" and _model_code(folded, start, end):
                continue
            term = compiled.patterns[pattern].term
            result.append(Hit(start, end, term, entry.category, entry.severity, _reason(entry.reason, lang)))
        return result


def _model_code(folded: str, start: int, end: int) -> bool:
    """Latin letters written as part of a model code (sb-200, SB200, 3cnm) are not an insult."""
    after = folded[end : end + 2]
    return (
        folded[end - 1] in _LETTERS
        and (after[:1] in _DIGITS or (after[:1] in ("-", "_") and after[1:] in _DIGITS and after[1:] != ""))
    ) or (folded[start] in _LETTERS and start > 0 and folded[start - 1] in _DIGITS)


def _regex_hits(rule: RegexRule, text: str, raw: str, lang: str, kept: list[int] | None = None) -> list[Hit]:
    """Phone and QQ numbers: matched on the noise-free text *without* collapsing repeats (138 8888 8888). ``kept``
    is the offset in ``text`` of each character of ``raw``, when the caller has it."""
    if kept is None:
        table = scan_table()
        kept = [i for i, ch in enumerate(text) if table.get(ord(ch), ch) is not None]
    positions = kept
    return [_hit(rule, positions[m.start()], positions[m.end() - 1] + 1, lang) for m in rule.pattern.finditer(raw)]


def _allow_for(entries: list[Entry], allow_for: Mapping[str, Any]) -> list[Entry]:
    """Allow-words of one term: ``{"term": ["allow-word", ...]}`` protect only the entry that has that spelling."""
    if not isinstance(allow_for, Mapping):
        raise LexiconError("overrides.allow_for must map a term to a list of allow-words")
    wanted: dict[str, tuple[str, ...]] = {}
    for term, words in allow_for.items():
        key = _compact(str(term))
        wanted[key] = wanted.get(key, ()) + _strings(words, f"overrides.allow_for.{term}")
    if not wanted:
        return entries
    out = []
    for entry in entries:
        extra = [w for s in entry.spellings for w in wanted.get(_compact(s), ())]
        out.append(dataclasses.replace(entry, allow=(*entry.allow, *extra)) if extra else entry)
    return out


def _replace(entry: Entry, spellings: tuple[str, ...]) -> Entry:
    return Entry(
        entry.id,
        spellings[0] if entry.term not in spellings else entry.term,
        entry.category,
        entry.severity,
        entry.profiles,
        spellings,
        entry.reason,
        entry.allow,
        entry.unless_next,
        entry.unless_prev,
        entry.homophones,
    )


@cache
def _compact_tuple(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_compact(w) for w in words)


def _reason(reason: Mapping[str, str], lang: str) -> str:
    return reason.get(lang) or reason.get("zh-Hant") or reason.get("en") or ""


def _hit(rule: RegexRule, start: int, end: int, lang: str) -> Hit:
    return Hit(start, end, rule.term, rule.category, rule.severity, _reason(rule.reason, lang))


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    """Keep the longest of hits that lie inside one another (全網最低價 wins over 最低價)."""
    out: list[Hit] = []
    for hit in hits:  # sorted by start, longest first
        if any(o.start <= hit.start and hit.end <= o.end for o in out):
            continue
        out.append(hit)
    return out


def _regex(raw: Mapping[str, Any], where: str) -> RegexRule:
    category = raw.get("category")
    if category not in CATEGORIES:
        raise LexiconError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
    try:
        pattern = re.compile(str(raw["regex"]))
    except (KeyError, re.error) as exc:
        raise LexiconError(f"{where}: bad or missing regex ({exc})") from None
    reason = raw.get("reason", "")
    return RegexRule(
        id=str(raw.get("id", where)),
        term=str(raw.get("term", raw.get("id", ""))),
        category=category,
        severity=str(raw.get("severity", "block")),
        profiles=frozenset(_strings(raw.get("profiles", list(PROFILES)), f"{where}.profiles")),
        pattern=pattern,
        on=str(raw.get("on", "compact")),
        reason={lang: reason for lang in LANGUAGES} if isinstance(reason, str) else dict(reason),
        requires=tuple(normalize(w) for w in _strings(raw.get("requires"), f"{where}.requires")),
        trigger=_trigger(raw, where),
        run=_run(raw, where),
    )


def _run(raw: Mapping[str, Any], where: str) -> tuple[frozenset[str], int] | None:
    """``trigger_run``: ``{"chars": "0123456789", "length": 7}``, the expression matches only where that many of
    these characters stand in a row (checked on a whole batch with array comparisons)."""
    run = raw.get("trigger_run")
    if run is None:
        return None
    chars, length = (run.get("chars"), run.get("length")) if isinstance(run, Mapping) else (None, None)
    if not isinstance(chars, str) or not chars or "\n" in chars or not isinstance(length, int) or length < 1:
        raise LexiconError(f'{where}.trigger_run: give "chars" (a string) and "length" (a number from 1)')
    return frozenset(chars), length


def _trigger(raw: Mapping[str, Any], where: str) -> re.Pattern[str] | None:
    """A cheap expression that finds every text the rule can match: ``trigger`` if given, else its ``requires``."""
    try:
        if raw.get("trigger"):
            return re.compile(str(raw["trigger"]))
    except re.error as exc:
        raise LexiconError(f"{where}: bad trigger ({exc})") from None
    words = [normalize(w) for w in _strings(raw.get("requires"), f"{where}.requires")]
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))) if words else None


@cache
def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("livecrew.text").joinpath("data/lexicon.json").read_text("utf-8"))
    return data


def shipped_data() -> Mapping[str, Any]:
    """The shipped lexicon file as data (shared: do not modify it)."""
    return _shipped()


def term_key(text: str) -> str:
    """The form a term is matched in: folded, noise removed, repeats collapsed (最 最 好 and 最好 are one term)."""
    return _compact(text)


@cache
def default_lexicon() -> Lexicon:
    """The shipped lexicon, compiled once per process."""
    fold_table()
    return Lexicon.load()


def scan(text: str, profile: str = "host", lang: str = "zh-Hant", lexicon: Lexicon | None = None) -> list[Hit]:
    """Scan one text with the shipped lexicon (or ``lexicon``, e.g. one with a workspace's overrides)."""
    return (lexicon or default_lexicon()).scan(text, profile, lang)


def scan_many(texts: Iterable[str], profile: str = "host", lang: str = "zh-Hant") -> list[list[Hit]]:
    return default_lexicon().scan_lines(list(texts), profile, lang)


def _run_lines(points: Any, breaks: Any, chars: frozenset[str], length: int) -> list[int]:
    """The lines (given the offsets of the line breaks) where ``length`` characters of ``chars`` stand in a row."""
    import numpy as np

    from livecrew.text.prepared import distinct, line_of, member

    inside = np.zeros(len(points) + 2, dtype=np.int8)
    inside[1:-1] = member(chars)[points]
    edges = np.flatnonzero(np.diff(inside))  # starts and ends of the runs, in turn
    starts, ends = edges[0::2], edges[1::2]
    found: list[int] = distinct(line_of(breaks, starts[ends - starts >= length])).tolist()
    return found


def _touched(breaks: Any, spans: list[tuple[int, int]]) -> list[int]:
    """The lines that the spans touch, given the offsets of the line breaks: from the line of a span's first
    character to the line of its last (an expression that reads a line break can run into the next line)."""
    import numpy as np

    ends = np.searchsorted(breaks, [(start, max(end - 1, start)) for start, end in spans], side="right")
    first: list[int] = ends[:, 0].tolist()
    last: list[int] = ends[:, 1].tolist()
    out: set[int] = set(first)
    for a, b in zip(first, last, strict=True):
        if b > a:
            out.update(range(a + 1, b + 1))
    return sorted(out)
