"""System messages: other features' facts, posted tagged into the right channel, in the emitter's transaction.

Alerts, go-live and other lifecycle steps and control-room actions go to the show's live channel (the
controller's 通知團隊 is posted as the controller's own message); incidents to its emergency channel; customer
service's breaches and daily reports to the workspace's service channel.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.comms import service
from livecrew.comms.models import Channel
from livecrew.core.auth.models import User
from livecrew.core.auth.roles import ROLE_NAMES, Role
from livecrew.core.clock import clock_of
from livecrew.core.config import LANGUAGES
from livecrew.incidents.public import IncidentOpened, IncidentTransitioned, StepOverdue
from livecrew.live.public import ActionPerformed, AlertAcknowledged, AlertFact, AlertRaised, AlertResolved
from livecrew.service.public import DailyReportReady, SlaBreached
from livecrew.shows.public import GateRefusedFact, ShowTransitioned
from livecrew.web.i18n import Translator

# Tags of alert rules (the rest are untagged: the live channel is where they belong).
ALERT_TAGS = {
    "stock_low": ["stock"],
    "sold_out": ["stock"],
    "speech_compliance": ["compliance"],
    "comment_compliance": ["compliance"],
    "feed_silent": ["tech"],
}
SEVERITY = {"high": "critical", "critical": "critical", "medium": "warning", "warning": "warning"}


def _texts(key: str, **params: Any) -> dict[str, str]:
    """A catalog message in every console language; params that are catalog keys (``@status.live``) are
    translated first."""
    texts: dict[str, str] = {}
    for language in LANGUAGES:
        t = Translator(language)
        values = {k: _param(t, v) for k, v in params.items()}
        try:
            texts[language] = t(key, **values)
        except (KeyError, IndexError, ValueError):
            texts[language] = key
    return texts


def _param(t: Translator, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@role."):
        role = value[len("@role.") :]
        return t.pick(ROLE_NAMES[Role(role)]) if role in Role.__members__ else role
    if isinstance(value, str) and value.startswith("@"):
        text = t(value[1:])
        return value.rsplit(".", 1)[-1] if text == value[1:] else text
    return value


def _post_system(
    db: Session,
    channel: Channel | None,
    texts: dict[str, str],
    *,
    tags: list[str] | None = None,
    severity: str = "info",
    source: str | None = None,
    mention_roles: list[str] | None = None,
    mention_users: list[str] | None = None,
    event_ts: int | None = None,
) -> None:
    if channel is None or channel.archived:
        return
    language = service.workspace_language(db, channel.workspace_id)
    service.post(
        db,
        clock_of(db),
        channel,
        text=texts.get(language) or next(iter(texts.values())),
        author=None,
        tags=[t for t in tags or [] if _has_tag(db, channel.workspace_id, t)],
        severity=severity,
        mention_roles=mention_roles,
        mention_users=[u for u in mention_users or [] if u],
        texts=texts,
        source=source,
        event_ts=event_ts,
    )


def _has_tag(db: Session, workspace_id: str, key: str) -> bool:
    """System messages keep their tag only while the workspace has it (a retired tag is not forced back)."""
    return any(t.key == key for t in service.list_tags(db, workspace_id))


def _show_channel(db: Session, workspace_id: str, show_id: str, kind: str) -> Channel | None:
    channel = service.show_channel_of(db, show_id, kind)
    if channel is None:  # a show from before channels existed, missed by the migration: make them now
        channel = {c.kind: c for c in service.ensure_show_channels(db, clock_of(db), workspace_id, show_id)}[kind]
    return channel


# ------------------------------------------------------------------ the live room


def _alert_text(fact: AlertFact) -> dict[str, str]:
    texts = {}
    for language in LANGUAGES:
        t = Translator(language)
        try:
            text = t(fact.key, **fact.params)
        except (KeyError, IndexError, ValueError):
            text = fact.key
        texts[language] = fact.message if text == fact.key else text
    return texts


def _on_alert(db: Session, fact: AlertFact, what: str) -> None:
    channel = _show_channel(db, fact.workspace_id, fact.show_id, "live")
    alert = _alert_text(fact)
    who = ""
    if fact.user_id:
        person = db.get(User, fact.user_id)
        who = person.display_name if person else ""
    texts = {}
    for language in LANGUAGES:
        t = Translator(language)
        texts[language] = t(f"comms.sys.alert_{what}", text=alert[language], who=who)
    _post_system(
        db,
        channel,
        texts,
        tags=ALERT_TAGS.get(fact.rule, []),
        severity=SEVERITY.get(fact.severity, "info") if what == "raised" else "info",
        source=f"alert:{fact.alert_id}:{what}",
        mention_roles=list(fact.roles) if what == "raised" else None,
    )


def on_alert_raised(db: Session, event: AlertRaised) -> None:
    _on_alert(db, event, "raised")


def on_alert_acknowledged(db: Session, event: AlertAcknowledged) -> None:
    _on_alert(db, event, "acknowledged")


def on_alert_resolved(db: Session, event: AlertResolved) -> None:
    _on_alert(db, event, "resolved")


def on_show_transitioned(db: Session, event: ShowTransitioned) -> None:
    channel = _show_channel(db, event.workspace_id, event.show_id, "live")
    person = db.get(User, event.actor_id) if event.actor_id else None
    key = "comms.sys.show_live" if event.to_status == "live" else "comms.sys.show_status"
    texts = _texts(key, status=f"@status.{event.to_status}", who=person.display_name if person else "livecrew")
    _post_system(db, channel, texts)


def on_action_performed(db: Session, event: ActionPerformed) -> None:
    """通知團隊 (``announce``) is the controller's message in the live channel; other actions are system lines."""
    channel = _show_channel(db, event.workspace_id, event.show_id, "live")
    if channel is None:
        return
    actor = db.get(User, event.actor_id) if event.actor_id else None
    if event.kind == "announce":
        text = str(event.payload.get("text") or "").strip()
        if text:
            service.post(
                db,
                clock_of(db),
                channel,
                text=text,
                author=actor,
                source=f"action:{event.action_id}",
                event_ts=event.ts,
            )
        return
    payload = event.payload
    what = str(payload.get("product") or payload.get("title") or "")
    action = str(payload.get("action") or "")
    key = f"comms.sys.action.{event.kind}" + (f"_{action}" if action else "")
    texts = _texts(key, who=actor.display_name if actor else "", what=what)
    if any(text == key for text in texts.values()):
        texts = _texts("comms.sys.action.other", who=actor.display_name if actor else "", kind=event.kind, what=what)
    _post_system(db, channel, texts, source=f"action:{event.action_id}", event_ts=event.ts)


# ------------------------------------------------------------------ incidents


def _incident(db: Session, event: IncidentOpened | IncidentTransitioned, what: str) -> None:
    channel = _show_channel(db, event.workspace_id, event.show_id, "emergency")
    drill = _texts("comms.sys.drill") if event.drill else {lang: "" for lang in LANGUAGES}
    texts = _texts(f"comms.sys.incident_{what}", title=event.title, status=event.status)
    texts = {lang: (drill[lang] + texts[lang]).strip() for lang in texts}
    _post_system(
        db,
        channel,
        texts,
        tags=["tech"] if "tech" in event.runbook or "stream" in event.runbook else [],
        severity=SEVERITY.get(event.severity, "warning") if not event.drill else "info",
        source=f"incident:{event.incident_id}:{event.status}",
        mention_users=[event.commander_id] if event.commander_id and what == "opened" else None,
    )


def on_incident_opened(db: Session, event: IncidentOpened) -> None:
    _incident(db, event, "opened")


def on_incident_transitioned(db: Session, event: IncidentTransitioned) -> None:
    _incident(db, event, "transitioned")


def on_step_overdue(db: Session, event: StepOverdue) -> None:
    channel = _show_channel(db, event.workspace_id, event.show_id, "emergency")
    texts = _texts("comms.sys.step_overdue", title=event.title, role=f"@role.{event.role}")
    _post_system(
        db,
        channel,
        texts,
        severity="warning",
        source=f"incident:{event.incident_id}:step:{event.step_id}:overdue",
        mention_users=[u for u in (event.assignee_id, event.commander_id) if u],
    )


# ------------------------------------------------------------------ customer service


def _service_channel(db: Session, workspace_id: str) -> Channel | None:
    return db.scalar(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.show_id.is_(None), Channel.key == "service")
    )


SLA_TAGS = {"order": "order", "logistics": "order", "refund": "order", "product": "product", "complaint": "complaint"}


def on_sla_breached(db: Session, event: SlaBreached) -> None:
    texts = _texts("comms.sys.sla_breached", customer=event.customer, clock=f"@comms.sla.{event.clock}")
    _post_system(
        db,
        _service_channel(db, event.workspace_id),
        texts,
        tags=[SLA_TAGS.get(event.kind, "complaint")],
        severity="warning",
        source=f"sla:{event.ticket_id}:{event.clock}",
        mention_users=[event.assignee_id] if event.assignee_id else None,
        mention_roles=None if event.assignee_id else ["service"],
    )


def on_daily_report_ready(db: Session, event: DailyReportReady) -> None:
    texts = _texts("comms.sys.daily_report", day=event.day, summary=event.summary)
    _post_system(db, _service_channel(db, event.workspace_id), texts, source=f"daily:{event.day}")


def on_gate_refused(db: Session, event: GateRefusedFact) -> None:
    """The gate refused a move: the unmet conditions, in each language, in the show's live channel."""
    channel = _show_channel(db, event.workspace_id, event.show_id, "live")
    person = db.get(User, event.actor_id) if event.actor_id else None
    texts = {}
    for language in LANGUAGES:
        t = Translator(language)
        reasons = []
        for problem in event.problems:
            try:
                text = t(str(problem.get("key", "")), **dict(problem.get("params") or {}))
            except (KeyError, IndexError, ValueError):
                text = str(problem.get("key", ""))
            reasons.append(str(problem.get("message", "")) if text == problem.get("key") else text)
        texts[language] = t(
            "comms.sys.gate_refused",
            status=_param(t, f"@status.{event.to_status}"),
            who=person.display_name if person else "livecrew",
            reasons="；".join(reasons) if language != "en" else "; ".join(reasons),
        )
    _post_system(db, channel, texts, severity="warning")
