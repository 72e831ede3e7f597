"""The daily board's manifest: what it plugs into livecrew."""

from livecrew.core.plugins import Feature

FEATURE = Feature(
    name="board",
    models=("livecrew.board.models",),
    live_messages=("livecrew.board.messages:MESSAGES",),
    routers=("livecrew.board.api:router", "livecrew.board.pages:router"),
    cli=("livecrew.board.cli:register",),
    on_demo_seed=("livecrew.board.hooks:on_demo_seed",),
    subscribers={"shows.rehearsal_problems_found": ("livecrew.board.hooks:on_rehearsal_problems",)},
    contributes={"web.home_stat": ("livecrew.board.pages:my_tasks_tile",)},
)
