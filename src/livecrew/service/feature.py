"""Customer service's manifest: tickets, SLA clocks, reply templates, the daily report and retargeting."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="service",
    live_messages=("livecrew.service.messages:MESSAGES",),
    models=("livecrew.service.models",),
    routers=("livecrew.service.api:router", "livecrew.service.pages:router"),
    cli=("livecrew.service.cli:register",),
    jobs=("livecrew.service.jobs:start",),
    live_listeners=("livecrew.service.listeners:on_events",),
    sections=(Section("service", "/service", 60, action="service.view"),),
    contributes={"web.home_card": ("livecrew.service.home:queue_card",)},
)
