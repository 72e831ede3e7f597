"""The optional go-live gate (off by default): the workspace's critical runbooks drilled within N days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.clock import clock_of
from livecrew.incidents import stats
from livecrew.incidents.runbooks import list_runbooks
from livecrew.incidents.triggers import settings_of
from livecrew.shows.public import gate_problem, make_gate_check


def _critical_drilled(db: Session, show: Any) -> list[Any]:
    settings = settings_of(db, show.workspace_id)
    if not settings.gate_enabled:
        return []
    since = clock_of(db).now() - timedelta(days=settings.gate_days)
    drilled = stats.last_drilled(db, show.workspace_id)
    problems = []
    for rb in list_runbooks(db, show.workspace_id):
        if not rb.critical:
            continue
        last = drilled.get(rb.key)
        if last is None or last < since:
            when = last.date().isoformat() if last else "never"
            problems.append(
                gate_problem(
                    "runbooks_drilled",
                    f'the critical runbook "{rb.key}" was not drilled in the last {settings.gate_days} days '
                    f"(last: {when}); run a drill in a rehearsal",
                    "gate.runbook_not_drilled",
                    {"runbook": rb.key, "days": settings.gate_days, "last": when},
                )
            )
    return problems


runbooks_drilled = make_gate_check("runbooks_drilled", _critical_drilled)
