"""Console pages: the channels page (list with unread counts, messages, composer, filters, search, live
updates) and the host's screen (主播屏)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livecrew.comms import host, service
from livecrew.comms.models import Channel
from livecrew.core.auth.deps import Principal, require_web, verify_csrf
from livecrew.core.auth.permissions import Action
from livecrew.core.auth.roles import ROLE_NAMES, Role
from livecrew.core.clock import Clock
from livecrew.core.deps import UnitOfWorkRoute, get_clock, get_db
from livecrew.core.errors import DomainError
from livecrew.web.render import error_text, form_failed, render, translator

router = APIRouter(route_class=UnitOfWorkRoute, dependencies=[Depends(verify_csrf)], include_in_schema=False)

Db = Annotated[Session, Depends(get_db)]
Clk = Annotated[Clock, Depends(get_clock)]
Reader = Annotated[Principal, Depends(require_web(Action.comms_view))]
Poster = Annotated[Principal, Depends(require_web(Action.comms_post))]
Manager = Annotated[Principal, Depends(require_web(Action.comms_manage))]
HostViewer = Annotated[Principal, Depends(require_web(Action.live_view))]


def _people(db: Session, workspace_id: str) -> list[dict[str, str]]:
    from sqlalchemy import select

    from livecrew.core.auth.models import User

    rows = db.execute(
        select(User.id, User.display_name)
        .where(User.workspace_id == workspace_id, User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    return [{"id": uid, "name": name} for uid, name in rows]


def _clock_of(principal: Principal) -> Callable[[str], str]:
    """An ISO time as the workspace's local wall-clock time (HH:MM)."""
    tz = ZoneInfo(principal.viewer.timezone)

    def clock(iso: str) -> str:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%H:%M")

    return clock


def _channels_page(
    request: Request,
    db: Session,
    principal: Principal,
    channel_id: int | None,
    filters: dict[str, str],
    *,
    error: str | None = None,
    draft: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    t = translator(request, principal)
    ws = principal.workspace.id
    unread = service.unread_counts(db, ws, principal.user.id)
    listed = service.visible_channels(db, ws)
    channels = [service.channel_dict(c, t, unread=unread.get(c.id, 0), show_title=title) for c, title in listed]
    groups: list[dict[str, Any]] = []
    for item in channels:
        if item["show"] and (not groups or groups[-1]["show"] != item["show"]):
            groups.append({"show": item["show"], "title": item["show_title"], "channels": [], "unread": 0})
        if item["show"]:
            groups[-1]["channels"].append(item)
            groups[-1]["unread"] += item["unread"]
    if channel_id is not None:
        current: Channel | None = service.get_channel(db, ws, channel_id)
    else:  # a live show's live channel first, else the first channel
        live = [c for c, title in listed if c.kind == "live"]
        current = live[0] if live else (listed[0][0] if listed else None)
    messages: list[dict[str, Any]] = []
    pinned: list[dict[str, Any]] = []
    if current is not None:
        me = principal.user.id
        mention = filters.get("mention") or None
        author = filters.get("author") or None
        found = service.list_messages(
            db,
            current,
            tag=filters.get("tag") or None,
            mention=me if mention == "me" else mention,
            author=me if author == "me" else author,
            q=filters.get("q") or None,
        )
        messages = service.messages_dicts(db, found)
        pinned = service.messages_dicts(db, service.list_messages(db, current, pinned=True, limit=20))
    tags = service.list_tags(db, ws)
    current_dict = next((c for c in channels if current is not None and c["id"] == current.id), None)
    if current is not None and current_dict is None:  # an ended show's channel, reached by its address
        current_dict = service.channel_dict(current, t)
    return render(
        request,
        "comms/channels.html",
        {
            "channels": channels,
            "workspace_channels": [c for c in channels if not c["show"]],
            "groups": groups,
            "clock_of": _clock_of(principal),
            "current": current_dict,
            "messages": messages,
            "pinned": pinned,
            "tags": [{"key": tag.key, "label": service.tag_label(tag, t), "labels": tag.labels} for tag in tags],
            "tag_labels": {tag.key: service.tag_label(tag, t) for tag in service.list_tags(db, ws, archived=True)},
            "people": _people(db, ws),
            "roles": [{"key": r.value, "name": t.pick(ROLE_NAMES[r])} for r in Role],
            "filters": filters,
            "draft": draft,
            "error": error,
            "can_post": principal.can(Action.comms_post),
            "can_pin": principal.can(Action.comms_pin),
            "can_manage": principal.can(Action.comms_manage),
            "can_moderate": principal.can(Action.comms_moderate),
        },
        status_code=status_code,
        active_nav="channels",
    )


@router.get("/channels", response_class=HTMLResponse)
def channels_page(
    request: Request,
    db: Db,
    principal: Reader,
    c: int | None = None,
    tag: str = "",
    q: str = "",
    mention: str = "",
    author: str = "",
) -> HTMLResponse:
    filters = {"tag": tag, "q": q, "mention": mention, "author": author}
    try:
        return _channels_page(request, db, principal, c, filters)
    except DomainError as exc:
        if c is not None and exc.status_code == 404:
            raise
        return _channels_page(request, db, principal, None, {}, error=error_text(request, exc))


@router.post("/channels/{channel_id}/post", response_class=HTMLResponse)
def post_form(
    channel_id: int,
    request: Request,
    db: Db,
    clock: Clk,
    principal: Poster,
    text: Annotated[str, Form()] = "",
    tags: Annotated[list[str] | None, Form()] = None,
    reply_to: Annotated[str, Form()] = "",
) -> Response:
    """The composer without JavaScript: post, then back to the channel."""
    channel = service.get_channel(db, principal.workspace.id, channel_id)
    try:
        service.post(
            db,
            clock,
            channel,
            text=text,
            author=principal.user,
            tags=[x for x in tags or [] if x],
            reply_to=int(reply_to) if reply_to.strip().isdigit() else None,
        )
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            error = error
            return _channels_page(request, db, principal, channel_id, {}, error=error, draft=text, status_code=422)

        return form_failed(request, db, exc, again)
    return RedirectResponse(f"/channels?c={channel_id}", status_code=303)


@router.post("/channels/new", response_class=HTMLResponse)
def new_channel(
    request: Request, db: Db, clock: Clk, principal: Manager, name: Annotated[str, Form()] = ""
) -> Response:
    try:
        channel = service.create_channel(db, clock, principal.workspace.id, name, actor=principal.user)
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _channels_page(request, db, principal, None, {}, error=error, status_code=422)

        return form_failed(request, db, exc, again)
    return RedirectResponse(f"/channels?c={channel.id}", status_code=303)


@router.post("/channels/tags", response_class=HTMLResponse)
def save_tag(
    request: Request,
    db: Db,
    principal: Manager,
    zh_hant: Annotated[str, Form(alias="zh-Hant")] = "",
    zh_hans: Annotated[str, Form(alias="zh-Hans")] = "",
    en: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.save_tag(db, principal.workspace.id, key or None, {"zh-Hant": zh_hant, "zh-Hans": zh_hans, "en": en})
    except DomainError as exc:

        def again(error: str, status: int) -> Response:
            return _channels_page(request, db, principal, None, {}, error=error, status_code=422)

        return form_failed(request, db, exc, again)
    return RedirectResponse("/channels?ok=tag_saved", status_code=303)


@router.get("/shows/{show_id}/host", response_class=HTMLResponse)
def host_page(show_id: str, request: Request, db: Db, clock: Clk, principal: HostViewer) -> HTMLResponse:
    t = translator(request, principal)
    state = host.screen_state(db, clock, principal, show_id, t)
    tags = service.list_tags(db, principal.workspace.id, archived=True)
    return render(
        request,
        "comms/host.html",
        {
            "state": state,
            "tag_labels": {tag.key: service.tag_label(tag, t) for tag in tags},
            "can_ack": principal.can(Action.comms_post),
        },
        active_nav="live",
    )
