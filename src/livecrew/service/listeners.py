"""After each ingest batch, in its transaction: complaint-labelled comments open tickets (when the workspace
turned that on), and each refunded order opens one after-sales case (its amount adds up over refunds)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.service.models import ServiceSettings, Ticket, TicketSource
from livecrew.service.tickets import NewTicket, open_ticket


def on_events(db: Session, clock: Clock, show: Any, events: Iterable[Any]) -> None:
    comments = []
    refunds = []
    for event in events:
        if event.type == "comment" and event.user:
            comments.append(event)
        elif event.type == "refund" and event.order:
            refunds.append(event)
    if not comments and not refunds:
        return
    row = db.get(ServiceSettings, show.workspace_id)  # one primary-key read per batch (the defaults: none)
    if comments and row is not None and row.auto_complaints:
        _complaints(db, clock, show, comments)
    if refunds and (row is None or row.refund_tickets):
        _refunds(db, clock, show, refunds)


def _complaints(db: Session, clock: Clock, show: Any, comments: list[Any]) -> None:
    from livecrew.live.public import explaining_now
    from livecrew.text.public import triage_comment

    explaining: str | None = None
    looked = False
    for event in comments:
        if triage_comment(event.text or "").label != "complaint":
            continue
        ref = f"{show.id}:{event.id}"
        if db.scalar(select(Ticket.id).where(Ticket.workspace_id == show.workspace_id, Ticket.source_ref == ref)):
            continue
        if not looked:
            explaining, looked = explaining_now(db, show.id), True
        open_ticket(
            db,
            clock,
            show.workspace_id,
            NewTicket(
                kind="complaint",
                customer=event.user,
                text=(event.text or "").strip() or "—",
                show_id=show.id,
                product=explaining,
                priority="high",
                source=TicketSource.auto.value,
                source_ref=ref,
            ),
        )


def _refunds(db: Session, clock: Clock, show: Any, refunds: list[Any]) -> None:
    from livecrew.live.public import events_of

    users = {e.user for e in refunds if e.user}
    orders: dict[str, dict[str, Any]] = {}
    for logged in events_of(db, show.id, ("order", "pay"), users=users):
        ref = logged.body.get("order")
        if ref is not None:
            info = orders.setdefault(str(ref), {})
            for key in ("product", "amount"):
                if logged.body.get(key) is not None and key not in info:
                    info[key] = logged.body[key]
    for event in refunds:
        ref = f"refund:{show.id}:{event.order}"
        ticket = db.scalar(select(Ticket).where(Ticket.workspace_id == show.workspace_id, Ticket.source_ref == ref))
        if ticket is not None:
            ticket.amount += int(event.amount or 0)
            ticket.updated_at = clock.now()
            continue
        info = orders.get(str(event.order), {})
        open_ticket(
            db,
            clock,
            show.workspace_id,
            NewTicket(
                kind="refund",
                customer=event.user or "—",
                text=f"退款 {event.order}",
                show_id=show.id,
                product=str(info["product"]) if info.get("product") is not None else None,
                order_ref=str(event.order),
                amount=int(event.amount or 0),
                source=TicketSource.refund.value,
                source_ref=ref,
            ),
        )
    db.flush()
