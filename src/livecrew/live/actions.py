"""Control-room actions. Each one is recorded with who did it; explain and shelf also enter the event log."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, cast

import orjson
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User
from livecrew.core.clock import Clock, to_ms
from livecrew.core.errors import Conflict, ValidationFailed
from livecrew.core.events import emit
from livecrew.core.plugins import contributions
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.live import ingest
from livecrew.live.events import Event, parse_body
from livecrew.live.facts import ActionPerformed
from livecrew.live.models import LiveAction, LiveEvent
from livecrew.shows import public as perks
from livecrew.shows.public import Perk, PerkKind, Show, ShowStatus

KINDS = ("explain", "shelf", "coupon", "lucky_bag", "announce")
_ROOM_ACTIONS = {"explain": ("start", "stop"), "shelf": ("on", "off")}


def action_message(record: dict[str, Any]) -> dict[str, Any]:
    """The ``action`` live message of a recorded action (its kind goes in ``action``: the message's ``kind`` is
    the stream's event name)."""
    return {"kind": "action", "id": record["id"], "action": record["kind"], "payload": record["payload"],
            "ts": record["ts"], "actor": record["actor"]}  # fmt: skip


def _room_event(show: Show, kind: str, product: str, action: str, ts: int) -> Event:
    body = {"id": f"ctl-{secrets.token_hex(8)}", "type": kind, "ts": ts, "product": product, "action": action}
    parsed = parse_body(orjson.dumps(body), session=show.id)
    if parsed.rejected:
        raise ValidationFailed(
            parsed.rejected[0].error, key="err.action_event", params={"reason": parsed.rejected[0].error}
        )
    return parsed.events[0]


# Features that know a show's products resolve what the controller typed (a SKU or a claim code such as A2)
# to the product's SKU, or answer None when it is not theirs. goods contributes the lineup.
PRODUCT_RESOLVERS = "live.product_resolver"
ProductResolver = Callable[[Session, Show, str], str | None]


def resolve_product(db: Session, show: Show, typed: str) -> str:
    """The SKU of what was typed; refused when no resolver knows it (with none, taken as typed)."""
    resolvers: tuple[ProductResolver, ...] = contributions(PRODUCT_RESOLVERS)
    if not resolvers:
        return typed
    for resolver in resolvers:
        sku = resolver(db, show, typed)
        if sku is not None:
            return sku
    raise ValidationFailed(
        f"“{typed}” is not in this show's lineup; type a SKU or a claim code of the lineup",
        key="err.action_unknown_product",
        params={"product": typed},
    )


def eligible_users(db: Session, show: Show, rule: str, window_minutes: int | None) -> list[str]:
    """Who may win a lucky bag, from the show's event log."""
    stmt = select(LiveEvent.user, LiveEvent.type, LiveEvent.ts).where(
        LiveEvent.show_id == show.id, LiveEvent.user.is_not(None)
    )
    rows = db.execute(stmt).all()
    start = min((ts for _u, kind, ts in rows if kind == "live_start"), default=None)
    if start is None:
        start = min((ts for _u, _k, ts in rows), default=0)
    until = start + window_minutes * 60_000 if window_minutes else None
    commented = {u for u, kind, ts in rows if kind == "comment" and (until is None or ts <= until)}
    followed = {u for u, kind, _ts in rows if kind == "follow"}
    viewers = {u for u, kind, _ts in rows if kind != "refund"}
    chosen = {
        "commented": commented,
        "followed": followed,
        "commented_or_followed": commented | followed,
        "all_viewers": viewers,
    }[rule]
    return sorted(u for u in chosen if u)


def draw_entrants(db: Session, show: Show, data: dict[str, Any]) -> list[str] | None:
    """For a lucky-bag draw, its eligible viewers, read before the action takes ingest's writer lock (the read
    scans the show's log, and every feed of the process would wait for it); None for any other action, or one
    ``perform`` will refuse with its own message."""
    if data.get("kind") != "lucky_bag" or data.get("action") != "draw" or not isinstance(data.get("perk_id"), int):
        return None
    perk = perks.get_perk(db, show, data["perk_id"])
    if perk.kind != PerkKind.lucky_bag:
        return None
    return _entrants(db, show, perk)


def _entrants(db: Session, show: Show, perk: Perk) -> list[str]:
    return eligible_users(db, show, perk.details["eligibility"], perk.details.get("window_minutes"))


def perform(
    db: Session,
    clock: Clock,
    show: Show,
    data: dict[str, Any],
    *,
    actor: User,
    entrants: list[str] | None = None,
) -> tuple[dict[str, Any], list[Event]]:
    """Validate and record one action. ``entrants``: a lucky-bag draw's eligible viewers, read beforehand by
    ``draw_entrants`` (else they are read here)."""
    kind = str(data.get("kind") or "")
    if kind not in KINDS:
        raise ValidationFailed(f'unknown action "{kind}"; use one of: {", ".join(KINDS)}', key="err.action_kind")
    if show.status not in (ShowStatus.live, ShowStatus.ready, ShowStatus.rehearsing):
        raise Conflict(
            f'control-room actions need a show that is live (or rehearsing); this one is "{show.status}"',
            key="err.action_status",
            params={"status": show.status},
        )
    ts = to_ms(clock.now())
    payload: dict[str, Any] = {}
    events: list[Event] = []
    if kind in _ROOM_ACTIONS:
        product = str(data.get("product") or "").strip()
        action = str(data.get("action") or "")
        if not product:
            raise ValidationFailed(f"a {kind} action needs the product", key="err.action_product")
        product = resolve_product(db, show, product)
        if action not in _ROOM_ACTIONS[kind]:
            raise ValidationFailed(
                f"a {kind} action is {' or '.join(_ROOM_ACTIONS[kind])}", key="err.action_value", params={"kind": kind}
            )
        event = _room_event(show, kind, product, action, ts)
        result = ingest.append(db, clock, show, [event], actor_id=actor.id)
        events = result.new_events
        payload = {"product": product, "action": action}
    elif kind in ("coupon", "lucky_bag"):
        perk_id = data.get("perk_id")
        if not isinstance(perk_id, int):
            raise ValidationFailed(f"a {kind} action needs the perk_id of the show's {kind}", key="err.action_perk")
        perk = perks.get_perk(db, show, perk_id)
        if perk.kind != (PerkKind.coupon if kind == "coupon" else PerkKind.lucky_bag):
            raise ValidationFailed(f"perk {perk_id} is not a {kind}", key="err.action_perk")
        payload = {"perk_id": perk.id, "title": perk.title}
        if kind == "lucky_bag":
            action = str(data.get("action") or "start")
            if action not in ("start", "draw"):
                raise ValidationFailed("a lucky_bag action is start or draw", key="err.action_value")
            payload["action"] = action
            if action == "draw":
                eligible = entrants if entrants is not None else _entrants(db, show, perk)
                record = perks.draw_lucky_bag(db, clock, show, perk, eligible=eligible, seed=None, actor=actor)
                payload["winners"] = record["winners"]
                payload["eligible_count"] = record["eligible_count"]
    else:
        text = " ".join(str(data.get("text") or "").split())
        if not text:
            raise ValidationFailed("an announcement needs text", key="err.action_text")
        payload = {"text": text[:1000]}
    row = LiveAction(
        show_id=show.id,
        kind=kind,
        payload=payload,
        ts=ts,
        at=clock.now(),
        actor_id=actor.id,
        event_id=events[0].id if events else None,
    )
    db.add(row)
    db.flush()
    record = {"id": row.id, "kind": kind, "payload": payload, "ts": ts, "actor": actor.display_name}
    publish_after_commit(db, show_channel(show.id), action_message(record))
    emit(db, ActionPerformed(show.workspace_id, show.id, row.id, kind, payload, actor.id, ts))
    return record, events


def recent_actions(db: Session, show: Show, limit: int = 50) -> list[LiveAction]:
    stmt = select(LiveAction).where(LiveAction.show_id == show.id).order_by(LiveAction.id.desc()).limit(limit)
    return list(db.scalars(stmt).all())


@cache
def _insert_action() -> Any:
    table = cast(Table, LiveAction.__table__)
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def announce_auto(db: Session, show_id: str, payloads: list[dict[str, Any]], now: datetime) -> list[int]:
    """Announcements livecrew itself makes to the control room (goods' "A1 只剩最後 50 件"): recorded as
    ``announce`` actions of no one, in one insert, and pushed to the open control rooms after the commit."""
    if not payloads:
        return []
    ts = to_ms(now)
    rows = [
        {"show_id": show_id, "kind": "announce", "payload": payload, "ts": ts, "at": now, "actor_id": None}
        for payload in payloads
    ]
    ids = [int(r[0]) for r in db.connection().execute(_insert_action(), rows)]
    for action_id, payload in zip(ids, payloads, strict=True):
        record = {"id": action_id, "kind": "announce", "payload": payload, "ts": ts, "actor": "livecrew"}
        publish_after_commit(db, show_channel(show_id), action_message(record))
    return ids
