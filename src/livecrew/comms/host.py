"""The host's screen (主播屏): everything the host and the assistant need at a glance, in one JSON state that
the page renders and fetches again when the show's stream says something changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from livecrew.comms import service
from livecrew.core.auth.deps import Principal
from livecrew.core.clock import Clock
from livecrew.core.errors import NotFound
from livecrew.goods import public as goods
from livecrew.live import public as live
from livecrew.shows import public as shows
from livecrew.text import public as text
from livecrew.web.i18n import Translator


def screen_state(db: Session, clock: Clock, principal: Principal, show_id: str, t: Translator) -> dict[str, Any]:
    info = shows.show_info(db, principal.workspace.id, show_id)
    if info is None:
        raise NotFound(f'no show with id "{show_id}" in this workspace', key="err.no_show", params={"id": show_id})
    now = clock.now()
    ref = live.explaining_product(db, show_id)
    product = goods.product_card(db, show_id, ref) if ref else None
    messages = service.host_messages(db, show_id, principal.user.id)
    live_channel = service.show_channel_of(db, show_id, "live")
    return {
        "show": {"id": info.id, "title": info.title, "status": info.status, "status_label": t(f"status.{info.status}")},
        "now": now.isoformat(),
        "currency": principal.workspace.currency,
        "explaining": ref,
        "product": product,
        "run": shows.run_of_show_now(db, show_id, now),
        "cards": text.top_cue_cards(show_id, 3),
        "messages": service.messages_dicts(db, messages),
        "me": principal.user.id,
        "live_channel": live_channel.id if live_channel else None,
        "banner": live.open_alert(db, show_id, "speech_compliance"),
    }
