"""The team's manifest: people's duties, the responsibility matrix, AB backups and KPIs."""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="team",
    models=("livecrew.team.models",),
    routers=("livecrew.team.api:router", "livecrew.team.pages:router"),
    cli=("livecrew.team.cli:register",),
    jobs=("livecrew.team.jobs:start",),
    on_workspace_created=("livecrew.team.hooks:on_workspace_created",),
    on_demo_seed=("livecrew.team.hooks:on_demo_seed",),
    gate_checks=("livecrew.team.gate:absences_covered",),
    sections=(Section("team", "/team", 10),),
    contributes={"shows.detail_panel": ("livecrew.team.pages:absence_panel",)},
)
