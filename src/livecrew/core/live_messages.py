"""The catalog of live messages: every kind of message the Server-Sent Event streams carry, declared once.

A live message is a dict with a ``kind`` (the SSE event name) and the fields its declaration names, sent on a
show's stream (``/api/v1/shows/{id}/stream``, channel ``show``) or on the workspace's (``/api/v1/stream``,
channel ``workspace``). The core declares its own kinds below; a feature declares the kinds it publishes in
its manifest (``Feature.live_messages``: ``"module:attribute"`` references to tuples of
:class:`LiveMessage`). Every publish is checked against the catalog (:func:`check`): an undeclared kind, or
a message missing a declared field, is a programming error. The console's scripts handle every kind
(``tests/web/test_live_messages.py`` fails when one has no handler).

Live messages are for browsers. Features react to each other's facts with domain events
(``livecrew.core.events``), not with these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

# "show" and "workspace": the browsers' streams; "server": between the server's processes only (never sent
# to a browser).
Channel = Literal["show", "workspace", "server"]


@dataclass(frozen=True)
class LiveMessage:
    kind: str
    channel: Channel | tuple[Channel, ...]
    summary: str
    # field -> what it holds (every field named here is in every message of the kind)
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def channels(self) -> tuple[Channel, ...]:
        return self.channel if isinstance(self.channel, tuple) else (self.channel,)


CORE_MESSAGES: tuple[LiveMessage, ...] = (
    LiveMessage("hello", "workspace", "The first message of a workspace stream.", {"workspace": "workspace id"}),
    LiveMessage("workspace.updated", "workspace", "The workspace's name, currency, zone or language changed."),
    LiveMessage("people.changed", "workspace", "A person was added, changed or deactivated.", {"id": "user id"}),
    LiveMessage("auth.ended", ("workspace", "show"), "The reader's access to this stream ended; it closes.",
                {"message": "why, in English"}),
    LiveMessage("auth.changed", "server", "A person's access changed: their open streams check it again.",
                {"user": "user id"}),
)  # fmt: skip


class UndeclaredLiveMessage(ValueError):
    pass


@cache
def catalog() -> dict[str, LiveMessage]:
    """Every declared kind: the core's, then each feature's in the order of ``livecrew.features``."""
    from livecrew.core.plugins import features, resolve

    found: dict[str, LiveMessage] = {}
    declared = [CORE_MESSAGES] + [resolve(ref) for f in features() for ref in f.live_messages]
    for group in declared:
        for message in group:
            if message.kind in found:
                raise RuntimeError(f"the live message {message.kind!r} is declared twice")
            found[message.kind] = message
    return found


def check(message: Mapping[str, Any]) -> None:
    """Raise :class:`UndeclaredLiveMessage` unless ``message`` is of a declared kind with its fields."""
    kind = message.get("kind")
    declared = catalog().get(kind) if isinstance(kind, str) else None
    if declared is None:
        raise UndeclaredLiveMessage(f"live message kind {kind!r} is not declared (see livecrew.core.live_messages)")
    missing = [name for name in declared.fields if name not in message]
    if missing:
        raise UndeclaredLiveMessage(f"live message {kind!r} lacks {', '.join(missing)}")


def markdown() -> str:
    """The catalog as a Markdown table (docs/architecture.md shows it)."""
    lines = ["| kind | stream | fields | what it says |", "| --- | --- | --- | --- |"]
    for message in catalog().values():
        fields = ", ".join(f"`{name}` ({what})" for name, what in message.fields.items()) or "—"
        lines.append(f"| `{message.kind}` | {' and '.join(message.channels)} | {fields} | {message.summary} |")
    return "\n".join(lines) + "\n"
