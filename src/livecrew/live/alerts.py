"""Alerts: a list of small rule objects evaluated once a tick against a live show.

An alert is raised once, then updated while its condition lasts (not repeated every second), resolved
when the condition clears, and acknowledged by a person (time to acknowledge is recorded). Thresholds
and the roles each rule addresses are editable per workspace (``AlertRule`` rows override defaults).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock, clock_of
from livecrew.core.errors import NotFound, ValidationFailed
from livecrew.core.events import emit
from livecrew.core.plugins import contributions
from livecrew.core.pubsub import publish_after_commit, show_channel
from livecrew.live.facts import AlertAcknowledged, AlertFact, AlertRaised, AlertResolved
from livecrew.live.models import Alert, AlertRule
from livecrew.shows.public import Show
from livecrew.text.public import ComplianceFlagged


@dataclass(frozen=True)
class Finding:
    message: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    show: Show
    snapshot: dict[str, Any]
    seconds_since_event: float | None  # wall-clock seconds since the last accepted event
    last_comment_ts: int | None
    params: dict[str, Any]
    stock: dict[str, int] | None = None


@dataclass(frozen=True)
class Rule:
    key: str
    severity: str  # "high", "medium", "low"
    roles: tuple[str, ...]
    defaults: dict[str, int]
    check: Callable[[Context], Finding | None]


def _window_means(minutes: list[dict[str, Any]], field_name: str, n: int) -> tuple[float, float] | None:
    # The last minute is still filling up; compare complete minutes only.
    complete = minutes[:-1]
    if len(complete) < 2 * n:
        return None
    recent = complete[-n:]
    before = complete[-2 * n : -n]
    return (
        sum(float(m.get(field_name) or 0) for m in before) / n,
        sum(float(m.get(field_name) or 0) for m in recent) / n,
    )


def online_falling(ctx: Context) -> Finding | None:
    n, drop = int(ctx.params["window_minutes"]), int(ctx.params["drop_pct"])
    means = _window_means(ctx.snapshot.get("minutes") or [], "online_end", n)
    if means is None or means[0] < 10:
        return None
    before, recent = means
    fall = (before - recent) / before * 100
    if fall >= drop:
        return Finding(
            f"online viewers fell {fall:.0f}% (last {n} min: {recent:.0f}, the {n} min before: {before:.0f})",
            "alert.online_falling",
            {"pct": round(fall), "n": n, "recent": round(recent), "before": round(before)},
        )
    return None


def conversion_falling(ctx: Context) -> Finding | None:
    n, drop = int(ctx.params["window_minutes"]), int(ctx.params["drop_pct"])
    minutes = (ctx.snapshot.get("minutes") or [])[:-1]
    if len(minutes) < 2 * n:
        return None

    def rate(chunk: list[dict[str, Any]]) -> float | None:
        enters = sum(int(m.get("enters") or 0) for m in chunk)
        orders = sum(int(m.get("paid_orders") or 0) for m in chunk)
        return orders / enters if enters >= 20 else None

    before, recent = rate(minutes[-2 * n : -n]), rate(minutes[-n:])
    if before is None or recent is None or before == 0:
        return None
    fall = (before - recent) / before * 100
    if fall >= drop:
        return Finding(
            f"conversion fell {fall:.0f}% over the last {n} min (orders per arrival {recent:.1%} vs {before:.1%})",
            "alert.conversion_falling",
            {"pct": round(fall), "n": n},
        )
    return None


def no_comments(ctx: Context) -> Finding | None:
    seconds = int(ctx.params["seconds"])
    end = ctx.snapshot.get("end")
    if end is None or ctx.last_comment_ts is None:
        return None
    quiet = (int(end) - ctx.last_comment_ts) / 1000
    if quiet >= seconds:
        return Finding(
            f"no comments for {quiet:.0f} s: ask a question, start a draw",
            "alert.no_comments",
            {"seconds": round(quiet)},
        )
    return None


def feed_silent(ctx: Context) -> Finding | None:
    seconds = int(ctx.params["seconds"])
    if ctx.seconds_since_event is None or ctx.seconds_since_event < seconds:
        return None
    return Finding(
        f"no events for {ctx.seconds_since_event:.0f} s: check the stream, the network and the platform feed",
        "alert.feed_silent",
        {"seconds": round(ctx.seconds_since_event)},
    )


def stock_low(ctx: Context) -> Finding | None:
    if not ctx.stock:
        return None
    threshold = int(ctx.params["units"])
    low = sorted(sku for sku, left in ctx.stock.items() if left <= threshold)
    if not low:
        return None
    listed = ", ".join(f"{sku} ({ctx.stock[sku]})" for sku in low[:5])
    return Finding(f"stock low: {listed}", "alert.stock_low", {"items": listed})


RULES: list[Rule] = [
    Rule(
        "online_falling",
        "high",
        ("controller", "operations", "host"),
        {"window_minutes": 3, "drop_pct": 30},
        online_falling,
    ),
    Rule(
        "conversion_falling",
        "medium",
        ("operations", "analyst"),
        {"window_minutes": 10, "drop_pct": 40},
        conversion_falling,
    ),
    Rule("no_comments", "medium", ("assistant", "host"), {"seconds": 120}, no_comments),
    Rule("feed_silent", "high", ("tech", "controller"), {"seconds": 30}, feed_silent),
    Rule("stock_low", "medium", ("controller", "selection"), {"units": 20}, stock_low),
]
RULES_BY_KEY = {r.key: r for r in RULES}

# Other features provide the live stock left per SKU of a show (goods registers one).
StockSource = Callable[[Session, Show], dict[str, int]]
STOCK_SOURCES = "live.stock_source"


def rule_settings(db: Session, workspace_id: str) -> dict[str, tuple[bool, dict[str, Any], tuple[str, ...]]]:
    rows = {r.rule: r for r in db.scalars(select(AlertRule).where(AlertRule.workspace_id == workspace_id)).all()}
    settings = {}
    for rule in RULES:
        row = rows.get(rule.key)
        params = {**rule.defaults, **(row.params if row else {})}
        roles = tuple(row.roles) if row and row.roles else rule.roles
        settings[rule.key] = (row.enabled if row else True, params, roles)
    return settings


def update_rule(
    db: Session,
    workspace: Workspace,
    key: str,
    *,
    enabled: bool | None,
    params: dict[str, Any] | None,
    roles: list[str] | None,
) -> AlertRule:
    from livecrew.core.auth.roles import TEAM_ROLES

    rule = RULES_BY_KEY.get(key)
    if rule is None:
        raise NotFound(
            f'no alert rule "{key}"; rules: {", ".join(RULES_BY_KEY)}', key="err.no_alert_rule", params={"rule": key}
        )
    row = db.get(AlertRule, (workspace.id, key)) or AlertRule(workspace_id=workspace.id, rule=key, params={}, roles=[])
    if params is not None:
        for name, value in params.items():
            if name not in rule.defaults:
                raise ValidationFailed(
                    f'rule "{key}" has no setting "{name}"; it has: {", ".join(rule.defaults)}',
                    key="err.alert_setting",
                    params={"rule": key, "field": name},
                )
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000:
                raise ValidationFailed(
                    f'"{name}" must be a whole number from 1 to 100000 (got {value!r})',
                    key="err.alert_value",
                    params={"field": name},
                )
        row.params = {**row.params, **params}
    if roles is not None:
        valid = {r.value for r in TEAM_ROLES}
        unknown = [r for r in roles if r not in valid]
        if unknown or not roles:
            raise ValidationFailed(
                f"roles must be team roles ({', '.join(sorted(valid))}); got {roles}", key="err.alert_roles"
            )
        row.roles = roles
    if enabled is not None:
        row.enabled = enabled
    db.add(row)
    db.flush()
    return row


def publish_alert(db: Session, alert: Alert, kind: str) -> None:
    """Push an alert's change to the control rooms (and its domain event), after commit."""
    _publish(db, alert, kind)


_FACTS: dict[str, type[AlertFact]] = {
    "alert.raised": AlertRaised,
    "alert.acknowledged": AlertAcknowledged,
    "alert.resolved": AlertResolved,
}


def _publish(db: Session, alert: Alert, kind: str, workspace_id: str | None = None) -> None:
    publish_after_commit(db, show_channel(alert.show_id), {"kind": kind, "alert": alert_dict(alert)})
    fact = _FACTS.get(kind)
    if fact is not None:
        if workspace_id is None:
            workspace_id = db.scalar(select(Show.workspace_id).where(Show.id == alert.show_id))
        emit(
            db,
            fact(
                workspace_id=workspace_id or "",
                show_id=alert.show_id,
                alert_id=alert.id,
                rule=alert.rule,
                severity=alert.severity,
                roles=tuple(alert.roles),
                message=alert.message,
                key=alert.key,
                params=dict(alert.params),
                user_id=alert.acknowledged_by if kind == "alert.acknowledged" else None,
            ),
        )


def on_compliance_flagged(db: Session, event: ComplianceFlagged) -> None:
    """Text analysis found lines breaking the lexicon: one open alert per rule and show, raised once, then
    updated with the latest line while it stays open (``updates`` counts the further lines)."""
    now = clock_of(db).now()
    current = db.scalar(
        select(Alert).where(Alert.show_id == event.show_id, Alert.rule == event.rule, Alert.acknowledged_at.is_(None))
    )
    if current is None:
        current = Alert(
            show_id=event.show_id,
            rule=event.rule,
            severity=event.severity,
            roles=list(event.roles),
            message=event.message,
            key=f"alert.{event.rule}",
            params=event.params,
            raised_at=now,
            updated_at=now,
            updates=event.lines - 1,
            event_ts=event.ts,
        )
        db.add(current)
        db.flush()
        _publish(db, current, "alert.raised", event.workspace_id)
        return
    current.message, current.params, current.updated_at = event.message, event.params, now
    current.updates += event.lines
    current.event_ts = event.ts
    db.flush()
    _publish(db, current, "alert.updated")


def alert_texts(alert: Alert) -> dict[str, str]:
    """The alert's message in each console language."""
    from livecrew.core.config import LANGUAGES
    from livecrew.web.i18n import Translator

    texts = {}
    for language in LANGUAGES:
        text = Translator(language)(alert.key, **alert.params)
        texts[language] = alert.message if text == alert.key else text
    return texts


def alert_dict(alert: Alert) -> dict[str, Any]:
    return {
        "texts": alert_texts(alert),
        "id": alert.id,
        "rule": alert.rule,
        "severity": alert.severity,
        "roles": alert.roles,
        "message": alert.message,
        "key": alert.key,
        "params": alert.params,
        "raised_at": alert.raised_at.isoformat(),
        "updated_at": alert.updated_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "event_ts": alert.event_ts,
    }


def evaluate(
    db: Session,
    clock: Clock,
    show: Show,
    snapshot: dict[str, Any],
    *,
    last_received: float | None,
    last_comment_ts: int | None,
) -> list[Alert]:
    """Run every enabled rule once; raise, update or resolve alerts. Returns the show's open alerts."""
    settings = rule_settings(db, show.workspace_id)
    open_alerts = {
        a.rule: a for a in db.scalars(select(Alert).where(Alert.show_id == show.id, Alert.resolved_at.is_(None))).all()
    }
    stock: dict[str, int] | None = None
    sources: tuple[StockSource, ...] = contributions(STOCK_SOURCES)
    if sources and settings["stock_low"][0]:
        stock = {}
        for source in sources:
            stock.update(source(db, show))
    since = time.monotonic() - last_received if last_received is not None else None
    now = clock.now()
    for rule in RULES:
        enabled, params, roles = settings[rule.key]
        finding = None
        if enabled:
            ctx = Context(show, snapshot, since, last_comment_ts, params, stock)
            finding = rule.check(ctx)
        current = open_alerts.get(rule.key)
        if finding is None:
            if current is not None:
                current.resolved_at = now
                _publish(db, current, "alert.resolved", show.workspace_id)
                open_alerts.pop(rule.key)
            continue
        if current is None:
            current = Alert(
                show_id=show.id,
                rule=rule.key,
                severity=rule.severity,
                roles=list(roles),
                message=finding.message,
                key=finding.key,
                params=finding.params,
                raised_at=now,
                updated_at=now,
                updates=0,
                event_ts=snapshot.get("end"),
            )
            db.add(current)
            db.flush()
            open_alerts[rule.key] = current
            _publish(db, current, "alert.raised", show.workspace_id)
        elif current.params != finding.params:
            current.message = finding.message
            current.params = finding.params
            current.updated_at = now
            current.updates += 1
            _publish(db, current, "alert.updated")
    db.flush()
    return list(open_alerts.values())


def acknowledge(db: Session, clock: Clock, workspace: Workspace, alert_id: int, user: User) -> Alert:
    alert = db.get(Alert, alert_id)
    show = db.get(Show, alert.show_id) if alert else None
    if alert is None or show is None or show.workspace_id != workspace.id:
        raise NotFound(f"no alert {alert_id} in this workspace", key="err.no_alert")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = clock.now()
        alert.acknowledged_by = user.id
        db.flush()
        _publish(db, alert, "alert.acknowledged", workspace.id)
    return alert


def list_alerts(db: Session, show: Show) -> list[Alert]:
    return list(db.scalars(select(Alert).where(Alert.show_id == show.id).order_by(Alert.id.desc())).all())
