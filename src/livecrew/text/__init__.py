"""The text engine: comment triage, compliance scanning and question cue cards (TEXT.md).

Public API (everything is pure, in memory and safe to call on the hot path of every comment):

* ``normalize(text) -> str`` and ``fold(text) -> str`` (``livecrew.text.normalize``): the character folding
  (full-width → half-width, upper → lower, Traditional → Simplified, Chinese / circled numerals → digits);
  ``fold`` keeps the length, ``normalize`` also drops noise characters.
* ``Lexicon.load(overrides=None)`` (``livecrew.text.compliance``): the shipped lexicon plus a workspace's
  overrides, given as plain data ``{"add": [{"term": "...", "category": "absolute", "severity": "warn",
  "reason": "..."}], "remove": ["term or entry id"], "allow": ["word"]}``; raises ``LexiconError`` (a
  ``ValueError``) naming the bad field. Build one per workspace and keep it: compiling takes ~30 ms.
* ``scan(text, profile="host"|"audience", lang="zh-Hant", lexicon=None) -> list[Hit]``; ``Hit`` has ``start``,
  ``end`` (offsets into ``text`` as given), ``term``, ``category``, ``severity``, ``reason`` and ``to_dict()``.
  ``Lexicon.scan(text, profile, lang)`` is the same with a workspace lexicon; ``Lexicon.scan_lines(lines, ...)``
  scans a batch with whole-batch passes (same results).
* ``lexicon_for(db, workspace_id) -> Lexicon`` (``livecrew.text.lexicon``): a workspace's effective lexicon, the
  shipped one with its versioned changes (``add_term``, ``remove_term``, ``allow_word``, ``unallow_word``,
  ``revert``) folded in order; compiled once per (workspace, version) and process.
* ``triage(text, hits=None, room=None, user=None, ts=None) -> Triage`` (``label``, ``topic``, ``why``,
  ``to_dict()``). Pass the audience ``hits`` if you scanned already, and a per-room ``Flood()`` with the user
  and the event's ``ts`` (ms) to turn repeated text into spam; ``explain=False`` skips the model's explanation.
  The model (``livecrew.text.model``) is a linear model over segmented words with negation scope, built by
  ``python -m livecrew.text.build`` from the generated set of ``livecrew.text.corpus``.
* ``triage_lines(lines, hits)`` (``livecrew.text.batch``): the verdicts of a whole batch in whole-batch passes,
  ``(label, topic)`` per line, the same as ``triage(line, hits=h, explain=False)`` line by line (the command line's
  path; ``livecrew.text.fastcli`` runs ``livecrew triage`` / ``scan`` on a file without the rest of livecrew).
* ``CueBoard()`` (``livecrew.text.cues``): ``add(text, label, topic, product_ref, ts)``, ``answer(card_id, ts)``,
  ``top(n)``, ``to_dict()``; in memory, the caller persists and publishes it.
"""

from __future__ import annotations

from livecrew.text.compliance import Hit, Lexicon, LexiconError, default_lexicon, scan
from livecrew.text.cues import Card, CueBoard
from livecrew.text.normalize import fold, normalize
from livecrew.text.triage import Flood, Triage, triage

__all__ = [
    "Card",
    "CueBoard",
    "Flood",
    "Hit",
    "Lexicon",
    "LexiconError",
    "Triage",
    "default_lexicon",
    "fold",
    "normalize",
    "scan",
    "triage",
]
