"""The show templates livecrew ships (``data/templates.json``), copied into each new workspace."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from livecrew.web.i18n import pick

DATA = Path(__file__).parent / "data" / "templates.json"


@cache
def shipped_templates() -> list[dict[str, Any]]:
    if not DATA.exists():
        return []
    data = json.loads(DATA.read_text(encoding="utf-8"))
    templates: list[dict[str, Any]] = data["templates"] if isinstance(data, dict) else data
    return templates


def localise(template: dict[str, Any], language: str) -> dict[str, Any]:
    """A shipped template with every text in one language, in the shape ShowTemplate stores."""
    segments = []
    for seg in template.get("segments", []):
        perk = seg.get("perk")
        segments.append(
            {
                "key": seg["key"],
                "title": pick(seg["title"], language),
                "kind": seg.get("kind", "product"),
                "planned_minutes": int(seg["planned_minutes"]),
                "product_slot": seg.get("product_slot"),
                "perk": {"kind": perk["kind"], "note": pick(perk.get("note", ""), language)} if perk else None,
                "talking_points": [pick(p, language) for p in seg.get("talking_points", [])],
                "cue_role": seg.get("cue_role"),
            }
        )
    checklist = [
        {
            "key": item["key"],
            "role": item["role"],
            "due_minutes_before": int(item.get("due_minutes_before", 30)),
            "title": pick(item["title"], language),
            "detail": pick(item.get("detail", ""), language),
        }
        for item in template.get("checklist", [])
    ]
    return {
        "key": template["key"],
        "name": pick(template["name"], language),
        "description": pick(template.get("description", ""), language),
        "duration_minutes": int(template["duration_minutes"]),
        "required_roles": list(template.get("required_roles", [])),
        "default_targets": dict(template.get("default_targets", {})),
        "segments": segments,
        "checklist": checklist,
        "matrix": list(template.get("matrix", [])),
    }
