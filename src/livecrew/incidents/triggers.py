"""What opens a run by itself, and what a run's timeline hears while it is open.

Signals come from the live room's alerts (``live.alert_raised``) and from this feature's own listener on
ingested events (a burst of complaints about one product, a wave of complaints, paid orders the stock could not
cover). The workspace maps each signal to a runbook (defaults below; an empty key switches a signal off). One
active run per show and signal: a new signal of the same cause attaches to it (a timeline line), it does not
open a second run. A run opened while the show is rehearsing is a drill.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import Clock, clock_of
from livecrew.core.errors import DomainError
from livecrew.core.logging import get_logger
from livecrew.incidents import service
from livecrew.incidents.models import Incident, IncidentSettings
from livecrew.shows.public import show_info_any

log = get_logger(__name__)

# signal -> the runbook it opens by default
DEFAULT_TRIGGERS: dict[str, str] = {
    "feed_silent": "network_outage",
    "complaint_burst": "product_challenged",
    "complaint_wave": "negative_comment_storm",
    "speech_compliance": "compliance_warning",
    "oversold": "stock_oversold",
    # known, off unless a workspace maps them
    "comment_compliance": "",
    "online_falling": "",
    "stock_low": "",
}
SIGNALS = tuple(DEFAULT_TRIGGERS)


def settings_of(db: Session, workspace_id: str) -> IncidentSettings:
    """The workspace's settings row, or an unsaved one with the defaults (a read never writes)."""
    row = db.get(IncidentSettings, workspace_id)
    if row is None:
        row = IncidentSettings(
            workspace_id=workspace_id,
            triggers={},
            drill_stale_days=30,
            gate_enabled=False,
            gate_days=30,
            burst_count=5,
            wave_count=12,
            burst_seconds=60,
        )
    return row


def triggers_of(db: Session, workspace_id: str) -> dict[str, str]:
    return {**DEFAULT_TRIGGERS, **settings_of(db, workspace_id).triggers}


def update_settings(db: Session, workspace: Workspace, data: dict[str, Any]) -> IncidentSettings:
    from livecrew.core.errors import ValidationFailed
    from livecrew.incidents.runbooks import list_runbooks

    row = db.get(IncidentSettings, workspace.id) or settings_of(db, workspace.id)
    if "triggers" in data and data["triggers"] is not None:
        keys = {r.key for r in list_runbooks(db, workspace.id)}
        triggers = dict(row.triggers or {})
        for signal, key in dict(data["triggers"]).items():
            if signal not in DEFAULT_TRIGGERS:
                raise ValidationFailed(
                    f'unknown signal "{signal}"; signals: {", ".join(SIGNALS)}',
                    key="err.trigger_signal",
                    params={"signal": signal},
                )
            if key and key not in keys:
                raise ValidationFailed(
                    f'no runbook "{key}" for signal "{signal}"', key="err.no_runbook", params={"key": key}
                )
            triggers[signal] = key or ""
        row.triggers = triggers
    for name, low, high in (
        ("drill_stale_days", 1, 365),
        ("gate_days", 1, 365),
        ("burst_count", 2, 1000),
        ("wave_count", 2, 10000),
        ("burst_seconds", 10, 3600),
    ):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(
                f"{name} must be a whole number from {low} to {high}",
                key="err.trigger_range",
                params={"field": name, "low": low, "high": high},
            )
        setattr(row, name, value)
    if data.get("gate_enabled") is not None:
        row.gate_enabled = bool(data["gate_enabled"])
    db.add(row)
    db.flush()
    return row


def raise_signal(
    db: Session,
    clock: Clock,
    workspace_id: str,
    show_id: str,
    signal: str,
    text: str,
    *,
    alert_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Incident | None:
    """Open the run the workspace maps this signal to, or attach the signal to the active run of that cause."""
    key = triggers_of(db, workspace_id).get(signal) or ""
    if not key:
        return None
    show = show_info_any(db, show_id)
    if show is None or show.workspace_id != workspace_id or show.status not in ("live", "rehearsing"):
        return None
    for run in service.active_runs(db, show_id):
        if run.cause == signal:
            service.add_timeline(
                db, clock, run, "alert", text, data={"signal": signal, "alert_id": alert_id, **(data or {})}
            )
            service.announce(db, run, "incident.updated")
            return run
    workspace = db.get(Workspace, workspace_id)
    if workspace is None:
        return None
    try:
        run = service.open_incident(
            db,
            clock,
            workspace,
            show_id,
            key,
            drill=show.status == "rehearsing",
            cause=signal,
            alert_id=alert_id,
            note=text,
        )
    except DomainError as exc:  # e.g. the mapped runbook was archived: the alert stands on its own
        log.warning("incidents.auto_open_failed", show=show_id, signal=signal, error=exc.message)
        return None
    if data and "key" not in data:
        service.add_timeline(db, clock, run, "alert", text, data={"signal": signal, "alert_id": alert_id, **data})
    elif data:
        opened = service.timeline(db, run)[0]
        opened.data = {**opened.data, "key": data["key"], "params": data.get("params", {})}
        db.flush()
    return run


# ---------------------------------------------------------------------------------------------------------
# Domain-event subscribers (in the emitter's transaction: flush, never commit)
# ---------------------------------------------------------------------------------------------------------


def on_alert_raised(db: Session, event: Any) -> None:
    """``live.alert_raised`` (livecrew.live.public.AlertRaised)."""
    raise_signal(
        db,
        clock_of(db),
        event.workspace_id,
        event.show_id,
        event.rule,
        f"alert {event.rule}: {event.message}",
        alert_id=event.alert_id,
        data={"key": event.key, "params": dict(event.params)},
    )


def on_message_posted(db: Session, event: Any) -> None:
    """``comms.message_posted``: messages of the show's emergency channel go on its active runs' timelines."""
    if event.channel_kind != "emergency" or not event.show_id:
        return
    if event.author_id is None:
        return  # a system line: the channel's echo of this run's own changes, already on its timeline
    clock = clock_of(db)
    for run in service.active_runs(db, event.show_id):
        if run.workspace_id != event.workspace_id:
            continue
        service.add_timeline(
            db,
            clock,
            run,
            "message",
            event.text,
            actor_id=event.author_id if event.author_id and db.get(User, event.author_id) else None,
            data={"message_id": event.message_id, "channel_id": event.channel_id, "tags": list(event.tags)},
        )
        service.announce(db, run, "incident.updated")


def on_action_performed(db: Session, event: Any) -> None:
    """``live.action_performed``: what the control room did while a run was active."""
    clock = clock_of(db)
    for run in service.active_runs(db, event.show_id):
        payload = event.payload or {}
        what = payload.get("product") or payload.get("title") or payload.get("text") or ""
        service.add_timeline(
            db,
            clock,
            run,
            "action",
            f"{event.kind} {what} {payload.get('action') or ''}".strip(),
            actor_id=event.actor_id,
            data={"action_id": event.action_id, "kind": event.kind},
        )


# ---------------------------------------------------------------------------------------------------------
# The ingest listener: complaint bursts and waves, oversold orders
# ---------------------------------------------------------------------------------------------------------


class ComplaintWindow:
    """Per show, the complaint comments of the last ``seconds`` (by event time), per product in focus."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recent: dict[str, deque[tuple[int, str]]] = defaultdict(deque)
        self.focus: dict[str, str] = {}  # show -> the product being explained

    def add(self, show_id: str, ts: int, product: str, seconds: int) -> tuple[int, int]:
        """Record one complaint; returns (complaints in the window, of them about ``product``)."""
        with self.lock:
            q = self.recent[show_id]
            q.append((ts, product))
            while q and q[0][0] < ts - seconds * 1000:
                q.popleft()
            while len(q) > 10_000:
                q.popleft()
            return len(q), sum(1 for _t, p in q if p == product)

    def reset(self, show_id: str, product: str | None = None) -> None:
        with self.lock:
            q = self.recent[show_id]
            kept = [x for x in q if product is not None and x[1] != product]
            q.clear()
            q.extend(kept)


WINDOW = ComplaintWindow()


def _is_complaint(text: str) -> tuple[bool, str | None]:
    from livecrew.text.public import comment_label

    label, topic = comment_label(text)
    return label == "complaint", topic


def on_events(db: Session, clock: Clock, show: Any, events: Iterable[Any]) -> None:
    """After each ingest batch, in its transaction."""
    if show.status not in ("live", "rehearsing"):
        return
    triggers = triggers_of(db, show.workspace_id)
    watch_comments = bool(triggers.get("complaint_burst") or triggers.get("complaint_wave"))
    paid: list[str] = []
    fired: dict[str, tuple[str, dict[str, Any]]] = {}
    settings = settings_of(db, show.workspace_id) if watch_comments else None
    for event in events:
        if event.type == "explain" and event.product:
            if event.action == "start":
                WINDOW.focus[show.id] = event.product
            elif WINDOW.focus.get(show.id) == event.product:
                WINDOW.focus.pop(show.id, None)
        elif event.type == "comment" and settings is not None and event.text:
            complaint, _topic = _is_complaint(event.text)
            if not complaint:
                continue
            product = WINDOW.focus.get(show.id, "")
            total, about = WINDOW.add(show.id, event.ts, product, settings.burst_seconds)
            if product and about >= settings.burst_count and "complaint_burst" not in fired:
                fired["complaint_burst"] = (
                    f"{about} complaints about {product} within {settings.burst_seconds} s",
                    {"product": product, "complaints": about},
                )
            elif total >= settings.wave_count and "complaint_wave" not in fired:
                fired["complaint_wave"] = (
                    f"{total} complaints within {settings.burst_seconds} s",
                    {"complaints": total},
                )
        elif event.type == "pay" and event.order:
            paid.append(event.order)
    if paid and triggers.get("oversold"):
        from livecrew.goods.public import oversold_orders

        short = oversold_orders(db, show.id, paid)
        if short:
            units = sum(q for _r, q in short)
            fired["oversold"] = (
                f"{len(short)} paid order(s) the stock could not cover ({units} units)",
                {"orders": [r for r, _q in short][:20], "units": units},
            )
    for signal, (text, data) in fired.items():
        run = raise_signal(db, clock, show.workspace_id, show.id, signal, text, data=data)
        if run is not None and signal.startswith("complaint"):
            WINDOW.reset(show.id, data.get("product"))
            if signal == "complaint_burst" and data.get("product"):
                _link_product(db, run, str(data["product"]))


def _link_product(db: Session, run: Incident, sku: str) -> None:
    """A questioned product: its steps that need evidence show this product's documents and tests."""
    for step in run.steps:
        if step.role in ("selection", "controller", "host") and sku not in step.products:
            step.products = [*step.products, sku]
    db.flush()
