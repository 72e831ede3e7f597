"""The incidents' manifest: runbooks, incident runs with their clock, drills, and what they listen to."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="incidents",
    live_messages=("livecrew.incidents.messages:MESSAGES",),
    models=("livecrew.incidents.models",),
    routers=("livecrew.incidents.api:router", "livecrew.incidents.pages:router"),
    cli=("livecrew.incidents.cli:register",),
    jobs=("livecrew.incidents.jobs:start",),
    on_workspace_created=("livecrew.incidents.runbooks:on_workspace_created",),
    # After goods (its stock listener marks oversold orders first) and text.
    live_listeners=("livecrew.incidents.triggers:on_events",),
    subscribers={
        "live.alert_raised": ("livecrew.incidents.triggers:on_alert_raised",),
        "live.action_performed": ("livecrew.incidents.triggers:on_action_performed",),
        "comms.message_posted": ("livecrew.incidents.triggers:on_message_posted",),
    },
    gate_checks=("livecrew.incidents.gate:runbooks_drilled",),
    sections=(Section("incidents", "/incidents", 45),),
    # The review (復盤) lists the show's incidents with their times.
    contributes={"review.incident_source": ("livecrew.incidents.public:incidents_for_review",)},
)
