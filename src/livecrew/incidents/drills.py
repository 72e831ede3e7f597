"""Drills: play the simulator into a rehearsal with an injected incident; the alert it raises opens a drill run
(see ``triggers``: a run opened while the show rehearses is a drill), scored like a real one."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.errors import Conflict, ValidationFailed
from livecrew.incidents import service, triggers

# The simulator's injected incidents and the signal each one raises.
INJECTED_SIGNALS = {
    "silence": "feed_silent",
    "storm": "complaint_wave",
    "compliance": "speech_compliance",
    "stockout": "oversold",
}
MAX_MINUTES = 240


def plan_drill(db: Session, workspace: Workspace, show_id: str, incident: str, minutes: int) -> dict[str, Any]:
    """Check a drill may run (a rehearsing show, a known injection); say which runbook it should open."""
    show = service.show_of(db, workspace, show_id)
    if show.status != "rehearsing":
        raise Conflict(
            f'a drill plays the simulator into a rehearsal; this show is "{show.status}". Move it to "rehearsing" '
            "first (a drill never runs on a live show)",
            key="err.drill_on_live",
            params={"status": show.status},
        )
    kind = incident.partition("@")[0]
    if kind not in INJECTED_SIGNALS:
        raise ValidationFailed(
            f"the injected incident is KIND@MINUTE[+SECONDS] with KIND one of {', '.join(INJECTED_SIGNALS)} "
            f'(got "{incident}")',
            key="err.drill_incident",
        )
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationFailed(
            f"a drill lasts 1 to {MAX_MINUTES} minutes", key="err.drill_minutes", params={"max": MAX_MINUTES}
        )
    signal = INJECTED_SIGNALS[kind]
    return {
        "show_id": show_id,
        "incident": incident,
        "minutes": minutes,
        "signal": signal,
        "runbook": triggers.triggers_of(db, workspace.id).get(signal) or None,
    }


def start_drill(app: Any, plan: dict[str, Any], speed: float) -> None:
    from livecrew.live.public import start_simulation

    try:
        start_simulation(app, plan["show_id"], minutes=plan["minutes"], speed=speed, incidents=(plan["incident"],))
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="err.drill_incident") from None
