"""Channels' hooks: a new workspace gets the default tag set and its service and selection channels; a new
show gets its preview, live and emergency channels; the demo gets a few messages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.comms import service
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock, clock_of
from livecrew.shows.public import ShowCreated


def on_workspace_created(db: Session, clock: Clock, workspace: Workspace) -> None:
    service.ensure_workspace_defaults(db, clock, workspace.id)


def on_show_created(db: Session, event: ShowCreated) -> None:
    service.ensure_show_channels(db, clock_of(db), event.workspace_id, event.show_id)


def on_demo_seed(db: Session, clock: Clock, workspace: Workspace) -> None:
    """Tonight's show's live channel gets the controller's first words (once)."""
    from livecrew.comms.models import Channel, Message

    service.ensure_workspace_defaults(db, clock, workspace.id)
    channel = db.scalar(
        select(Channel)
        .where(Channel.workspace_id == workspace.id, Channel.kind == "live")
        .order_by(Channel.id.desc())
        .limit(1)
    )
    if channel is None or db.scalar(select(Message.id).where(Message.channel_id == channel.id).limit(1)):
        return
    controller = db.scalar(select(User).where(User.workspace_id == workspace.id, User.email.like("control@%")).limit(1))
    service.post(
        db,
        clock,
        channel,
        text="@主播 今晚先講 A1 保濕面膜，庫存只有 80 組，記得提醒限量。",
        author=controller,
        tags=["庫存"],
    )
