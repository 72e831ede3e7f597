"""What team channels offer other features: the domain event of a posted message.

Emitted in the transaction that stores the message; the pushes (notify) subscribe to write their outbox
in that same transaction, so a message and its pushes are committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from livecrew.core.events import DomainEvent


@dataclass(frozen=True)
class MessagePosted(DomainEvent):
    topic: ClassVar[str] = "comms.message_posted"
    workspace_id: str
    channel_id: int
    # "preview", "live" or "emergency" for a show's channels; "workspace" for the workspace's own
    channel_kind: str
    channel_name: str
    show_id: str | None
    message_id: int
    author_id: str | None  # None: a system message
    text: str
    tags: tuple[str, ...]
    # "info", "warning" or "critical" (system messages take it from what they report)
    severity: str
    mention_roles: tuple[str, ...]
    # every person the message reaches by a mention (roles resolved through the show's roster)
    mention_user_ids: tuple[str, ...]
