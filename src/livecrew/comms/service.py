"""Team channels: a show's three channels, the workspace's own, tags, messages, mentions, read markers.

Services flush, never commit. Every stored message (system messages too) emits ``MessagePosted`` in the
same transaction and is published to the browsers after the commit (``comms.message``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from livecrew.comms.models import (
    SHOW_KINDS,
    AuditEntry,
    Channel,
    ChannelKind,
    Mention,
    Message,
    MessageTag,
    ReadMarker,
    Tag,
    roles_field,
)
from livecrew.comms.public import MessagePosted
from livecrew.core.auth.models import User, UserRole, Workspace
from livecrew.core.auth.roles import ROLE_NAMES, Role
from livecrew.core.clock import Clock, to_ms
from livecrew.core.config import LANGUAGES
from livecrew.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from livecrew.core.events import emit
from livecrew.core.pubsub import publish_after_commit, show_channel, workspace_channel
from livecrew.shows import public as shows
from livecrew.text.public import fold_for_search
from livecrew.web.i18n import Translator

EDIT_WINDOW = timedelta(minutes=5)
MAX_TEXT = 4000
MAX_TAGS = 6
SEVERITIES = ("info", "warning", "critical")
# Shows in these states keep their channels in the unread counts (ended shows stop nagging).
ACTIVE_SHOW_STATES = frozenset({"planned", "rehearsing", "ready", "live"})

# The tag set a workspace starts with (key → label per language); owners and operations edit it.
DEFAULT_TAGS: tuple[tuple[str, dict[str, str]], ...] = (
    ("product", {"zh-Hant": "產品問題", "zh-Hans": "产品问题", "en": "Product issue"}),
    ("order", {"zh-Hant": "訂單處理", "zh-Hans": "订单处理", "en": "Orders"}),
    ("tech", {"zh-Hant": "技術故障", "zh-Hans": "技术故障", "en": "Tech fault"}),
    ("stock", {"zh-Hant": "庫存", "zh-Hans": "库存", "en": "Stock"}),
    ("complaint", {"zh-Hant": "客訴", "zh-Hans": "客诉", "en": "Complaint"}),
    ("compliance", {"zh-Hant": "合規", "zh-Hans": "合规", "en": "Compliance"}),
)
# The workspace channels every workspace starts with (their names come from the catalogs).
DEFAULT_WORKSPACE_CHANNELS = ("service", "selection")


# ------------------------------------------------------------------ channels


def show_channel_key(show_id: str, kind: str) -> str:
    return f"{show_id}:{kind}"


def channel_name(channel: Channel, t: Translator) -> str:
    """The channel's own name, or its default name in the reader's language."""
    if channel.name:
        return channel.name
    default = channel.kind if channel.show_id else channel.key
    text = t(f"comms.channel.{default}")
    return channel.key if text == f"comms.channel.{default}" else text


def ensure_show_channels(db: Session, clock: Clock, workspace_id: str, show_id: str) -> list[Channel]:
    """The show's preview, live and emergency channels, made if missing."""
    have = {
        c.kind: c
        for c in db.scalars(select(Channel).where(Channel.workspace_id == workspace_id, Channel.show_id == show_id))
    }
    for kind in SHOW_KINDS:
        if kind.value not in have:
            have[kind.value] = Channel(
                workspace_id=workspace_id,
                show_id=show_id,
                kind=kind.value,
                key=show_channel_key(show_id, kind.value),
                name="",
                archived=False,
                created_at=clock.now(),
            )
            db.add(have[kind.value])
    db.flush()
    return [have[k.value] for k in SHOW_KINDS]


def ensure_workspace_defaults(db: Session, clock: Clock, workspace_id: str) -> None:
    """The default tag set and the service and selection channels, made if missing."""
    keys = set(db.scalars(select(Tag.key).where(Tag.workspace_id == workspace_id)))
    for position, (key, labels) in enumerate(DEFAULT_TAGS):
        if key not in keys:
            db.add(Tag(workspace_id=workspace_id, key=key, labels=dict(labels), position=position, archived=False))
    channels = set(
        db.scalars(select(Channel.key).where(Channel.workspace_id == workspace_id, Channel.show_id.is_(None)))
    )
    for key in DEFAULT_WORKSPACE_CHANNELS:
        if key not in channels:
            db.add(
                Channel(
                    workspace_id=workspace_id,
                    show_id=None,
                    kind=ChannelKind.workspace.value,
                    key=key,
                    name="",
                    archived=False,
                    created_at=clock.now(),
                )
            )
    db.flush()


def show_channels(db: Session, workspace_id: str, show_id: str) -> list[Channel]:
    """The show's channels (NotFound when the show is not the workspace's). A GET never writes: channels of a
    show made before channels existed come from the migration."""
    if shows.show_info(db, workspace_id, show_id) is None:
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show", params={"id": show_id})
    order = {k.value: i for i, k in enumerate(SHOW_KINDS)}
    found = db.scalars(select(Channel).where(Channel.workspace_id == workspace_id, Channel.show_id == show_id))
    return sorted(found, key=lambda c: order.get(c.kind, 9))


def show_channel_of(db: Session, show_id: str, kind: str) -> Channel | None:
    return db.scalar(select(Channel).where(Channel.show_id == show_id, Channel.kind == kind))


def workspace_channels(db: Session, workspace_id: str, *, archived: bool = False) -> list[Channel]:
    stmt = select(Channel).where(Channel.workspace_id == workspace_id, Channel.show_id.is_(None))
    if not archived:
        stmt = stmt.where(Channel.archived.is_(False))
    return list(db.scalars(stmt.order_by(Channel.id)))


def get_channel(db: Session, workspace_id: str, channel_id: int) -> Channel:
    channel = db.get(Channel, channel_id)
    if channel is None or channel.workspace_id != workspace_id:
        raise NotFound(f"no channel {channel_id} in this workspace", key="comms.err.no_channel")
    return channel


def _slug(name: str) -> str:
    folded = fold_for_search(name).strip().lower()
    slug = re.sub(r"[^\w]+", "-", folded).strip("-")
    return slug[:60] or "channel"


def create_channel(db: Session, clock: Clock, workspace_id: str, name: str, *, actor: User | None) -> Channel:
    clean = " ".join(name.split())
    if not clean:
        raise ValidationFailed("the channel needs a name", key="comms.err.channel_name")
    if len(clean) > 80:
        raise ValidationFailed("a channel name is at most 80 characters", key="comms.err.channel_name")
    key = _slug(clean)
    existing = db.scalar(select(Channel).where(Channel.workspace_id == workspace_id, Channel.key == key))
    if existing is not None:
        raise Conflict(
            f'the workspace already has a channel named like "{clean}"',
            key="comms.err.channel_exists",
            params={"name": clean},
        )
    channel = Channel(
        workspace_id=workspace_id,
        show_id=None,
        kind=ChannelKind.workspace.value,
        key=key,
        name=clean,
        archived=False,
        created_at=clock.now(),
        created_by=actor.id if actor else None,
    )
    db.add(channel)
    db.flush()
    publish_after_commit(db, workspace_channel(workspace_id), {"kind": "comms.channel", "channel": channel.id})
    return channel


def rename_channel(db: Session, channel: Channel, *, name: str | None, archived: bool | None) -> Channel:
    if channel.show_id is not None and archived:
        raise Conflict("a show's channels stay while the show exists", key="comms.err.show_channel_fixed")
    if name is not None:
        clean = " ".join(name.split())
        if not clean or len(clean) > 80:
            raise ValidationFailed("a channel name is 1 to 80 characters", key="comms.err.channel_name")
        channel.name = clean
    if archived is not None:
        channel.archived = archived
    db.flush()
    publish_after_commit(db, workspace_channel(channel.workspace_id), {"kind": "comms.channel", "channel": channel.id})
    return channel


# ------------------------------------------------------------------ tags


def list_tags(db: Session, workspace_id: str, *, archived: bool = False) -> list[Tag]:
    stmt = select(Tag).where(Tag.workspace_id == workspace_id)
    if not archived:
        stmt = stmt.where(Tag.archived.is_(False))
    return list(db.scalars(stmt.order_by(Tag.position, Tag.id)))


def tag_label(tag: Tag, t: Translator) -> str:
    return t.pick(tag.labels) if tag.labels else tag.key


def resolve_tags(db: Session, workspace_id: str, given: list[str]) -> list[str]:
    """Tag keys for what the caller wrote: a key or a label in any language and either script."""
    if not given:
        return []
    tags = list_tags(db, workspace_id, archived=True)
    lookup: dict[str, Tag] = {}
    for tag in tags:
        lookup[fold_for_search(tag.key)] = tag
        for label in tag.labels.values():
            lookup[fold_for_search(" ".join(label.split()))] = tag
    keys: list[str] = []
    for raw in given:
        found = lookup.get(fold_for_search(" ".join(str(raw).split()).lstrip("#")))
        if found is None or found.archived:
            known = "、".join(t.labels.get("zh-Hant", t.key) for t in tags if not t.archived)
            raise ValidationFailed(
                f'unknown tag "{raw}"; the workspace\'s tags are: {known}',
                key="comms.err.unknown_tag",
                params={"tag": raw, "known": known},
            )
        if found.key not in keys:
            keys.append(found.key)
    if len(keys) > MAX_TAGS:
        raise ValidationFailed(f"a message takes at most {MAX_TAGS} tags", key="comms.err.too_many_tags")
    return keys


def save_tag(db: Session, workspace_id: str, key: str | None, labels: dict[str, str]) -> Tag:
    """Add a tag, or change the labels of one (``key`` of an existing tag)."""
    clean = {lang: " ".join(str(v).split())[:40] for lang, v in labels.items() if lang in LANGUAGES and str(v).strip()}
    if not clean:
        raise ValidationFailed("a tag needs a label", key="comms.err.tag_label")
    if key:
        tag = db.scalar(select(Tag).where(Tag.workspace_id == workspace_id, Tag.key == key))
        if tag is not None:
            tag.labels = {**tag.labels, **clean}
            tag.archived = False
            db.flush()
            return tag
    new_key = key or _slug(clean.get("en") or next(iter(clean.values())))
    if db.scalar(select(Tag.id).where(Tag.workspace_id == workspace_id, Tag.key == new_key)) is not None:
        raise Conflict(f'the workspace already has a tag "{new_key}"', key="comms.err.tag_exists")
    position = (db.scalar(select(func.max(Tag.position)).where(Tag.workspace_id == workspace_id)) or 0) + 1
    for lang in LANGUAGES:  # a label in every language: the first one given stands in for the others
        clean.setdefault(lang, next(iter(clean.values())))
    tag = Tag(workspace_id=workspace_id, key=new_key[:40], labels=clean, position=position, archived=False)
    db.add(tag)
    db.flush()
    return tag


def archive_tag(db: Session, workspace_id: str, key: str) -> Tag:
    tag = db.scalar(select(Tag).where(Tag.workspace_id == workspace_id, Tag.key == key))
    if tag is None:
        raise NotFound(f'no tag "{key}" in this workspace', key="comms.err.no_tag")
    tag.archived = True
    db.flush()
    return tag


# ------------------------------------------------------------------ mentions


def _role_names() -> list[tuple[str, str]]:
    """(what may follow an @, role key): the keys and every language's names (助理 / 副播 gives both)."""
    pairs: list[tuple[str, str]] = []
    for role in Role:
        pairs.append((role.value, role.value))
        for name in ROLE_NAMES[role].values():
            for part in name.split("/"):
                if part.strip():
                    pairs.append((part.strip(), role.value))
    return pairs


def parse_mentions(db: Session, workspace_id: str, text: str) -> tuple[list[str], list[str]]:
    """The roles and the people a text mentions with @ (roles by key or name, people by display name), in
    either script and full-width form. Longest name wins (@主播助理 is not @主播)."""
    if "@" not in text and "＠" not in text:
        return [], []
    folded = fold_for_search(text)
    people = db.execute(
        select(User.id, User.display_name).where(User.workspace_id == workspace_id, User.active.is_(True))
    ).all()
    candidates: list[tuple[str, str, str]] = [(fold_for_search(n), "role", k) for n, k in _role_names()]
    candidates += [(fold_for_search(name), "user", uid) for uid, name in people if name.strip()]
    candidates.sort(key=lambda c: -len(c[0]))
    roles: list[str] = []
    users: list[str] = []
    for match in re.finditer("@", folded):
        rest = folded[match.end() :]
        for name, kind, value in candidates:
            if name and rest.startswith(name):
                target = roles if kind == "role" else users
                if value not in target:
                    target.append(value)
                break
    return roles, users


def _role_members(db: Session, channel: Channel, role: str) -> list[str]:
    """Who a role mention reaches: the show's roster in that role; in a workspace channel, everyone active in
    the workspace who holds the role."""
    if channel.show_id is not None:
        return shows.roster(db, channel.show_id).get(role, [])
    stmt = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.workspace_id == channel.workspace_id, User.active.is_(True), UserRole.role == role)
        .order_by(User.id)
    )
    return list(db.scalars(stmt))


# ------------------------------------------------------------------ messages


def _check_text(text: str) -> str:
    clean = text.strip()
    if not clean:
        raise ValidationFailed("the message is empty", key="comms.err.empty")
    if len(clean) > MAX_TEXT:
        raise ValidationFailed(f"a message is at most {MAX_TEXT} characters", key="comms.err.too_long")
    return clean


def workspace_language(db: Session, workspace_id: str) -> str:
    ws = db.get(Workspace, workspace_id)
    return ws.default_language if ws is not None else "zh-Hant"


def post(
    db: Session,
    clock: Clock,
    channel: Channel,
    *,
    text: str,
    author: User | None,
    tags: list[str] | None = None,
    reply_to: int | None = None,
    severity: str = "info",
    mention_roles: list[str] | None = None,
    mention_users: list[str] | None = None,
    texts: dict[str, str] | None = None,
    source: str | None = None,
    event_ts: int | None = None,
) -> Message:
    """Store a message (a person's, or a system message when ``author`` is None), its tags and mentions;
    emit ``MessagePosted`` and publish ``comms.message`` after the commit. ``tags`` are keys or labels."""
    if channel.archived:
        raise Conflict("this channel is archived", key="comms.err.archived")
    clean = _check_text(text)
    if severity not in SEVERITIES:
        raise ValidationFailed(f"severity is one of {', '.join(SEVERITIES)}", key="comms.err.severity")
    if source is not None:
        existing = db.scalar(select(Message).where(Message.channel_id == channel.id, Message.source == source))
        if existing is not None:  # the same fact is posted once
            return existing
    keys = resolve_tags(db, channel.workspace_id, list(tags or []))
    if reply_to is not None:
        parent = db.get(Message, reply_to)
        if parent is None or parent.channel_id != channel.id or parent.deleted_at is not None:
            raise NotFound(f"no message {reply_to} in this channel to reply to", key="comms.err.no_message")
    roles, users = parse_mentions(db, channel.workspace_id, clean)
    for role in mention_roles or []:
        if role not in Role.__members__:
            raise ValidationFailed(f'unknown role "{role}"', key="err.bad_role", params={"role": role})
        if role not in roles:
            roles.append(role)
    for uid in mention_users or []:
        person = db.get(User, uid)
        if person is None or person.workspace_id != channel.workspace_id:
            raise NotFound(f'no person with id "{uid}" in this workspace', key="err.no_person")
        if uid not in users:
            users.append(uid)
    now = clock.now()
    message = Message(
        channel_id=channel.id,
        workspace_id=channel.workspace_id,
        author_id=author.id if author else None,
        system=author is None,
        text=clean,
        search_text=fold_for_search(clean),
        texts=dict(texts or {}),
        tags=keys,
        severity=severity,
        roles_mentioned=roles_field(roles),
        reply_to_id=reply_to,
        event_ts=event_ts if event_ts is not None else (to_ms(now) if channel.show_id else None),
        source=source,
        created_at=now,
    )
    db.add(message)
    db.flush()
    for key in keys:
        db.add(MessageTag(message_id=message.id, tag=key))
    reached: dict[str, str | None] = {uid: None for uid in users}
    for role_key in roles:
        for uid in _role_members(db, channel, role_key):
            reached.setdefault(uid, role_key)
    for uid, via in reached.items():
        db.add(Mention(message_id=message.id, user_id=uid, role=via))
    db.flush()
    language = workspace_language(db, channel.workspace_id)
    emit(
        db,
        MessagePosted(
            workspace_id=channel.workspace_id,
            channel_id=channel.id,
            channel_kind=channel.kind,
            channel_name=channel_name(channel, Translator(language)),
            show_id=channel.show_id,
            message_id=message.id,
            author_id=message.author_id,
            text=message.texts.get(language) or message.text,
            tags=tuple(keys),
            severity=severity,
            mention_roles=tuple(roles),
            mention_user_ids=tuple(reached),
        ),
    )
    _publish(db, channel, "comms.message", message_dict(db, message, author=author))
    return message


def _publish(db: Session, channel: Channel, kind: str, message: dict[str, Any]) -> None:
    payload = {"kind": kind, "channel": channel.id, "show": channel.show_id, "message": message}
    publish_after_commit(db, workspace_channel(channel.workspace_id), payload)
    if channel.show_id is not None:
        publish_after_commit(db, show_channel(channel.show_id), payload)


def get_message(db: Session, workspace_id: str, message_id: int) -> Message:
    message = db.get(Message, message_id)
    if message is None or message.workspace_id != workspace_id or message.deleted_at is not None:
        raise NotFound(f"no message {message_id} in this workspace", key="comms.err.no_message")
    return message


def list_messages(
    db: Session,
    channel: Channel,
    *,
    tag: str | None = None,
    mention: str | None = None,
    author: str | None = None,
    q: str | None = None,
    pinned: bool = False,
    before: int | None = None,
    after: int | None = None,
    limit: int = 200,
) -> list[Message]:
    """The channel's messages, newest last. ``tag``: a key or label; ``mention``: a role key or a person's id
    (``me`` is resolved by the caller); ``author``: a person's id, or ``system``; ``q``: words to find, in either
    script and full-width form."""
    stmt = select(Message).where(Message.channel_id == channel.id, Message.deleted_at.is_(None))
    if tag:
        key = resolve_tags(db, channel.workspace_id, [tag])[0]
        stmt = stmt.where(
            Message.id.in_(select(MessageTag.message_id).where(MessageTag.tag == key)),
        )
    if mention:
        if mention in Role.__members__:
            stmt = stmt.where(Message.roles_mentioned.contains(f" {mention} "))
        else:
            stmt = stmt.where(Message.id.in_(select(Mention.message_id).where(Mention.user_id == mention)))
    if author:
        stmt = (
            stmt.where(Message.author_id.is_(None)) if author == "system" else stmt.where(Message.author_id == author)
        )
    if q:
        for word in fold_for_search(q).split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Message.search_text.like(f"%{escaped}%", escape="\\"))
    if pinned:
        stmt = stmt.where(Message.pinned_at.is_not(None))
    if before is not None:
        stmt = stmt.where(Message.id < before)
    if after is not None:
        stmt = stmt.where(Message.id > after)
    limit = max(1, min(limit, 500))
    newest = list(db.scalars(stmt.order_by(Message.id.desc()).limit(limit)))
    return list(reversed(newest))


def _may_moderate(roles: tuple[str, ...]) -> bool:
    from livecrew.core.auth.permissions import Action, allowed

    return allowed(roles, Action.comms_moderate)


def _audit(db: Session, clock: Clock, message: Message, action: str, actor: User, detail: dict[str, Any]) -> None:
    db.add(
        AuditEntry(
            workspace_id=message.workspace_id,
            message_id=message.id,
            action=action,
            actor_id=actor.id,
            at=clock.now(),
            detail=detail,
        )
    )


def edit(db: Session, clock: Clock, message: Message, *, text: str, tags: list[str] | None, actor: User) -> Message:
    """The author changes their message within five minutes of posting; the text before goes to the audit."""
    if message.author_id != actor.id:
        raise Forbidden("only the author may edit a message", key="comms.err.not_author")
    if clock.now() - message.created_at > EDIT_WINDOW:
        raise Conflict("a message can be edited within 5 minutes of posting", key="comms.err.edit_window")
    clean = _check_text(text)
    before = {"text": message.text, "tags": list(message.tags)}
    message.text = clean
    message.search_text = fold_for_search(clean)
    if tags is not None:
        keys = resolve_tags(db, message.workspace_id, tags)
        for row in db.scalars(select(MessageTag).where(MessageTag.message_id == message.id)):
            db.delete(row)
        db.flush()
        for key in keys:
            db.add(MessageTag(message_id=message.id, tag=key))
        message.tags = keys
    message.edited_at = clock.now()
    _audit(db, clock, message, "edited", actor, {"before": before, "after": {"text": clean, "tags": message.tags}})
    db.flush()
    _changed(db, message)
    return message


def delete(db: Session, clock: Clock, message: Message, *, actor: User, roles: tuple[str, ...]) -> Message:
    """The author, or an owner, deletes a message: it leaves the channel and stays in the audit trail."""
    if message.author_id != actor.id and not _may_moderate(roles):
        raise Forbidden("only the author or an owner may delete a message", key="comms.err.not_yours")
    message.deleted_at = clock.now()
    message.deleted_by = actor.id
    message.pinned_at = None
    _audit(db, clock, message, "deleted", actor, {"text": message.text, "tags": list(message.tags)})
    db.flush()
    channel = db.get(Channel, message.channel_id)
    assert channel is not None
    _publish(db, channel, "comms.message_deleted", {"id": message.id})
    return message


def pin(db: Session, clock: Clock, message: Message, *, pinned: bool, actor: User) -> Message:
    if pinned and message.pinned_at is None:
        message.pinned_at, message.pinned_by = clock.now(), actor.id
        _audit(db, clock, message, "pinned", actor, {})
    elif not pinned and message.pinned_at is not None:
        message.pinned_at, message.pinned_by = None, None
        _audit(db, clock, message, "unpinned", actor, {})
    db.flush()
    _changed(db, message)
    return message


def acknowledge(db: Session, clock: Clock, message: Message, *, actor: User) -> Mention:
    """A one-tap ✓ from a person the message reaches (the host on the host's screen); the sender sees it live."""
    mention = db.scalar(select(Mention).where(Mention.message_id == message.id, Mention.user_id == actor.id))
    if mention is None:
        roles = set(actor.role_keys) & set(message.mention_roles or [])
        if not roles:
            raise Forbidden("this message does not mention you", key="comms.err.not_mentioned")
        mention = Mention(message_id=message.id, user_id=actor.id, role=sorted(roles)[0])
        db.add(mention)
    if mention.acked_at is None:
        mention.acked_at = clock.now()
    db.flush()
    _changed(db, message)
    return mention


def audit_trail(db: Session, message: Message) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.message_id == message.id).order_by(AuditEntry.id)))


def _changed(db: Session, message: Message) -> None:
    channel = db.get(Channel, message.channel_id)
    assert channel is not None
    _publish(db, channel, "comms.message_changed", message_dict(db, message))


def message_dict(db: Session, message: Message, *, author: User | None = None) -> dict[str, Any]:
    """A message as the API and the browsers get it."""
    return messages_dicts(db, [message], authors={author.id: author.display_name} if author else None)[0]


def messages_dicts(
    db: Session, messages: list[Message], *, authors: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    ids = [m.id for m in messages]
    names = dict(authors or {})
    wanted = {m.author_id for m in messages if m.author_id and m.author_id not in names}
    mentions: dict[int, list[Mention]] = {}
    if ids:
        for row in db.scalars(select(Mention).where(Mention.message_id.in_(ids)).order_by(Mention.id)):
            mentions.setdefault(row.message_id, []).append(row)
            wanted.add(row.user_id)
    wanted -= set(names)
    if wanted:
        names.update(
            {uid: name for uid, name in db.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}
        )
    replies = {m.reply_to_id for m in messages if m.reply_to_id}
    excerpts: dict[int, str] = {}
    if replies:
        for mid, text, deleted in db.execute(
            select(Message.id, Message.text, Message.deleted_at).where(Message.id.in_(replies))
        ).all():
            excerpts[mid] = "" if deleted else text[:80]
    out = []
    for m in messages:
        rows = mentions.get(m.id, [])
        out.append(
            {
                "id": m.id,
                "channel": m.channel_id,
                "author": {"id": m.author_id, "name": names.get(m.author_id, "")} if m.author_id else None,
                "system": m.system,
                "text": m.text,
                "texts": dict(m.texts or {}),
                "tags": list(m.tags or []),
                "severity": m.severity,
                "mentions": {
                    "roles": list(m.mention_roles or []),
                    "users": [{"id": r.user_id, "name": names.get(r.user_id, "")} for r in rows if r.role is None],
                },
                "reached": [r.user_id for r in rows],
                "acks": [
                    {"id": r.user_id, "name": names.get(r.user_id, ""), "at": r.acked_at.isoformat()}
                    for r in rows
                    if r.acked_at is not None
                ],
                "reply_to": m.reply_to_id,
                "reply_excerpt": excerpts.get(m.reply_to_id) if m.reply_to_id else None,
                "event_ts": m.event_ts,
                "created_at": m.created_at.isoformat(),
                "edited_at": m.edited_at.isoformat() if m.edited_at else None,
                "pinned": m.pinned_at is not None,
            }
        )
    return out


# ------------------------------------------------------------------ reading: markers and unread counts


def mark_read(db: Session, user: User, channel: Channel, upto: int | None = None) -> int:
    """Move the person's read marker to ``upto`` (default: the newest message); never backwards."""
    newest = db.scalar(select(func.max(Message.id)).where(Message.channel_id == channel.id)) or 0
    target = min(upto, newest) if upto is not None else newest
    marker = db.get(ReadMarker, (user.id, channel.id))
    if marker is None:
        marker = ReadMarker(user_id=user.id, channel_id=channel.id, last_read_id=0)
        db.add(marker)
    if target > marker.last_read_id:
        marker.last_read_id = target
    db.flush()
    publish_after_commit(
        db,
        workspace_channel(channel.workspace_id),
        {"kind": "comms.read", "user": user.id, "channel": channel.id, "last_read": marker.last_read_id},
    )
    return marker.last_read_id


def unread_counts(db: Session, workspace_id: str, user_id: str) -> dict[int, int]:
    """Channel id → messages the person has not read (not their own, not deleted), for the workspace's channels
    and the channels of shows that have not ended."""
    channel_ids = [c.id for c, _title in visible_channels(db, workspace_id)]
    if not channel_ids:
        return {}
    marker = ReadMarker.__table__.alias("marker")
    stmt = (
        select(Message.channel_id, func.count())
        .select_from(Message)
        .outerjoin(marker, and_(marker.c.channel_id == Message.channel_id, marker.c.user_id == user_id))
        .where(
            Message.channel_id.in_(channel_ids),
            Message.deleted_at.is_(None),
            or_(Message.author_id.is_(None), Message.author_id != user_id),
            Message.id > func.coalesce(marker.c.last_read_id, 0),
        )
        .group_by(Message.channel_id)
    )
    return {int(cid): int(n) for cid, n in db.execute(stmt).all()}


def channel_dict(channel: Channel, t: Translator, *, unread: int = 0, show_title: str | None = None) -> dict[str, Any]:
    return {
        "id": channel.id,
        "kind": channel.kind,
        "key": channel.key,
        "name": channel_name(channel, t),
        "show": channel.show_id,
        "show_title": show_title,
        "archived": channel.archived,
        "unread": unread,
    }


def visible_channels(db: Session, workspace_id: str) -> list[tuple[Channel, str | None]]:
    """The channels the console lists: the workspace's own, then those of shows that have not ended (live
    shows first, then by start), each with its show's title."""
    listed: list[tuple[Channel, str | None]] = [(c, None) for c in workspace_channels(db, workspace_id)]
    infos = shows.shows_in_status(db, workspace_id, ACTIVE_SHOW_STATES)
    if not infos:
        return listed
    show_rows = db.scalars(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.show_id.in_(list(infos)))
    ).all()
    order = {k.value: i for i, k in enumerate(SHOW_KINDS)}

    def place(c: Channel) -> tuple[bool, datetime, str, int]:
        info = infos[c.show_id or ""]
        return (info.status != "live", info.starts_at, info.id, order.get(c.kind, 9))

    listed += [(c, infos[c.show_id or ""].title) for c in sorted(show_rows, key=place)]
    return listed


def host_messages(db: Session, show_id: str, user_id: str, limit: int = 8) -> list[Message]:
    """Messages of the show's channels addressed to the host: mentioning the host or assistant role, or the
    person."""
    channel_ids = list(db.scalars(select(Channel.id).where(Channel.show_id == show_id)))
    if not channel_ids:
        return []
    recent = db.scalars(
        select(Message)
        .where(Message.channel_id.in_(channel_ids), Message.deleted_at.is_(None))
        .order_by(Message.id.desc())
        .limit(300)
    ).all()
    mine = set(
        db.scalars(
            select(Mention.message_id).where(Mention.user_id == user_id, Mention.message_id.in_([m.id for m in recent]))
        )
    )
    chosen = [m for m in recent if m.id in mine or {"host", "assistant"} & set(m.mention_roles or [])]
    return list(reversed(chosen[:limit]))


def since(created_at: datetime, now: datetime) -> int:
    return int((now - created_at).total_seconds())
