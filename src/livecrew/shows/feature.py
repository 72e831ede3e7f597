"""Shows' manifest: templates, the show lifecycle, its gate, roster, checklists and perks."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="shows",
    models=("livecrew.shows.models",),
    live_messages=("livecrew.shows.messages:MESSAGES",),
    routers=("livecrew.shows.api:router", "livecrew.shows.pages:router"),
    cli=("livecrew.shows.cli:register",),
    on_workspace_created=("livecrew.shows.hooks:on_workspace_created",),
    gate_checks=("livecrew.shows.gate:roles_staffed", "livecrew.shows.gate:checklist_complete"),
    sections=(Section("shows", "/shows", 30),),
    contributes={
        "web.home_card": (
            "livecrew.shows.home:my_show_card",
            "livecrew.shows.home:my_checklists_card",
            "livecrew.shows.home:next_shows_card",
        )
    },
)
