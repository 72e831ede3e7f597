"""The daily board's live messages (``livecrew.core.live_messages``): what its pages' streams carry."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("task.created", "workspace", "A task was added to the board.", {"id": "task id"}),
    LiveMessage("task.changed", "workspace", "A task was changed, done or cancelled.", {"id": "task id"}),
)  # fmt: skip
