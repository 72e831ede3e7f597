"""API routes of team channels: channels, messages, tags, read markers and the host's screen state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from livecrew.comms import host, service
from livecrew.comms.schemas import ChannelIn, ChannelPatch, MessageIn, MessagePatch, PinIn, ReadIn, TagIn
from livecrew.core.auth.deps import Principal, require
from livecrew.core.auth.permissions import Action
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.web.render import translator

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1", tags=["channels"])

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Reader = Annotated[Principal, Depends(require(Action.comms_view))]
Poster = Annotated[Principal, Depends(require(Action.comms_post))]
Pinner = Annotated[Principal, Depends(require(Action.comms_pin))]
Manager = Annotated[Principal, Depends(require(Action.comms_manage))]
Moderator = Annotated[Principal, Depends(require(Action.comms_moderate))]
HostViewer = Annotated[Principal, Depends(require(Action.live_view))]


@router.get("/shows/{show_id}/channels", summary="The show's channels: preview, live, emergency")
def show_channels(show_id: str, request: Request, db: Db, principal: Reader) -> list[dict[str, Any]]:
    t = translator(request, principal)
    unread = service.unread_counts(db, principal.workspace.id, principal.user.id)
    return [
        service.channel_dict(c, t, unread=unread.get(c.id, 0))
        for c in service.show_channels(db, principal.workspace.id, show_id)
    ]


@router.get("/channels", summary="The workspace's channels and those of shows that have not ended, with unread counts")
def list_channels(request: Request, db: Db, principal: Reader) -> list[dict[str, Any]]:
    t = translator(request, principal)
    unread = service.unread_counts(db, principal.workspace.id, principal.user.id)
    return [
        service.channel_dict(c, t, unread=unread.get(c.id, 0), show_title=title)
        for c, title in service.visible_channels(db, principal.workspace.id)
    ]


@router.post("/channels", status_code=201, summary="A new workspace channel (e.g. 選品, 客服)")
def create_channel(body: ChannelIn, request: Request, db: Db, clock: Clk, principal: Manager) -> dict[str, Any]:
    channel = service.create_channel(db, clock, principal.workspace.id, body.name, actor=principal.user)
    return service.channel_dict(channel, translator(request, principal))


@router.patch("/channels/{channel_id}", summary="Rename or archive a workspace channel")
def patch_channel(channel_id: int, body: ChannelPatch, request: Request, db: Db, principal: Manager) -> dict[str, Any]:
    channel = service.get_channel(db, principal.workspace.id, channel_id)
    service.rename_channel(db, channel, name=body.name, archived=body.archived)
    return service.channel_dict(channel, translator(request, principal))


@router.post("/channels/{channel_id}/messages", status_code=201, summary="Post a message")
def post_message(channel_id: int, body: MessageIn, db: Db, clock: Clk, principal: Poster) -> dict[str, Any]:
    channel = service.get_channel(db, principal.workspace.id, channel_id)
    message = service.post(
        db,
        clock,
        channel,
        text=body.text,
        author=principal.user,
        tags=body.tags,
        reply_to=body.reply_to,
        severity=body.severity,
        mention_roles=body.mention_roles,
        mention_users=body.mention_users,
    )
    out = service.message_dict(db, message, author=principal.user)
    return out


@router.get("/channels/{channel_id}/messages", summary="Messages, newest last (filter by tag, mention, author, q)")
def list_messages(
    channel_id: int,
    db: Db,
    principal: Reader,
    tag: Annotated[str | None, Query(description="a tag key or label")] = None,
    mention: Annotated[str | None, Query(description="a role key, a person's id, or me")] = None,
    author: Annotated[str | None, Query(description="a person's id, me, or system")] = None,
    q: Annotated[str | None, Query(max_length=200, description="words to find (either script)")] = None,
    pinned: bool = False,
    before: int | None = None,
    after: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    channel = service.get_channel(db, principal.workspace.id, channel_id)
    me = principal.user.id
    messages = service.list_messages(
        db,
        channel,
        tag=tag or None,
        mention=me if mention == "me" else (mention or None),
        author=me if author == "me" else (author or None),
        q=q or None,
        pinned=pinned,
        before=before,
        after=after,
        limit=limit,
    )
    return service.messages_dicts(db, messages)


@router.patch("/messages/{message_id}", summary="Edit one's own message (within 5 minutes)")
def edit_message(message_id: int, body: MessagePatch, db: Db, clock: Clk, principal: Poster) -> dict[str, Any]:
    message = service.get_message(db, principal.workspace.id, message_id)
    service.edit(db, clock, message, text=body.text, tags=body.tags, actor=principal.user)
    out = service.message_dict(db, message)
    return out


@router.delete("/messages/{message_id}", status_code=204, summary="Delete a message (author or owner)")
def delete_message(message_id: int, db: Db, clock: Clk, principal: Poster) -> Response:
    message = service.get_message(db, principal.workspace.id, message_id)
    service.delete(db, clock, message, actor=principal.user, roles=principal.roles)
    return Response(status_code=204)


@router.post("/messages/{message_id}/pin", summary="Pin or unpin a message")
def pin_message(message_id: int, body: PinIn, db: Db, clock: Clk, principal: Pinner) -> dict[str, Any]:
    message = service.get_message(db, principal.workspace.id, message_id)
    service.pin(db, clock, message, pinned=body.pinned, actor=principal.user)
    out = service.message_dict(db, message)
    return out


@router.post("/messages/{message_id}/ack", summary="✓: the person a message mentions has seen it")
def ack_message(message_id: int, db: Db, clock: Clk, principal: Poster) -> dict[str, Any]:
    message = service.get_message(db, principal.workspace.id, message_id)
    service.acknowledge(db, clock, message, actor=principal.user)
    out = service.message_dict(db, message)
    return out


@router.get("/messages/{message_id}/audit", summary="What happened to a message: edits, pins, deletion")
def message_audit(message_id: int, db: Db, principal: Moderator) -> list[dict[str, Any]]:
    from livecrew.comms.models import Message

    message = db.get(Message, message_id)
    if message is None or message.workspace_id != principal.workspace.id:
        from livecrew.core.errors import NotFound

        raise NotFound(f"no message {message_id} in this workspace", key="comms.err.no_message")
    return [
        {"action": a.action, "actor": a.actor_id, "at": a.at.isoformat(), "detail": a.detail}
        for a in service.audit_trail(db, message)
    ]


@router.post("/channels/{channel_id}/read", summary="Move one's read marker (default: to the newest message)")
def mark_read(channel_id: int, db: Db, principal: Reader, body: ReadIn | None = None) -> dict[str, Any]:
    channel = service.get_channel(db, principal.workspace.id, channel_id)
    last = service.mark_read(db, principal.user, channel, body.upto if body else None)
    return {"channel": channel.id, "last_read": last}


@router.get("/comms/unread", summary="Unread messages per channel, and in total")
def unread(db: Db, principal: Reader) -> dict[str, Any]:
    counts = service.unread_counts(db, principal.workspace.id, principal.user.id)
    return {"total": sum(counts.values()), "channels": {str(k): v for k, v in counts.items()}}


@router.get("/comms/tags", summary="The workspace's tag set, labels in every language")
def list_tags(db: Db, principal: Reader) -> list[dict[str, Any]]:
    return [{"key": t.key, "labels": t.labels} for t in service.list_tags(db, principal.workspace.id)]


@router.post("/comms/tags", status_code=201, summary="Add a tag, or relabel one (by key)")
def save_tag(body: TagIn, db: Db, principal: Manager) -> dict[str, Any]:
    tag = service.save_tag(db, principal.workspace.id, body.key, body.labels)
    out = {"key": tag.key, "labels": tag.labels}
    return out


@router.delete("/comms/tags/{key}", status_code=204, summary="Retire a tag (old messages keep it)")
def archive_tag(key: str, db: Db, principal: Manager) -> Response:
    service.archive_tag(db, principal.workspace.id, key)
    return Response(status_code=204)


@router.get("/shows/{show_id}/host", summary="The host's screen: product, next segment, cue cards, messages, banner")
def host_screen(show_id: str, request: Request, db: Db, clock: Clk, principal: HostViewer) -> dict[str, Any]:
    return host.screen_state(db, clock, principal, show_id, translator(request, principal))
