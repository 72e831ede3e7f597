"""Pushes' live messages (``livecrew.core.live_messages``): the settings pages refresh their tables on them."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("notify.target_changed", "workspace", "A push target was added, changed, fixed or removed.",
                {"target": "target id, or null"}),
    LiveMessage("notify.delivery", "workspace", "The relay tried a target: sent, retry, throttled or broken.",
                {"target": "target id", "result": "sent, retry, throttled or broken"}),
)  # fmt: skip
