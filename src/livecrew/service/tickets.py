"""Tickets: opening them from every source, the Zendesk-like states, replies and notes, SLA clocks, the queue.

Services flush, never commit. Live updates go to the workspace channel after the commit:
``service.ticket`` (a ticket was opened or changed) and ``service.sla_breached``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.core.clock import Clock
from livecrew.core.errors import Conflict, NotFound, ValidationFailed
from livecrew.core.events import emit
from livecrew.core.pubsub import publish_after_commit, workspace_channel
from livecrew.service import config
from livecrew.service.models import (
    OPEN_STATUSES,
    PAUSED_STATUSES,
    Priority,
    SlaBreach,
    Ticket,
    TicketEntry,
    TicketKind,
    TicketSource,
    TicketStatus,
)
from livecrew.service.public import SlaBreached

KINDS = tuple(k.value for k in TicketKind)
STATUSES = tuple(s.value for s in TicketStatus)
PRIORITIES = tuple(p.value for p in Priority)
CLOCKS = ("first_reply", "next_reply", "resolution")
MAX_TEXT = 4000

# Which status may follow which (a closed ticket is final; a solved one may be reopened or closed).
_NEXT: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending", "on_hold", "solved"}),
    "open": frozenset({"pending", "on_hold", "solved"}),
    "pending": frozenset({"open", "on_hold", "solved"}),
    "on_hold": frozenset({"open", "pending", "solved"}),
    "solved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}


def next_statuses(status: str) -> list[str]:
    """The statuses a ticket in ``status`` may move to."""
    return sorted(_NEXT.get(status, frozenset()))


class ReplyFlagged(Conflict):
    """A reply holds wording the compliance scanner flags; it is sent only when the sender confirms."""

    code = "flagged"


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationFailed(
            f'unknown ticket kind "{kind}"; use one of: {", ".join(KINDS)}',
            key="err.service_kind",
            params={"kind": kind},
        )
    return kind


def _check_text(text: str, what: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(f"the {what} is empty", key="err.service_empty")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"the {what} is longer than {MAX_TEXT} characters", key="err.service_long")
    return text


def _announce(db: Session, ticket: Ticket, change: str) -> None:
    publish_after_commit(
        db,
        workspace_channel(ticket.workspace_id),
        {
            "kind": "service.ticket",
            "change": change,
            "ticket": {
                "id": ticket.id,
                "kind": ticket.kind,
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee_id": ticket.assignee_id,
                "show_id": ticket.show_id,
            },
        },
    )


def _entry(
    db: Session, ticket: Ticket, kind: str, at: datetime, *, author_id: str | None = None, body: str = "", **data: Any
) -> TicketEntry:
    entry = TicketEntry(ticket_id=ticket.id, kind=kind, author_id=author_id, body=body, data=data, at=at)
    db.add(entry)
    return entry


@dataclass(frozen=True)
class NewTicket:
    kind: str
    customer: str
    text: str
    nickname: str = ""
    priority: str = "normal"
    show_id: str | None = None
    product: str | None = None
    order_ref: str | None = None
    amount: int = 0
    source: str = TicketSource.manual.value
    source_ref: str | None = None
    assignee_id: str | None = None
    rating: int | None = None


def open_ticket(db: Session, clock: Clock, workspace_id: str, new: NewTicket, *, actor_id: str | None = None) -> Ticket:
    """Open a ticket: checked, its SLA clocks started, assigned round-robin unless an assignee is given."""
    from livecrew.shows.public import show_info
    from livecrew.text.public import triage_comment

    check_kind(new.kind)
    customer = (new.customer or "").strip()
    if not customer:
        raise ValidationFailed("say who the customer is (their platform user id)", key="err.service_customer")
    if len(customer) > 200:
        raise ValidationFailed("the customer id is longer than 200 characters", key="err.service_long")
    text = _check_text(new.text)
    if new.priority not in PRIORITIES:
        raise ValidationFailed(
            f'unknown priority "{new.priority}"; use one of: {", ".join(PRIORITIES)}', key="err.service_priority"
        )
    if new.show_id and show_info(db, workspace_id, new.show_id) is None:
        raise NotFound(f"no show {new.show_id} in this workspace", key="err.service_show")
    if new.amount < 0:
        raise ValidationFailed("the amount cannot be negative", key="err.service_amount")
    if new.assignee_id:
        _check_person(db, workspace_id, new.assignee_id)
    s = config.settings_for(db, workspace_id)
    hours = s.hours
    now = clock.now()
    verdict = triage_comment(text)
    ticket = Ticket(
        workspace_id=workspace_id,
        kind=new.kind,
        status=TicketStatus.new.value,
        priority=new.priority,
        source=new.source,
        source_ref=new.source_ref,
        customer=customer,
        nickname=(new.nickname or "").strip()[:120],
        text=text,
        topic=verdict.topic,
        show_id=new.show_id or None,
        product=(new.product or "").strip()[:120] or None,
        order_ref=(new.order_ref or "").strip()[:200] or None,
        amount=new.amount,
        created_by=actor_id,
        created_at=now,
        updated_at=now,
        first_reply_due=hours.add(now, s.first_reply_minutes * 60),
        resolution_due=hours.add(now, s.resolution_hours[new.kind] * 3600),
        awaiting_since=now,
        paused={},
    )
    ticket.assignee_id = new.assignee_id or config.next_agent(db, clock, workspace_id)
    db.add(ticket)
    db.flush()
    _entry(db, ticket, "created", now, author_id=actor_id, body=text, source=new.source)
    if ticket.assignee_id:
        _entry(
            db,
            ticket,
            "assign",
            now,
            author_id=actor_id,
            to=ticket.assignee_id,
            how="round_robin" if not new.assignee_id else "manual",
        )
    if new.rating is not None:
        _rate(db, clock, ticket, new.rating)
    db.flush()
    _announce(db, ticket, "opened")
    if ticket.product:
        from livecrew.service.problems import check_product

        check_product(db, clock, workspace_id, ticket.product, ticket.kind)
    return ticket


def _check_person(db: Session, workspace_id: str, user_id: str) -> User:
    user = db.get(User, user_id)
    if user is None or user.workspace_id != workspace_id or not user.active:
        raise ValidationFailed("that person is not an active member of this workspace", key="err.service_person")
    return user


def get_ticket(db: Session, workspace_id: str, ticket_id: int, *, lock: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id, Ticket.workspace_id == workspace_id)
    if lock:
        stmt = stmt.with_for_update()
    ticket = db.scalar(stmt)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id} in this workspace", key="err.service_ticket")
    return ticket


def entries(db: Session, ticket: Ticket) -> list[TicketEntry]:
    return list(
        db.scalars(select(TicketEntry).where(TicketEntry.ticket_id == ticket.id).order_by(TicketEntry.id)).all()
    )


# ---------------------------------------------------------------- states and clocks


def _running_dues(ticket: Ticket) -> dict[str, datetime]:
    dues: dict[str, datetime] = {}
    if ticket.first_replied_at is None and ticket.first_reply_due is not None:
        dues["first_reply"] = ticket.first_reply_due
    if ticket.next_reply_due is not None:
        dues["next_reply"] = ticket.next_reply_due
    if ticket.solved_at is None and ticket.resolution_due is not None:
        dues["resolution"] = ticket.resolution_due
    return dues


def _resume(db: Session, ticket: Ticket, now: datetime) -> None:
    """Leaving pending / on-hold: each clock still running gets back the service time it had left."""
    if ticket.paused_at is None:
        return
    hours = config.settings_for(db, ticket.workspace_id).hours
    paused_at = ticket.paused_at
    for clock_name, due in _running_dues(ticket).items():
        if due > paused_at:
            left = hours.between(paused_at, due)
            setattr(ticket, f"{clock_name}_due", hours.add(now, left))
    ticket.paused_at = None


def transition(db: Session, clock: Clock, ticket: Ticket, to: str, *, actor_id: str | None = None) -> Ticket:
    if to not in STATUSES:
        raise ValidationFailed(
            f'unknown status "{to}"; use one of: {", ".join(STATUSES)}', key="err.service_status", params={"to": to}
        )
    if to == ticket.status:
        return ticket
    if to not in _NEXT[ticket.status]:
        raise Conflict(
            f"a {ticket.status} ticket cannot become {to}",
            key="err.service_transition",
            params={"from": ticket.status, "to": to},
        )
    now = clock.now()
    before = ticket.status
    if to in PAUSED_STATUSES and ticket.paused_at is None:
        ticket.paused_at = now
    elif to not in PAUSED_STATUSES:
        _resume(db, ticket, now)
    if to == TicketStatus.solved.value:
        ticket.solved_at = now
        ticket.next_reply_due = None
    elif to == TicketStatus.open.value and before == TicketStatus.solved.value:
        ticket.solved_at = None
    if to == TicketStatus.closed.value:
        ticket.closed_at = now
    ticket.status = to
    ticket.updated_at = now
    _entry(db, ticket, "status", now, author_id=actor_id, **{"from": before, "to": to})
    db.flush()
    _announce(db, ticket, "status")
    return ticket


def assign(db: Session, clock: Clock, ticket: Ticket, user_id: str | None, *, actor_id: str | None = None) -> Ticket:
    if user_id:
        _check_person(db, ticket.workspace_id, user_id)
    if ticket.status == TicketStatus.closed.value:
        raise Conflict("a closed ticket cannot be reassigned", key="err.service_closed")
    now = clock.now()
    ticket.assignee_id = user_id or None
    ticket.updated_at = now
    _entry(db, ticket, "assign", now, author_id=actor_id, to=user_id, how="manual")
    db.flush()
    _announce(db, ticket, "assigned")
    return ticket


def reply(
    db: Session,
    clock: Clock,
    ticket: Ticket,
    text: str,
    *,
    actor_id: str | None,
    internal: bool = False,
    confirm: bool = False,
    template: str | None = None,
    then: str | None = None,
) -> TicketEntry:
    """A public reply (checked by the compliance scanner; flagged wording needs ``confirm``) or an internal note.

    A public reply stops the first-reply clock (and the next-reply clock), and a new ticket becomes open
    (or ``then``: pending, on_hold, solved).
    """
    from livecrew.text.public import scan_reply

    text = _check_text(text, "reply")
    if ticket.status == TicketStatus.closed.value:
        raise Conflict("the ticket is closed; open a new one", key="err.service_closed")
    now = clock.now()
    if internal:
        entry = _entry(db, ticket, "note", now, author_id=actor_id, body=text)
        ticket.updated_at = now
        db.flush()
        return entry
    hits = scan_reply(db, ticket.workspace_id, text)
    if hits and not confirm:
        terms = "、".join(dict.fromkeys(h["term"] for h in hits))
        raise ReplyFlagged(
            f"the reply holds wording the compliance check flags ({terms}); change it, or send it again confirming",
            details={"hits": hits},
            key="err.service_flagged",
            params={"terms": terms},
        )
    hours = config.settings_for(db, ticket.workspace_id).hours
    data: dict[str, Any] = {}
    if hits:
        data["hits"] = hits
        data["confirmed"] = True
    if template:
        data["template"] = template
    if ticket.awaiting_since is not None:
        data["response_seconds"] = int(hours.between(ticket.awaiting_since, now))
    if ticket.first_replied_at is None:
        ticket.first_replied_at = now
        ticket.first_reply_seconds = int(hours.between(ticket.created_at, now))
        data["first"] = True
    ticket.next_reply_due = None
    ticket.awaiting_since = None
    ticket.updated_at = now
    entry = _entry(db, ticket, "reply", now, author_id=actor_id, body=text, **data)
    db.flush()
    target = then or (TicketStatus.open.value if ticket.status in ("new", "pending", "on_hold") else None)
    if target and target != ticket.status:
        transition(db, clock, ticket, target, actor_id=actor_id)
    else:
        _announce(db, ticket, "replied")
    return entry


def customer_message(db: Session, clock: Clock, ticket: Ticket, text: str) -> TicketEntry:
    """The customer wrote again: the ticket (re)opens and the next-reply clock starts."""
    text = _check_text(text, "message")
    if ticket.status == TicketStatus.closed.value:
        raise Conflict("the ticket is closed; open a new one", key="err.service_closed")
    now = clock.now()
    entry = _entry(db, ticket, "customer", now, body=text)
    if ticket.status in ("pending", "solved"):
        transition(db, clock, ticket, TicketStatus.open.value)
    s = config.settings_for(db, ticket.workspace_id)
    if ticket.awaiting_since is None:
        ticket.awaiting_since = now
    if ticket.first_replied_at is not None and ticket.next_reply_due is None:
        ticket.next_reply_due = s.hours.add(now, s.next_reply_minutes * 60)
        if ticket.paused_at is not None:  # still on hold: the clock waits with the others
            ticket.next_reply_due = s.hours.add(ticket.paused_at, s.next_reply_minutes * 60)
    ticket.updated_at = now
    db.flush()
    _announce(db, ticket, "customer")
    return entry


def _rate(db: Session, clock: Clock, ticket: Ticket, rating: int) -> None:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed("a rating is a whole number from 1 to 5", key="err.service_rating")
    now = clock.now()
    ticket.rating, ticket.rated_at = rating, now
    _entry(db, ticket, "rating", now, rating=rating)


def rate(db: Session, clock: Clock, ticket: Ticket, rating: int) -> Ticket:
    """The customer's satisfaction rating, as the platform reports it (1 = very dissatisfied .. 5)."""
    _rate(db, clock, ticket, rating)
    db.flush()
    _announce(db, ticket, "rated")
    return ticket


def check_breaches(db: Session, clock: Clock, workspace_id: str | None = None) -> list[SlaBreach]:
    """Record each clock that ran out on a ticket still waiting (not paused, not solved); emits ``SlaBreached``."""
    now = clock.now()
    stmt = select(Ticket).where(
        Ticket.status.in_(("new", "open")),
        or_(Ticket.first_reply_due <= now, Ticket.next_reply_due <= now, Ticket.resolution_due <= now),
    )
    if workspace_id is not None:
        stmt = stmt.where(Ticket.workspace_id == workspace_id)
    found: list[SlaBreach] = []
    for ticket in db.scalars(stmt).all():
        for clock_name, due in _running_dues(ticket).items():
            if due > now:
                continue
            known = db.scalar(
                select(SlaBreach.id).where(
                    SlaBreach.ticket_id == ticket.id, SlaBreach.clock == clock_name, SlaBreach.due_at == due
                )
            )
            if known is not None:
                continue
            breach = SlaBreach(
                workspace_id=ticket.workspace_id, ticket_id=ticket.id, clock=clock_name, due_at=due, at=now
            )
            db.add(breach)
            _entry(db, ticket, "breach", now, clock=clock_name, due=due.isoformat())
            db.flush()
            found.append(breach)
            emit(
                db,
                SlaBreached(
                    workspace_id=ticket.workspace_id,
                    ticket_id=ticket.id,
                    kind=ticket.kind,
                    clock=clock_name,
                    customer=ticket.nickname or ticket.customer,
                    show_id=ticket.show_id,
                    assignee_id=ticket.assignee_id,
                ),
            )
            publish_after_commit(
                db,
                workspace_channel(ticket.workspace_id),
                {
                    "kind": "service.sla_breached",
                    "ticket_id": ticket.id,
                    "clock": clock_name,
                    "due": due.isoformat(),
                    "assignee_id": ticket.assignee_id,
                },
            )
    return found


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True)
class Filters:
    status: tuple[str, ...] = ()
    kind: str | None = None
    assignee_id: str | None = None
    unassigned: bool = False
    breaching: bool = False
    product: str | None = None
    show_id: str | None = None
    customer: str | None = None
    open_only: bool = False


def _filtered(workspace_id: str, f: Filters, now: datetime) -> Select[Ticket]:
    stmt = select(Ticket).where(Ticket.workspace_id == workspace_id)
    for status in f.status:
        if status not in STATUSES:
            raise ValidationFailed(
                f'unknown status "{status}"; use one of: {", ".join(STATUSES)}',
                key="err.service_status",
                params={"to": status},
            )
    if f.status:
        stmt = stmt.where(Ticket.status.in_(f.status))
    elif f.open_only:
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES))
    if f.kind:
        stmt = stmt.where(Ticket.kind == check_kind(f.kind))
    if f.assignee_id:
        stmt = stmt.where(Ticket.assignee_id == f.assignee_id)
    if f.unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if f.product:
        stmt = stmt.where(Ticket.product == f.product)
    if f.show_id:
        stmt = stmt.where(Ticket.show_id == f.show_id)
    if f.customer:
        stmt = stmt.where(Ticket.customer == f.customer)
    if f.breaching:
        overdue = or_(
            (Ticket.first_replied_at.is_(None)) & (Ticket.first_reply_due <= now),
            Ticket.next_reply_due <= now,
            (Ticket.solved_at.is_(None)) & (Ticket.resolution_due <= now),
        )
        breached = exists().where(SlaBreach.ticket_id == Ticket.id)
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES), or_(overdue, breached))
    return stmt


def list_tickets(db: Session, clock: Clock, workspace_id: str, f: Filters, *, limit: int = 200) -> list[Ticket]:
    stmt = _filtered(workspace_id, f, clock.now()).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    return list(db.scalars(stmt).all())


def counts(db: Session, workspace_id: str) -> dict[str, int]:
    rows = db.execute(
        select(Ticket.status, func.count()).where(Ticket.workspace_id == workspace_id).group_by(Ticket.status)
    ).all()
    return {status: int(n) for status, n in rows}


def breaches_of(db: Session, ticket: Ticket) -> list[SlaBreach]:
    return list(db.scalars(select(SlaBreach).where(SlaBreach.ticket_id == ticket.id).order_by(SlaBreach.id)).all())


def is_overdue(ticket: Ticket, now: datetime) -> list[str]:
    """The clocks of a waiting ticket that ran out (none while paused or solved)."""
    if ticket.status not in ("new", "open"):
        return []
    return [name for name, due in _running_dues(ticket).items() if due <= now]


def due_in(ticket: Ticket, now: datetime) -> timedelta | None:
    """Time left on the soonest running clock (negative when overdue), None when no clock runs."""
    if ticket.status not in ("new", "open"):
        return None
    dues = _running_dues(ticket)
    return min(dues.values()) - now if dues else None
