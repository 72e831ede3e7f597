"""Facebook Live: the Graph API's live comment and reaction streams (Server-Sent Events) as live events.

``GET {graph}/{live_video_id}/live_comments`` streams each new comment as JSON with its ``id``, ``from``
(``id``, ``name``), ``message`` and ``created_time``; ``live_reactions`` streams counts of reactions per
kind. Comments become ``comment`` events keyed by the comment's id (a replay after a reconnect is a
duplicate); reactions become ``like`` events of one aggregate viewer, ``fb:reactions`` (the stream names
nobody). The access token goes in the query string as the Graph API wants it and is never logged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import orjson

from livecrew.core.clock import Clock, to_ms
from livecrew.sources.base import ConnectionLost, Event, SourceRefused, SourceState, sse_data

GRAPH_STREAMING_URL = "https://streaming-graph.facebook.com"
REACTIONS_USER = "fb:reactions"
# Graph API error codes that no retry will fix: an invalid or expired token (190), missing permission
# (10, 200-299), an object that does not exist or cannot be read (100, 803).
_FINAL_CODES = {10, 100, 190, 803, *range(200, 300)}


def graph_error(body: bytes) -> tuple[str, int | None]:
    """The Graph API's own message and code from an error body (or the body's start)."""
    try:
        error = orjson.loads(body).get("error") or {}
    except (orjson.JSONDecodeError, AttributeError):
        return body[:200].decode("utf-8", "replace").strip() or "no message", None
    code = error.get("code")
    return str(error.get("message") or "no message"), code if isinstance(code, int) else None


def _ts(value: Any, clock: Clock) -> int:
    if isinstance(value, str) and value:
        try:
            # The Graph API writes +0000; fromisoformat wants +00:00 before Python 3.11's wider parser.
            return to_ms(datetime.fromisoformat(value.replace("+0000", "+00:00")))
        except ValueError:
            pass
    return to_ms(clock.now())


def map_comment(data: dict[str, Any], clock: Clock) -> Event | None:
    comment_id = data.get("id")
    text = data.get("message")
    if not isinstance(comment_id, str) or not comment_id or not isinstance(text, str):
        return None
    raw_sender = data.get("from")
    sender: dict[str, Any] = raw_sender if isinstance(raw_sender, dict) else {}
    sender_id = sender.get("id")
    user = sender_id if isinstance(sender_id, str) and sender_id else f"anon-{comment_id}"
    event: Event = {"id": f"fb:c:{comment_id}", "type": "comment", "ts": _ts(data.get("created_time"), clock)}
    event["user"] = f"fb:{user}"
    event["text"] = text
    if isinstance(sender.get("name"), str):
        event["nickname"] = sender["name"]
    return event


def map_reactions(data: dict[str, Any], clock: Clock, seq: int) -> list[Event]:
    stream = data.get("reaction_stream")
    if not isinstance(stream, list):
        return []
    ts = to_ms(clock.now())
    events = []
    for item in stream:
        if not isinstance(item, dict):
            continue
        key, value = item.get("key"), item.get("value")
        if isinstance(key, str) and isinstance(value, int) and value > 0:
            events.append(
                {"id": f"fb:r:{ts}:{seq}:{key}", "type": "like", "ts": ts, "user": REACTIONS_USER, "count": value}
            )
    return events


class _GraphStream:
    platform = "facebook"
    edge = ""
    fields = ""

    def __init__(self, live_video_id: str, token: str, clock: Clock, *, graph_url: str = GRAPH_STREAMING_URL) -> None:
        self.live_video_id = live_video_id
        self.token = token
        self.clock = clock
        self.graph_url = graph_url.rstrip("/")

    def params(self) -> dict[str, str]:
        return {"access_token": self.token, "fields": self.fields}

    def map(self, data: dict[str, Any], seq: int) -> list[Event]:
        raise NotImplementedError

    async def stream(self, state: SourceState) -> AsyncIterator[list[Event]]:
        url = f"{self.graph_url}/{self.live_video_id}/{self.edge}"
        timeout = httpx.Timeout(10.0, read=90.0)
        async with (
            httpx.AsyncClient(timeout=timeout) as client,
            client.stream("GET", url, params=self.params(), headers={"Accept": "text/event-stream"}) as response,
        ):
            if response.status_code >= 400:
                message, code = graph_error(await response.aread())
                if response.status_code in (400, 401, 403, 404) and (code in _FINAL_CODES or code is None):
                    raise SourceRefused(f"Facebook refused the {self.edge} stream: {message}")
                raise ConnectionLost(f"Facebook answered {response.status_code}: {message}")
            state.status = "connected"
            seq = 0
            async for payload in sse_data(response.aiter_lines(), state):
                try:
                    data = orjson.loads(payload)
                except orjson.JSONDecodeError:
                    state.garbage += 1
                    continue
                if not isinstance(data, dict):
                    state.garbage += 1
                    continue
                if isinstance(data.get("error"), dict):
                    message, code = graph_error(payload.encode())
                    if code in _FINAL_CODES:
                        raise SourceRefused(f"Facebook ended the {self.edge} stream: {message}")
                    raise ConnectionLost(f"Facebook: {message}")
                seq += 1
                events = self.map(data, seq)
                if not events:
                    state.garbage += 1
                    continue
                yield events


class CommentStream(_GraphStream):
    edge = "live_comments"
    fields = "from{name,id},message,created_time,id"

    def params(self) -> dict[str, str]:
        return {**super().params(), "comment_rate": "one_hundred_per_second"}

    def map(self, data: dict[str, Any], seq: int) -> list[Event]:
        event = map_comment(data, self.clock)
        return [event] if event else []


class ReactionStream(_GraphStream):
    edge = "live_reactions"
    fields = "reaction_stream"

    def map(self, data: dict[str, Any], seq: int) -> list[Event]:
        return map_reactions(data, self.clock, seq)


def connectors(
    live_video_id: str, token: str, clock: Clock, *, graph_url: str = GRAPH_STREAMING_URL, reactions: bool = True
) -> list[_GraphStream]:
    streams: list[_GraphStream] = [CommentStream(live_video_id, token, clock, graph_url=graph_url)]
    if reactions:
        streams.append(ReactionStream(live_video_id, token, clock, graph_url=graph_url))
    return streams
