"""What the live room offers other features: the domain events it emits (see ``livecrew.core.events``),
reads of a show's event log and live state, and the announcements livecrew makes to the control room.

Other features import these from here only, never from the modules behind them. Subscribers get the
events in the emitter's transaction; they flush, never commit.
"""

from __future__ import annotations

from livecrew.live.actions import announce_auto
from livecrew.live.facts import (
    ActionPerformed,
    AlertAcknowledged,
    AlertFact,
    AlertRaised,
    AlertResolved,
)
from livecrew.live.log import explaining, product_viewers
from livecrew.live.state import LiveRegistry, live_registry

__all__ = [
    "ActionPerformed",
    "AlertAcknowledged",
    "AlertFact",
    "AlertRaised",
    "AlertResolved",
    "LiveRegistry",
    "announce_auto",
    "explaining",
    "live_registry",
    "product_viewers",
]
