"""What the live room offers other features: the domain events it emits (see ``livecrew.core.events``),
reads of a show's event log and live state, and the announcements livecrew makes to the control room.

Other features import these from here only, never from the modules behind them. Subscribers get the
events in the emitter's transaction; they flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock
from livecrew.live.actions import announce_auto
from livecrew.live.facts import (
    ActionPerformed,
    AlertAcknowledged,
    AlertFact,
    AlertRaised,
    AlertResolved,
)
from livecrew.live.log import explaining, product_viewers
from livecrew.live.replay import replay_engine, replay_engine_lines
from livecrew.live.state import LiveRegistry, live_registry

__all__ = [
    "ActionPerformed",
    "AlertAcknowledged",
    "AlertFact",
    "AlertRaised",
    "AlertResolved",
    "LiveRegistry",
    "announce_auto",
    "explaining",
    "feed_lines",
    "feed_lines_db",
    "live_registry",
    "product_viewers",
    "raise_alert",
    "replay_engine",
    "replay_engine_lines",
]


# ------------------------------------------------------------------ reads and writes other features may use


def feed_lines(app: Any, show_id: str, data: bytes) -> dict[str, Any]:
    """Feed a JSON Lines body into a show of this process exactly as ``POST /shows/{id}/events`` does: decoded
    first, written under the writer lock and committed, then applied to the live state (connectors running
    as jobs of the server use it). Returns ``{"accepted", "duplicates", "rejected"}``."""
    from livecrew.live import ingest
    from livecrew.live.state import after_ingest, registry_of
    from livecrew.shows.public import Show

    ctx = app.state.ctx
    registry = registry_of(app)
    parsed = ingest.parse_request(data, session=show_id, content_type=None, max_bytes=ctx.settings.max_body_bytes)
    with ctx.sessions() as db:

        def write() -> Any:
            show = db.get(Show, show_id)
            if show is None:
                raise LookupError(f"show {show_id} no longer exists")
            result = ingest.append_parsed(db, ctx.clock, show, parsed)
            db.commit()
            return result

        result = ingest.write_then_apply(db, show_id, write, lambda r: after_ingest(ctx.hub, registry, show_id, r))
    out: dict[str, Any] = result.to_dict()
    return out


def raise_alert(
    db: Session,
    clock: Clock,
    show_id: str,
    *,
    rule: str,
    severity: str,
    message: str,
    key: str,
    params: dict[str, Any],
    roles: tuple[str, ...] = ("controller", "tech"),
) -> int:
    """Raise an alert of another feature's making on a show's control room (one open alert per rule: a second
    raise updates it). The live ticker's rules never resolve it; a person acknowledges it."""
    from sqlalchemy import select

    from livecrew.live.alerts import publish_alert
    from livecrew.live.models import Alert

    now = clock.now()
    current = db.scalar(
        select(Alert).where(Alert.show_id == show_id, Alert.rule == rule, Alert.acknowledged_at.is_(None))
    )
    if current is None:
        current = Alert(
            show_id=show_id,
            rule=rule,
            severity=severity,
            roles=list(roles),
            message=message,
            key=key,
            params=params,
            raised_at=now,
            updated_at=now,
            updates=0,
        )
        db.add(current)
        db.flush()
        publish_alert(db, current, "alert.raised")
    else:
        current.message, current.params, current.updated_at = message, params, now
        current.updates += 1
        db.flush()
        publish_alert(db, current, "alert.updated")
    return current.id


def feed_lines_db(db: Session, clock: Clock, show_id: str, data: bytes) -> dict[str, Any]:
    """Like :func:`feed_lines` for a process without the server's live state (a command on the database's
    machine): written and committed; servers catch up from the shared log."""
    from livecrew.live import ingest
    from livecrew.shows.public import Show

    show = db.get(Show, show_id)
    if show is None:
        raise LookupError(f"show {show_id} no longer exists")
    parsed = ingest.parse_request(data, session=show_id, content_type=None, max_bytes=64 * 1024 * 1024)
    result = ingest.append_parsed(db, clock, show, parsed)
    db.commit()
    out: dict[str, Any] = result.to_dict()
    return out


# ------------------------------------------------------------------ read functions for other features


def explaining_product(db: Session, show_id: str) -> str | None:
    """The product reference (SKU or platform id) the host is explaining now, from the newest ``explain``
    event in the show's log (None when the last one stopped, or there is none)."""
    from livecrew.live.models import LiveEvent

    body = db.scalar(
        select(LiveEvent.body)
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "explain")
        .order_by(LiveEvent.ts.desc(), LiveEvent.seq.desc())
        .limit(1)
    )
    if not body or body.get("action") != "start":
        return None
    return str(body.get("product") or "") or None


def open_alert(db: Session, show_id: str, rule: str) -> dict[str, Any] | None:
    """The show's newest alert of a rule that is neither resolved nor acknowledged (e.g. ``speech_compliance``:
    the host's speech tripped the lexicon and nobody has handled it yet), as the alert stream shows it."""
    from livecrew.live.alerts import alert_dict
    from livecrew.live.models import Alert

    alert = db.scalar(
        select(Alert)
        .where(
            Alert.show_id == show_id,
            Alert.rule == rule,
            Alert.resolved_at.is_(None),
            Alert.acknowledged_at.is_(None),
        )
        .order_by(Alert.id.desc())
        .limit(1)
    )
    return alert_dict(alert) if alert is not None else None


# ------------------------------------------------------------------ reads for the review (復盤)
# The review is built by the same engine from the show's event log: these give it the engine (the live
# one of this process, or a fresh replay of the log), the engine's compact log, the show's alerts and the
# text of its comments and host lines.


def with_live_engine(app: Any, show_id: str, fn: Any) -> Any:
    """``fn(engine)`` on the engine behind ``GET .../metrics`` in this process, under the show's lock."""
    from livecrew.live.state import registry_of

    live = registry_of(app).get(show_id)
    with live.lock:
        return fn(live.engine)


def with_engine_at(app: Any, db: Any, show_id: str, upto: int, fn: Any) -> Any:
    """``fn(engine)`` on this process's live engine of the show at log position ``upto``
    (``LiveRegistry.with_engine_at``): for a log the ingest wrote, the engine ``replay_engine(db, show_id,
    upto=upto)`` would feed. None when this process holds none at that position: the caller replays instead."""
    from livecrew.live.state import registry_of

    return registry_of(app).with_engine_at(db, show_id, upto, fn)


def engine_log(engine: Any) -> dict[str, Any]:
    """The engine's column log and tables, read-only, for figures the snapshot does not hold.

    ``rows``: log row numbers in (ts, arrival) order (None: the log is in that order already); each row has
    ``ts`` (offset from ``base``), ``uk`` (user number << 5 | kind), ``a``, ``b`` (``b < 0``: ``big[-1 - b]``).
    Per kind, ``a`` is the product number (views, clicks, explain, shelf), the source code (enter) or the deal
    row (order, pay); ``b`` the profile number (enter), like count, gift value, online count, ad spend, or 1
    for explain start / shelf on. Deal rows: ``deal_user``, ``deal_product``, ``deal_qty``, ``deal_amount``;
    per order number ``o_pay`` (the paying deal row or -1), ``o_order`` and ``o_pay_ts``; ``paid`` lists the
    paid order numbers. Per user number: ``flags`` (engine F_* bits), ``source`` (1 + SOURCE_NAMES index),
    ``profile`` (1 + index in ``profiles``)."""
    from livecrew.live import engine as e
    from livecrew.live import events as k

    window = engine.window()  # replays first when the engine is stale
    s = engine._s
    return {
        "window": window,
        "rows": list(engine._replay_order()) if engine._late else None,
        "base": engine._base,
        "ts": engine._lts,
        "uk": engine._luk,
        "a": engine._la,
        "b": engine._lb,
        "big": engine._big,
        "products": list(engine._product_names),
        "profiles": list(engine._profiles),
        "n_users": len(engine._users),
        "deal_user": engine._d_user,
        "deal_product": engine._d_product,
        "deal_qty": engine._d_qty,
        "deal_amount": engine._d_amount,
        "o_pay": s.o_pay,
        "o_order": s.o_order,
        "o_pay_ts": s.o_pay_ts,
        "paid": s.paid_list,
        "flags": s.flags,
        "watch": s.watch,
        "entered": s.entered,
        "source": s.source,
        "profile": s.profile,
        "source_names": e.SOURCE_NAMES,
        "kinds": {
            "enter": k.K_ENTER,
            "leave": k.K_LEAVE,
            "follow": k.K_FOLLOW,
            "order": k.K_ORDER,
            "pay": k.K_PAY,
            "explain": k.K_EXPLAIN,
            "shelf": k.K_SHELF,
            "ad_spend": k.K_AD,
        },
        "flag_bits": {"uv": e.F_UV, "follower": e.F_FOLLOWER, "online": e.F_ONLINE, "watched": e.F_WATCHED},
    }


def alerts_of_show(db: Any, show_id: str) -> list[dict[str, Any]]:
    """The show's alerts, oldest first: rule, severity, message (key, params), raised / acknowledged /
    resolved times and ``event_ts`` (where it sits on the show's timeline)."""
    from sqlalchemy import select

    from livecrew.live.models import Alert

    rows = db.scalars(select(Alert).where(Alert.show_id == show_id).order_by(Alert.id)).all()
    return [
        {
            "id": a.id,
            "rule": a.rule,
            "severity": a.severity,
            "message": a.message,
            "key": a.key,
            "params": dict(a.params or {}),
            "raised_at": a.raised_at,
            "acknowledged_at": a.acknowledged_at,
            "resolved_at": a.resolved_at,
            "event_ts": a.event_ts,
        }
        for a in rows
    ]


def texts_of_show(
    db: Any, show_id: str, types: tuple[str, ...] = ("comment", "speech"), *, upto: int | None = None
) -> list[tuple[int, str, str]]:
    """``(ts, type, text)`` of the show's logged comments and host lines, in arrival order; only those up to log
    position ``upto`` when given (the review's version)."""
    import orjson
    from sqlalchemy import Text, cast, select

    from livecrew.live.models import LiveEvent

    stmt = (
        select(LiveEvent.ts, LiveEvent.type, cast(LiveEvent.body, Text))
        .where(LiveEvent.show_id == show_id, LiveEvent.type.in_(types))
        .order_by(LiveEvent.seq)
    )
    if upto is not None:
        stmt = stmt.where(LiveEvent.pos <= upto)
    out = []
    for ts, kind, body in db.execute(stmt).all():
        text = orjson.loads(body).get("text") if body else None
        out.append((int(ts), str(kind), str(text or "")))
    return out


def log_version(db: Any, show_id: str) -> int:
    """The highest position of the show's event log (0: empty): every row up to it is committed and rows are only
    appended, so it names the log's state."""
    from livecrew.live.log import head

    return int(head(db, show_id))


# ---------------------------------------------------------------- reads for other features (customer service)

RETARGET_SEGMENTS = ("clicked_not_paid", "ordered_not_paid", "commented_not_paid")


@dataclass(frozen=True)
class Retarget:
    """METRICS.md's Retargeting segments of one show, as the metrics engine counts them: each segment maps
    a user to the products they clicked (``clicked_not_paid``) or ordered (``ordered_not_paid``); ``buyers``
    are the users of paid orders in the window."""

    segments: dict[str, dict[str, list[str]]]
    buyers: frozenset[str]


def retarget(db: Any, show_id: str) -> Retarget:
    """The show's retargeting segments, from its event log through the metrics engine."""
    engine = replay_engine(db, show_id)
    segments, buyers = engine.retarget()
    return Retarget(segments, frozenset(buyers))


def explaining_now(db: Any, show_id: str) -> str | None:
    """The product the host is explaining now (the latest ``explain`` event is a start), else None."""
    from sqlalchemy import select

    from livecrew.live.models import LiveEvent

    row = db.execute(
        select(LiveEvent.body)
        .where(LiveEvent.show_id == show_id, LiveEvent.type == "explain")
        .order_by(LiveEvent.ts.desc(), LiveEvent.seq.desc())
        .limit(1)
    ).first()
    if row is None or row[0].get("action") != "start":
        return None
    product = row[0].get("product")
    return str(product) if product is not None else None


@dataclass(frozen=True)
class LoggedEvent:
    """One logged audience event, as other features read it."""

    show_id: str
    type: str
    ts: int
    user: str | None
    body: dict[str, Any]


def events_of(db: Any, show_id: str, types: tuple[str, ...], users: Any = None) -> list[LoggedEvent]:
    """A show's logged events of some types (optionally of some users only), in arrival order."""
    from sqlalchemy import select

    from livecrew.live.models import LiveEvent

    stmt = select(LiveEvent.show_id, LiveEvent.type, LiveEvent.ts, LiveEvent.user, LiveEvent.body).where(
        LiveEvent.show_id == show_id, LiveEvent.type.in_(types)
    )
    if users is not None:
        stmt = stmt.where(LiveEvent.user.in_(list(users)))
    rows = db.execute(stmt.order_by(LiveEvent.seq)).all()
    return [LoggedEvent(r[0], r[1], int(r[2]), r[3], dict(r[4])) for r in rows]


def pays_between(db: Any, workspace_id: str, users: Any, start_ms: int, end_ms: int) -> dict[str, list[int]]:
    """For each of ``users``: the ts of their ``pay`` events in ``[start_ms, end_ms]`` over every show of the
    workspace (sorted)."""
    from sqlalchemy import select

    from livecrew.live.models import LiveEvent
    from livecrew.shows.public import Show

    wanted = list(dict.fromkeys(users))
    found: dict[str, list[int]] = {}
    for i in range(0, len(wanted), 500):
        rows = db.execute(
            select(LiveEvent.user, LiveEvent.ts)
            .join(Show, Show.id == LiveEvent.show_id)
            .where(
                Show.workspace_id == workspace_id,
                LiveEvent.type == "pay",
                LiveEvent.user.in_(wanted[i : i + 500]),
                LiveEvent.ts >= start_ms,
                LiveEvent.ts <= end_ms,
            )
        ).all()
        for user, ts in rows:
            found.setdefault(user, []).append(int(ts))
    return {user: sorted(stamps) for user, stamps in found.items()}


def start_simulation(app: Any, show_id: str, *, minutes: int, speed: float, incidents: tuple[str, ...] = ()) -> Any:
    """Play the simulator into a show inside this app, through the ingest path, as an asyncio task (a rehearsal
    drill injects ``incidents`` such as ``silence@1+45``). Raises ValueError for a malformed incident."""
    import asyncio

    from livecrew.live.simulation import run
    from livecrew.simulate import parse_incident

    parsed = tuple(parse_incident(i) for i in incidents)
    config: dict[str, Any] = {"show": show_id, "minutes": minutes, "speed": speed, "incidents": parsed}
    return asyncio.get_running_loop().create_task(run(app, config), name=f"livecrew-drill-{show_id}")
