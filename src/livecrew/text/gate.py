"""Go-live gate: the script passes compliance (no ``block`` hits with the ``host`` profile) in the run of
show, its talking points, and the lineup's product titles, selling points and prepared answers, checked with the
workspace's lexicon (shipped terms plus its own changes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.plugins import contributions
from livecrew.shows.public import Problem, Show, ShowStatus, gate_check
from livecrew.text.compliance import Hit
from livecrew.text.lexicon import lexicon_for


@dataclass(frozen=True)
class ScriptLine:
    where: str  # e.g. "segment 2", "A1 selling point"
    where_key: str
    params: dict[str, Any]
    text: str
    hits: list[Hit]


def script_lines(db: Session, show: Show, lang: str = "zh-Hant") -> list[ScriptLine]:
    """Every line of the show's script with its host-profile hits (lines without hits included)."""
    lexicon = lexicon_for(db, show.workspace_id)
    lines: list[tuple[str, str, dict[str, Any], str]] = []
    for n, seg in enumerate(show.segments, start=1):
        lines.append((f"segment {n} title", "scan.segment_title", {"n": n}, seg.title))
        for point in seg.talking_points or []:
            lines.append((f"segment {n} talking point", "scan.segment_point", {"n": n}, point))
    # Other features add their lines of the script (goods: the lineup's titles, selling points, answers).
    for source in contributions("text.script_lines"):
        lines.extend(source(db, show))
    return [ScriptLine(w, k, p, text, lexicon.scan(text, "host", lang)) for w, k, p, text in lines]


@gate_check("script_compliant", applies_to=(ShowStatus.ready, ShowStatus.live))
def script_compliant(db: Session, show: Show) -> list[Problem]:
    problems = []
    for line in script_lines(db, show):
        for hit in line.hits:
            if hit.severity != "block":
                continue
            problems.append(
                Problem(
                    "script_compliant",
                    f'{line.where}: "{line.text[hit.start : hit.end]}" ({hit.category}) must go: {hit.reason}',
                    "gate.script_hit",
                    {"where": line.where, "term": line.text[hit.start : hit.end], "reason": hit.reason},
                )
            )
    return problems
