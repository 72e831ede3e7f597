"""Team channels' live messages (``livecrew.core.live_messages``): what the channels page, the navigation's
unread badge and the host's screen hear."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("comms.channel", "workspace", "A channel was made or changed.", {"channel": "channel id"}),
    LiveMessage("comms.message", ("workspace", "show"), "A message was posted in a channel.",
                {"channel": "channel id", "show": "its show's id or null", "message": "the message"}),
    LiveMessage("comms.message_changed", ("workspace", "show"), "A message was edited or pinned.",
                {"channel": "channel id", "show": "its show's id or null", "message": "the message"}),
    LiveMessage("comms.message_deleted", ("workspace", "show"), "A message was deleted.",
                {"channel": "channel id", "show": "its show's id or null", "message": "{id}"}),
    LiveMessage("comms.read", "workspace", "A person read a channel up to a message.",
                {"user": "user id", "channel": "channel id", "last_read": "message id"}),
)  # fmt: skip
