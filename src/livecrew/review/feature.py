"""The review's manifest: the review after the show (復盤), scorecards, trends, cases and exports.

Extension point owned here: ``"review.incident_source"`` — a feature that keeps incidents contributes
``fn(db, show_id) -> list[dict]`` (title, status, opened_at, acknowledged_at, resolved_at as datetimes, and
anything else worth showing); the review lists them with their times to acknowledge and resolve.
"""

from livecrew.core.plugins import Feature, Section

FEATURE = Feature(
    name="review",
    models=("livecrew.review.models",),
    routers=("livecrew.review.api:router", "livecrew.review.pages:router"),
    cli=("livecrew.review.cli:register",),
    jobs=("livecrew.review.jobs:start",),
    subscribers={"shows.show_transitioned": ("livecrew.review.service:on_show_transitioned",)},
    live_listeners=("livecrew.review.listener:on_events",),
    gate_checks=("livecrew.review.gate:review_has_outcome",),
    sections=(Section("review", "/review", 50),),
    contributes={"web.home_card": ("livecrew.review.home:reviews_card",)},
)
