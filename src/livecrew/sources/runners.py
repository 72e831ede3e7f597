"""Building a source's connectors from its row (the server job and ``livecrew connect`` share this)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from livecrew.core.clock import Clock
from livecrew.sources import facebook, tiktok
from livecrew.sources.base import Connector


def connectors_for(
    platform: str,
    target: str,
    clock: Clock,
    *,
    token: str = "",
    options: dict[str, Any] | None = None,
    tiktok_client: Callable[[str], Any] | None = None,
) -> list[Connector]:
    options = options or {}
    if platform == "facebook":
        graph = options.get("graph_url") or facebook.GRAPH_STREAMING_URL
        return list(facebook.connectors(target, token, clock, graph_url=graph))
    if platform == "tiktok":
        value = int(options.get("diamond_value", 1))
        return [tiktok.TikTokStream(target, clock, diamond_value=value, client_factory=tiktok_client)]
    raise ValueError(f"unknown platform {platform!r}")
