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
    from livecrew.shows.public import shows_info

    service.ensure_workspace_defaults(db, clock, workspace.id)
    live = list(db.scalars(select(Channel).where(Channel.workspace_id == workspace.id, Channel.kind == "live")))
    infos = shows_info(db, workspace.id, [c.show_id for c in live if c.show_id])
    ready = [c for c in live if c.show_id in infos and infos[c.show_id].status == "ready"]
    channel = ready[0] if ready else None
    if channel is None or db.scalar(
        select(Message.id).where(Message.channel_id == channel.id, Message.system.is_(False)).limit(1)
    ):
        return
    controller = db.scalar(select(User).where(User.workspace_id == workspace.id, User.email.like("control@%")).limit(1))
    service.post(
        db,
        clock,
        channel,
        text="@主播 開場先講 A1，庫存不多，記得提醒限量。",
        author=controller,
        tags=["庫存"],
    )
