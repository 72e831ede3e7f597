"""Recurring problems: a product with N complaints, or N after-sales of one kind, within 7 days is flagged for
product selection (with the tickets linked) and listed for operations."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound
from livecrew.core.pubsub import publish_after_commit, workspace_channel
from livecrew.service import config
from livecrew.service.models import AFTER_SALES, ProblemFlag, Ticket

WINDOW = timedelta(days=7)
COUNTED = frozenset({"complaint", *AFTER_SALES})


def check_product(db: Session, clock: Clock, workspace_id: str, product: str, kind: str) -> ProblemFlag | None:
    """After a ticket about ``product``: flag it (or update its open flag) when the 7-day count reaches the
    workspace's threshold."""
    if kind not in COUNTED:
        return None
    now = clock.now()
    threshold = config.settings_for(db, workspace_id).problem_threshold
    ids = list(
        db.scalars(
            select(Ticket.id)
            .where(
                Ticket.workspace_id == workspace_id,
                Ticket.product == product,
                Ticket.kind == kind,
                Ticket.created_at > now - WINDOW,
            )
            .order_by(Ticket.id)
        ).all()
    )
    if len(ids) < threshold:
        return None
    flag = db.scalar(
        select(ProblemFlag).where(
            ProblemFlag.workspace_id == workspace_id,
            ProblemFlag.product == product,
            ProblemFlag.kind == kind,
            ProblemFlag.cleared_at.is_(None),
        )
    )
    if flag is None:
        flag = ProblemFlag(workspace_id=workspace_id, product=product, kind=kind, flagged_at=now, ticket_ids=[])
        db.add(flag)
        publish_after_commit(
            db,
            workspace_channel(workspace_id),
            {"kind": "service.product_flagged", "product": product, "ticket_kind": kind, "count": len(ids)},
        )
    flag.ticket_ids = sorted(set(flag.ticket_ids or []) | set(ids))
    flag.count = len(flag.ticket_ids)
    flag.updated_at = now
    db.flush()
    return flag


def open_flags(db: Session, workspace_id: str) -> list[ProblemFlag]:
    return list(
        db.scalars(
            select(ProblemFlag)
            .where(ProblemFlag.workspace_id == workspace_id, ProblemFlag.cleared_at.is_(None))
            .order_by(ProblemFlag.updated_at.desc(), ProblemFlag.id.desc())
        ).all()
    )


def clear_flag(db: Session, clock: Clock, workspace_id: str, flag_id: int, *, actor_id: str | None) -> ProblemFlag:
    flag = db.get(ProblemFlag, flag_id)
    if flag is None or flag.workspace_id != workspace_id:
        raise NotFound("no such flag in this workspace", key="err.service_flag")
    if flag.cleared_at is None:
        flag.cleared_at = clock.now()
        flag.cleared_by = actor_id
        db.flush()
    return flag
