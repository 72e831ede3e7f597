"""Live sources' manifest: connectors that feed a show from TikTok LIVE or Facebook Live."""

from livecrew.core.plugins import Feature

FEATURE = Feature(
    name="sources",
    models=("livecrew.sources.models",),
    routers=("livecrew.sources.api:router", "livecrew.sources.pages:router"),
    cli=("livecrew.sources.cli:register",),
    jobs=("livecrew.sources.jobs:start",),
    contributes={
        "shows.detail_panel": ("livecrew.sources.pages:show_panel",),
        "live.room_panel": ("livecrew.sources.pages:room_panel",),
    },
)
