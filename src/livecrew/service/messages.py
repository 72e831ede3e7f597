"""Customer service's live messages (``livecrew.core.live_messages``): the queue page refreshes on them."""

from livecrew.core.live_messages import LiveMessage

MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("service.ticket", "workspace", "A ticket was opened, replied to, assigned or moved.",
                {"change": "opened, status, assigned, replied, customer or rated", "ticket": "{id, kind, status…}"}),
    LiveMessage("service.sla_breached", "workspace", "A ticket's SLA clock ran out.",
                {"ticket_id": "ticket id", "clock": "first_reply, next_reply or resolution"}),
    LiveMessage("service.product_flagged", "workspace", "A product was flagged for recurring problems.",
                {"product": "SKU", "ticket_kind": "kind", "count": "tickets in 7 days"}),
    LiveMessage("service.daily_report", "workspace", "The daily service report was pushed.",
                {"day": "YYYY-MM-DD", "summary": "one line"}),
)  # fmt: skip
