"""The live room's manifest: ingest, the engine, alerts, control-room actions and their pages."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="live",
    models=("livecrew.live.models",),
    live_messages=("livecrew.live.messages:MESSAGES",),
    routers=("livecrew.live.api:router", "livecrew.live.pages:router"),
    cli=("livecrew.live.cli:register",),
    jobs=("livecrew.live.jobs:start",),
    subscribers={"text.compliance_flagged": ("livecrew.live.alerts:on_compliance_flagged",)},
    sections=(Section("live", "/live", 40),),
    contributes={
        "web.home_card": ("livecrew.live.home:live_room_card",),
        "web.home_activity": ("livecrew.live.home:live_activity",),
    },
)
