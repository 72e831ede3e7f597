"""Text analysis's manifest: comment triage, cue cards, compliance scanning and the lexicon."""

from livecrew.core.plugins import Feature

FEATURE = Feature(
    name="text",
    models=("livecrew.text.models",),
    routers=("livecrew.text.api:router", "livecrew.text.pages:router"),
    cli=("livecrew.text.cli:register",),
    live_listeners=("livecrew.text.listeners:on_events",),
    gate_checks=("livecrew.text.gate:script_compliant",),
    contributes={"serve.warm_up": ("livecrew.text.public:warm_up",)},
)
