"""Customer service's card on the home page (extension point ``web.home_card``): the queue, what is overdue,
and the reader's own and unassigned tickets first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.auth.deps import Principal
from livecrew.service import tickets

QUEUE_ROWS = 6


class _At:
    """The home page's instant as a clock (the queue's filters ask a clock for the time)."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


def queue_card(db: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    if "service" not in principal.roles:
        return []
    clock = _At(now)
    open_tickets = tickets.list_tickets(db, clock, principal.workspace.id, tickets.Filters(open_only=True))
    mine = principal.user.id

    def urgency(ticket: Any) -> tuple[int, int, float]:
        overdue = bool(tickets.is_overdue(ticket, now))
        left = tickets.due_in(ticket, now)
        own = ticket.assignee_id in (mine, None)
        return (0 if overdue else 1, 0 if own else 1, left.total_seconds() if left is not None else float("inf"))

    ordered = sorted(open_tickets, key=urgency)
    rows = [
        {"ticket": tk, "overdue": bool(tickets.is_overdue(tk, now)), "mine": tk.assignee_id == mine}
        for tk in ordered[:QUEUE_ROWS]
    ]
    return [
        {
            "id": "service-queue",
            "order": 10,
            "template": "service/_home_queue.html",
            "rows": rows,
            "open": len(open_tickets),
            "overdue": sum(1 for tk in open_tickets if tickets.is_overdue(tk, now)),
            "unassigned": sum(1 for tk in open_tickets if tk.assignee_id is None),
        }
    ]
