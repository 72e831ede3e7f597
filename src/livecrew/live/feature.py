"""The live room's manifest: ingest, the engine, alerts, control-room actions and their pages."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="live",
    models=("livecrew.live.models",),
    routers=("livecrew.live.api:router", "livecrew.live.pages:router"),
    cli=("livecrew.live.cli:register",),
    jobs=("livecrew.live.jobs:start",),
    sections=(Section("live", "/live", 40),),
)
