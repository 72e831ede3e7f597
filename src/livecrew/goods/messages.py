"""Goods's live messages (``livecrew.core.live_messages``): what its pages' streams carry."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("claims", "show", "Claims (喊單) of these lineup codes changed: confirmed, waitlisted or cancelled.",
                {"changed": "lineup codes, e.g. [\"A3\"]"}),
    LiveMessage("oversold", "show", "A platform order took more than was left.",
                {"order": "order ref", "qty": "units"}),
)  # fmt: skip
