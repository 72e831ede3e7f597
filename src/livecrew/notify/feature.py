"""The pushes' manifest: targets and their outbox, the relay job, and the subscription to posted messages."""

from livecrew.core.plugins import Feature

FEATURE = Feature(
    name="notify",
    live_messages=("livecrew.notify.messages:MESSAGES",),
    models=("livecrew.notify.models",),
    routers=("livecrew.notify.api:router", "livecrew.notify.pages:router"),
    cli=("livecrew.notify.cli:register",),
    jobs=("livecrew.notify.jobs:start",),
    # The outbox rows are written in the transaction that posts the message.
    subscribers={"comms.message_posted": ("livecrew.notify.service:on_message_posted",)},
)
