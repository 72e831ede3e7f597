"""Team channels' manifest: channels, tags, messages, system messages from other features' facts, the
channels page and the host's screen."""

from livecrew.core.plugins import Feature, Section

_EVENTS = "livecrew.comms.events"

FEATURE = Feature(
    name="comms",
    models=("livecrew.comms.models",),
    live_messages=("livecrew.comms.messages:MESSAGES",),
    routers=("livecrew.comms.api:router", "livecrew.comms.pages:router"),
    cli=("livecrew.comms.cli:register",),
    on_workspace_created=("livecrew.comms.hooks:on_workspace_created",),
    on_demo_seed=("livecrew.comms.hooks:on_demo_seed",),
    subscribers={
        "shows.show_created": ("livecrew.comms.hooks:on_show_created",),
        "shows.show_transitioned": (f"{_EVENTS}:on_show_transitioned",),
        "shows.gate_refused": (f"{_EVENTS}:on_gate_refused",),
        "live.alert_raised": (f"{_EVENTS}:on_alert_raised",),
        "live.alert_acknowledged": (f"{_EVENTS}:on_alert_acknowledged",),
        "live.alert_resolved": (f"{_EVENTS}:on_alert_resolved",),
        "live.action_performed": (f"{_EVENTS}:on_action_performed",),
        "incidents.opened": (f"{_EVENTS}:on_incident_opened",),
        "incidents.transitioned": (f"{_EVENTS}:on_incident_transitioned",),
        "incidents.step_overdue": (f"{_EVENTS}:on_step_overdue",),
        "service.sla_breached": (f"{_EVENTS}:on_sla_breached",),
        "service.daily_report_ready": (f"{_EVENTS}:on_daily_report_ready",),
    },
    sections=(Section("channels", "/channels", 45),),
)
