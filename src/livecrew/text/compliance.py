"""Compliance scanning: a data lexicon compiled into one Aho-Corasick automaton per profile.

The text is folded (``normalize.py``) and its noise characters dropped with a single ``str.translate``; runs of a
repeated CJK character are collapsed (最最最好 → 最好); the automaton finds every term and allow-word in that compact
string in one pass (overlapping). A term hit survives when no allow-word around it covers it, its context rules
pass and, for terms that start or end with a Latin letter, the neighbouring original characters are not letters
(``vx`` is not found inside ``vxyz``). Phone numbers, QQ numbers and links are regular expressions from the same
file. Offsets are mapped back to the original text only when something was found.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import json
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import ahocorasick_rs

from livecrew.text.normalize import fold, fold_table, normalize, scan_table

CATEGORIES = ("absolute", "medical", "false_promise", "price", "inducement", "diversion", "abuse")
SEVERITIES = ("block", "warn", "info")
PROFILES = ("host", "audience")
LANGUAGES = ("zh-Hant", "zh-Hans", "en")
Profile = Literal["host", "audience"]
# Categories an audience comment is checked for: taking buyers away, spam, abuse.
AUDIENCE_CATEGORIES = frozenset({"diversion", "abuse"})

HEARTS = "❤♥"
_LATIN = re.compile(r"[a-z]")
# Runs of one CJK character collapse (最最最好 → 最好), except characters people double as a word (妈妈, 宝宝,
# 谢谢): 我妈妈的 must not become 我妈的.
_KEEP_DOUBLE = "妈爸哥姐弟妹爷奶宝谢婆公舅姑叔"
_REPEAT = re.compile(r"([\u3400-\u9fff])(?<![" + _KEEP_DOUBLE + r"])\1+")
# Symbols the walk keeps (they carry meaning in claims and links) but that evaders put inside abuse (傻/逼, 草#泥#馬).
_INSERTED = "+%@/#"
# Lines whose second reading (hearts dropped, kept symbols dropped) may find what the first did not.
_SECOND_READING = re.compile("[❤♥]|[\u3400-\u9fff][+%@/#]+[\u3400-\u9fff]")
_FIRST = operator.methodcaller("group", 1)  # a replacement that runs in C (a r"\1" template does not, on 3.11)
_SECOND_TRIGGER = re.compile("[❤♥+%@/#]")
_DROP_INSERTED = {ord(ch): None for ch in "+%@/#"}
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


@dataclass
class _Pattern:
    entry: int  # index into entries, or -1 for an allow-word
    term: str = ""  # the lexicon spelling this pattern came from (before homophone expansion)
    protects: frozenset[int] | None = None  # allow-word: the entries it protects (None: every entry)


@dataclass
class _Compiled:
    automaton: Any
    patterns: list[_Pattern]
    regexes: list[RegexRule]


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
        return _Compiled(automaton, patterns if strings else [_Pattern(-1, "", frozenset())], regexes)

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

    def _scan(self, text: str, profile: str, lang: str, raw: str | None = None, folded: str | None = None) -> list[Hit]:
        """``scan`` without the memo; ``raw`` and ``folded`` are ``normalize(text)`` and ``fold(text)`` when the
        caller has them (a batch)."""
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
        if any(ch in raw for ch in _INSERTED):
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
                extra.extend(_regex_hits(rule, text, raw, lang))
        if not hits and not extra:
            return []
        result = self._to_original(compiled, text, hits, lang, normal=raw, folded=folded) + extra
        result.sort(key=lambda h: (h.start, -h.end))
        return _drop_contained(result)

    def scan_lines(
        self,
        lines: Sequence[str],
        profile: str = "host",
        lang: str = "zh-Hant",
        *,
        compact: str | None = None,
        folded: str | None = None,
        collapsed: str | None = None,
    ) -> list[list[Hit]]:
        """``[self.scan(line) for line in lines]``, found with whole-batch passes: one fold of all the lines, one
        repeat collapse, one automaton pass and one pass per regular expression pick out the lines that can have a
        hit; only those are scanned one by one (the others have none). Same result, same offsets. ``compact`` and
        ``folded`` are the lines joined with line breaks, already normalized (line breaks kept) and folded, when
        the caller has them (``batch.Prepared``), and ``collapsed`` the compact text with runs of one character
        collapsed as ``_compact`` does."""
        compiled = self.compiled(profile)
        out: list[list[Hit]] = [[] for _ in lines]
        if not lines:
            return out
        raw_all = compact if compact is not None else "\n".join(lines).translate(_batch_table())
        if collapsed is None:
            collapsed = _REPEAT.sub(_FIRST, raw_all) if _REPEAT.search(raw_all) else raw_all
        candidates: set[int] = set()

        def mark(text: str, positions: list[int]) -> None:
            breaks = [i for i, ch in enumerate(text) if ch == "\n"] if len(lines) < 64 else _breaks(text)
            candidates.update(bisect.bisect_right(breaks, p) for p in positions)

        found = compiled.automaton.find_matches_as_indexes(collapsed, overlapping=True)
        patterns = compiled.patterns
        terms = (
            [start for i, start, _e in found if patterns[i].entry >= 0]
            if len(found) < 4096
            else _term_starts(compiled, found)
        )  # an allow-word alone flags nothing
        if terms:
            mark(collapsed, terms)
        # Phone, QQ and claim patterns read the noise-free text without the collapse, links the folded text; a
        # second reading needs a heart or a kept symbol between two characters.
        # A rule with a trigger is tried only on the lines its trigger finds (most lines have no digit run, no 后悔).
        spots: list[int] = []
        compact_lines: list[str] | None = None
        breaks: list[int] | None = None
        for rule, trigger in [*((r, r.trigger) for r in compiled.regexes if r.on != "folded"), (None, _SECOND_TRIGGER)]:
            pattern = rule.pattern if rule is not None else _SECOND_READING
            if trigger is None:
                spots += [m.start() for m in pattern.finditer(raw_all)]
                continue
            found_at = [m.start() for m in trigger.finditer(raw_all)]
            if not found_at:
                continue
            if compact_lines is None:
                compact_lines = raw_all.split("\n")
                breaks = _breaks(raw_all) if len(lines) >= 64 else [i for i, ch in enumerate(raw_all) if ch == "\n"]
            assert breaks is not None
            for index in {bisect.bisect_right(breaks, p) for p in found_at}:
                if index not in candidates and pattern.search(compact_lines[index]):
                    candidates.add(index)
        if spots:
            mark(raw_all, spots)
        folded_rules = [r for r in compiled.regexes if r.on == "folded"]
        if folded_rules:
            folded_all = folded if folded is not None else "\n".join(lines).translate(fold_table())
            links = [m.start() for r in folded_rules if r.trigger is None for m in r.pattern.finditer(folded_all)]
            if links:
                mark(folded_all, links)
            folded_lines: list[str] | None = None
            for rule in folded_rules:
                if rule.trigger is None:
                    continue
                found_at = [m.start() for m in rule.trigger.finditer(folded_all)]
                if not found_at:
                    continue
                if folded_lines is None:
                    folded_lines = folded_all.split("\n")
                    folded_breaks = (
                        _breaks(folded_all)
                        if len(lines) >= 64
                        else [i for i, ch in enumerate(folded_all) if ch == "\n"]
                    )
                for index in {bisect.bisect_right(folded_breaks, p) for p in found_at}:
                    if index not in candidates and rule.pattern.search(folded_lines[index]):
                        candidates.add(index)
        if not candidates:
            return out
        # Each line read alone, from its piece of the batch's normalized and folded text (the same strings).
        raw_lines: list[str] | None = compact_lines if compact_lines is not None else raw_all.split("\n")
        folded_lines_ = folded.split("\n") if folded is not None else None
        if raw_lines is not None and len(raw_lines) != len(lines):  # a line break inside a line: read it alone
            raw_lines = folded_lines_ = None
        elif folded_lines_ is not None and len(folded_lines_) != len(lines):
            folded_lines_ = None
        for index in sorted(candidates):
            if 0 <= index < len(lines):
                line_folded = folded_lines_[index] if folded_lines_ is not None else None
                line_raw = raw_lines[index] if raw_lines is not None else None
                out[index] = self._scan(lines[index], profile, lang, line_raw, line_folded)
        return out

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
    ) -> list[Hit]:
        if not hits:
            return []
        firsts, lasts = _positions(text, drop, normal)
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


def _regex_hits(rule: RegexRule, text: str, raw: str, lang: str) -> list[Hit]:
    """Phone and QQ numbers: matched on the noise-free text *without* collapsing repeats (138 8888 8888)."""
    table = scan_table()
    positions = [i for i, ch in enumerate(text) if table.get(ord(ch), ch) is not None]
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
    )


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


def _term_starts(compiled: _Compiled, found: list[tuple[int, int, int]]) -> list[int]:
    """The start of each match that is a term (not an allow-word), for a long list of matches."""
    import numpy as np

    flat = np.fromiter(itertools.chain.from_iterable(found), np.int64, 3 * len(found)).reshape(-1, 3)
    is_term = np.fromiter((p.entry >= 0 for p in compiled.patterns), bool, len(compiled.patterns))
    starts: list[int] = flat[is_term[flat[:, 0]], 1].tolist()
    return starts


def _breaks(text: str) -> list[int]:
    """The offsets of the line breaks of ``text``."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    found: list[int] = np.flatnonzero(codes == 10).tolist()
    return found


@cache
def _batch_table() -> dict[int, str | None]:
    """``scan_table`` that keeps line breaks (a batch of lines is translated in one go)."""
    table = dict(scan_table())
    table[ord("\n")] = "\n"
    return table
