"""Shows's live messages (``livecrew.core.live_messages``): what its pages' streams carry."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("show.created", "workspace", "A show was scheduled.", {"id": "show id"}),
    LiveMessage("show.status", ("workspace", "show"), "A show moved in its lifecycle.",
                {"id": "show id", "status": "planned, rehearsing, ready, live, ended..."}),
    LiveMessage("checklist.changed", "show", "A checklist item of the show was ticked or changed.",
                {"item": "item id", "status": "its status"}),
    LiveMessage("perk.drawn", "show", "A lucky bag was drawn.", {"perk": "perk id", "winners": "the winners"}),
)  # fmt: skip
