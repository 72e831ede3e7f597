"""Push targets and their outbox: create and change targets, route a posted message to them (in the
message's own transaction), read the delivery log, retry. Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock, clock_of
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.core.pubsub import publish_after_commit, workspace_channel
from livecrew.core.wake import AfterCommit
from livecrew.notify.models import DeliveryStatus, NotifyDelivery, NotifyTarget, TargetKind, TargetStatus
from livecrew.notify.platforms import PLATFORMS

CHANNEL_KINDS = ("preview", "live", "emergency", "workspace")
SEVERITIES = ("info", "warning", "critical")
MAX_TAGS = 30

# ------------------------------------------------------------------ waking the relay after a commit

OUTBOX_WAKE = AfterCommit("notify.outbox")
on_outbox_commit = OUTBOX_WAKE.subscribe  # the relay job of this process wakes after a commit wrote to the outbox
_wake_after_commit = OUTBOX_WAKE.request


# ------------------------------------------------------------------ targets


@dataclass
class TargetInput:
    kind: str
    url: str
    secret: str | None = None
    channels: Sequence[str] = ()
    tags: Sequence[str] = ()
    severities: Sequence[str] = ()
    name: str = ""
    chat_id: str | None = None
    enabled: bool = True


def _clean_list(values: Iterable[str], allowed: Sequence[str] | None, what: str) -> list[str]:
    out: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        if allowed is not None and value not in allowed:
            raise ValidationFailed(
                f'"{value}" is not a {what}; use one of: {", ".join(allowed)}',
                key="notify.err.bad_choice",
                params={"value": value, "choices": ", ".join(allowed)},
            )
        if value not in out:
            out.append(value)
    return out


def _check_url(url: str, kind: str) -> str:
    url = url.strip()
    platform = PLATFORMS[kind]
    if not url and platform.default_url:
        return platform.default_url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(
            f'"{url[:80]}" is not a web address; paste the whole address, starting with https://',
            key="notify.err.url",
        )
    return url


def _validate(data: TargetInput) -> TargetInput:
    kind = data.kind.strip().lower()
    if kind not in PLATFORMS:
        raise ValidationFailed(
            f'"{data.kind}" is not a push target kind; use one of: {", ".join(PLATFORMS)}',
            key="notify.err.kind",
            params={"kind": data.kind, "choices": ", ".join(PLATFORMS)},
        )
    platform = PLATFORMS[kind]
    channels = _clean_list(data.channels, CHANNEL_KINDS, "channel kind")
    if not channels:
        raise ValidationFailed(
            "choose at least one channel kind (preview, live, emergency, workspace) to push from",
            key="notify.err.channels",
        )
    tags = _clean_list(data.tags, None, "tag")[:MAX_TAGS]
    severities = _clean_list(data.severities, SEVERITIES, "severity")
    chat_id = (data.chat_id or "").strip() or None
    if platform.needs_chat and not chat_id:
        raise ValidationFailed(
            f"a {kind} target needs the id of the group or chat to push to",
            key="notify.err.chat",
            params={"kind": kind},
        )
    return TargetInput(
        kind=kind, url=_check_url(data.url, kind), secret=(data.secret or "").strip() or None,
        channels=channels, tags=tags, severities=severities, name=data.name.strip()[:80], chat_id=chat_id,
        enabled=data.enabled,
    )  # fmt: skip


def create_target(db: Session, clock: Clock, workspace: Workspace, data: TargetInput) -> NotifyTarget:
    clean = _validate(data)
    if PLATFORMS[clean.kind].needs_secret and not clean.secret:
        raise ValidationFailed(
            f"a {clean.kind} target needs its token (LINE: the channel access token; Telegram: the bot token)",
            key="notify.err.token",
            params={"kind": clean.kind},
        )
    now = clock.now()
    target = NotifyTarget(
        workspace_id=workspace.id, kind=clean.kind, name=clean.name or clean.kind, url=clean.url,
        secret=clean.secret, chat_id=clean.chat_id, channels=list(clean.channels), tags=list(clean.tags),
        severities=list(clean.severities), enabled=clean.enabled, status=TargetStatus.ok.value, failures=0,
        created_at=now, updated_at=now,
    )  # fmt: skip
    db.add(target)
    db.flush()
    _changed(db, target)
    return target


def update_target(
    db: Session, clock: Clock, target: NotifyTarget, data: TargetInput, *, keep_secret: bool
) -> NotifyTarget:
    """Change a target. An empty secret keeps the one set (``keep_secret``): secrets are never shown back.

    A change clears "broken": the messages waiting for it are tried again at once.
    """
    clean = _validate(TargetInput(**{**data.__dict__, "kind": target.kind}))
    target.url = clean.url
    if clean.secret or not keep_secret:
        target.secret = clean.secret
    if PLATFORMS[target.kind].needs_secret and not target.secret:
        raise ValidationFailed(f"a {target.kind} target needs its token", key="notify.err.token",
                               params={"kind": target.kind})  # fmt: skip
    target.chat_id = clean.chat_id
    target.channels = list(clean.channels)
    target.tags = list(clean.tags)
    target.severities = list(clean.severities)
    target.name = clean.name or target.name
    target.enabled = clean.enabled
    now = clock.now()
    target.updated_at = now
    _reset(db, target, now)
    _changed(db, target)
    return target


def _reset(db: Session, target: NotifyTarget, now: datetime) -> None:
    target.status = TargetStatus.ok.value
    target.broken_reason = None
    target.broken_at = None
    target.next_send_at = None
    target.failures = 0
    db.execute(
        update(NotifyDelivery)
        .where(NotifyDelivery.target_id == target.id,
               NotifyDelivery.status.in_((DeliveryStatus.pending.value, DeliveryStatus.failed.value)))
        .values(next_attempt_at=now)
    )  # fmt: skip
    db.flush()
    _wake_after_commit(db)


def delete_target(db: Session, target: NotifyTarget) -> None:
    workspace_id = target.workspace_id
    db.delete(target)
    db.flush()
    publish_after_commit(db, workspace_channel(workspace_id), {"kind": "notify.target_changed", "target": None})


def _changed(db: Session, target: NotifyTarget) -> None:
    publish_after_commit(
        db, workspace_channel(target.workspace_id), {"kind": "notify.target_changed", "target": target.id}
    )


def get_target(db: Session, workspace: Workspace, target_id: int) -> NotifyTarget:
    target = db.get(NotifyTarget, target_id)
    if target is None or target.workspace_id != workspace.id:
        raise NotFound(f"no push target {target_id} in this workspace", key="notify.err.no_target",
                       params={"id": target_id})  # fmt: skip
    return target


def list_targets(db: Session, workspace: Workspace) -> list[NotifyTarget]:
    return list(db.scalars(select(NotifyTarget).where(NotifyTarget.workspace_id == workspace.id)
                           .order_by(NotifyTarget.id)))  # fmt: skip


def waiting_counts(db: Session, workspace: Workspace) -> dict[int, dict[str, int]]:
    """Per target: how many deliveries are in each status."""
    rows = db.execute(
        select(NotifyDelivery.target_id, NotifyDelivery.status, func.count())
        .where(NotifyDelivery.workspace_id == workspace.id)
        .group_by(NotifyDelivery.target_id, NotifyDelivery.status)
    )
    out: dict[int, dict[str, int]] = {}
    for target_id, status, count in rows:
        out.setdefault(target_id, {})[status] = count
    return out


# ------------------------------------------------------------------ routing a posted message


def matches(target: NotifyTarget, channel_kind: str, tags: Sequence[str], severity: str) -> bool:
    if not target.enabled or channel_kind not in (target.channels or []):
        return False
    if target.tags and not set(target.tags) & set(tags):
        return False
    return not (target.severities and severity not in target.severities)


def on_message_posted(db: Session, event: Any) -> None:
    """``comms.message_posted``: one outbox row per matching target, in the message's own transaction."""
    targets = [
        t
        for t in db.scalars(select(NotifyTarget).where(NotifyTarget.workspace_id == event.workspace_id))
        if matches(t, event.channel_kind, event.tags, event.severity)
    ]
    if not targets:
        return
    now = clock_of(db).now()
    author = None
    if event.author_id:
        user = db.get(User, event.author_id)
        author = user.display_name if user is not None else None
    names = [u.display_name for u in _users(db, event.workspace_id, event.mention_user_ids)]
    mentions = [*event.mention_roles, *names][:20]
    for target in targets:
        db.add(
            NotifyDelivery(
                workspace_id=event.workspace_id, target_id=target.id, message_id=event.message_id,
                channel_kind=event.channel_kind, channel_name=event.channel_name[:120], show_id=event.show_id,
                author=author, text=event.text, tags=list(event.tags), severity=event.severity,
                mentions=mentions, posted_at=now, status=DeliveryStatus.pending.value, attempts=0,
                next_attempt_at=now,
            )
        )  # fmt: skip
    db.flush()
    _wake_after_commit(db)


def _users(db: Session, workspace_id: str, ids: Sequence[str]) -> list[User]:
    if not ids:
        return []
    return list(db.scalars(select(User).where(User.workspace_id == workspace_id, User.id.in_(list(ids)[:50]))))


def add_test_message(db: Session, clock: Clock, target: NotifyTarget, text: str) -> NotifyDelivery:
    """A test message for one target, through the outbox like any other."""
    now = clock.now()
    delivery = NotifyDelivery(
        workspace_id=target.workspace_id, target_id=target.id, message_id=None, channel_kind="",
        channel_name="", show_id=None, author=None, text=text, tags=[], severity="info", mentions=[],
        posted_at=now, status=DeliveryStatus.pending.value, attempts=0, next_attempt_at=now,
    )  # fmt: skip
    db.add(delivery)
    db.flush()
    _wake_after_commit(db)
    return delivery


# ------------------------------------------------------------------ the delivery log


def list_deliveries(
    db: Session, target: NotifyTarget, *, status: str | None = None, limit: int = 200
) -> list[NotifyDelivery]:
    query = select(NotifyDelivery).where(NotifyDelivery.target_id == target.id)
    if status:
        if status not in DeliveryStatus.__members__:
            raise ValidationFailed(
                f'"{status}" is not a delivery status; use pending, sent, failed or dead',
                key="err.delivery_status",
                params={"status": status},
            )
        query = query.where(NotifyDelivery.status == status)
    return list(db.scalars(query.order_by(NotifyDelivery.id.desc()).limit(max(1, min(limit, 1000)))))


def retry_delivery(db: Session, clock: Clock, target: NotifyTarget, delivery_id: int) -> NotifyDelivery:
    delivery = db.get(NotifyDelivery, delivery_id)
    if delivery is None or delivery.target_id != target.id:
        raise NotFound(f"no delivery {delivery_id} for this target", key="notify.err.no_delivery",
                       params={"id": delivery_id})  # fmt: skip
    if delivery.status == DeliveryStatus.sent.value:
        raise ValidationFailed("this message was delivered already", key="notify.err.already_sent")
    delivery.status = DeliveryStatus.pending.value
    delivery.next_attempt_at = clock.now()
    delivery.lease_until = None
    delivery.claim = None
    if target.status == TargetStatus.broken.value:
        _reset(db, target, clock.now())  # the person says it is fixed: try again
    db.flush()
    _wake_after_commit(db)
    return delivery


def mark_kinds() -> list[str]:
    return [k.value for k in TargetKind]
