"""The live event format (EVENTS.md): decoding and validation, each event on its own.

A body is JSON Lines (blank lines skipped) or a JSON array. A bad event is rejected with its index and
a reason a person can act on; the valid events of the same body still go through. Unknown fields are
kept in ``Event.raw`` and ignored by the metrics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

AUDIENCE_TYPES = frozenset(
    {
        "enter",
        "leave",
        "comment",
        "like",
        "follow",
        "share",
        "gift",
        "product_view",
        "product_click",
        "order",
        "pay",
        "refund",
    }
)
ROOM_TYPES = frozenset({"live_start", "live_end", "online", "explain", "shelf", "ad_spend", "speech"})
EVENT_TYPES = AUDIENCE_TYPES | ROOM_TYPES
SOURCES = frozenset({"recommend", "follow", "search", "short_video", "ads", "share", "other"})
GENDERS = frozenset({"f", "m", "u"})
AGE_BANDS = frozenset({"18-23", "24-30", "31-40", "41-50", "50+"})
MAX_ID = 200

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


class BodyError(ValueError):
    """The body as a whole cannot be read (not JSON at all); nothing of it is stored."""


@dataclass(slots=True)
class Event:
    id: str
    type: str
    ts: int
    session: str
    raw: dict[str, Any]
    index: int = 0
    user: str | None = None
    text: str | None = None
    count: int = 1
    product: str | None = None
    order: str | None = None
    qty: int | None = None
    amount: int = 0
    value: int = 0
    action: str | None = None
    source: str | None = None
    profile: dict[str, Any] | None = None


@dataclass(slots=True)
class Rejection:
    index: int
    error: str


@dataclass
class ParseResult:
    events: list[Event] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


class _Bad(Exception):
    pass


def _ts(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad('"ts" must be milliseconds since the Unix epoch (an integer) or an RFC 3339 time')
    if isinstance(value, int):
        if value < 0:
            raise _Bad(f'"ts" must not be negative (got {value})')
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise _Bad(f'"ts" is not an RFC 3339 time: "{value}"') from None
        if when.tzinfo is None:
            raise _Bad(f'"ts" needs a time zone offset (e.g. 2026-06-12T20:00:00+08:00), got "{value}"')
        return int(when.astimezone(UTC).timestamp() * 1000)
    raise _Bad('"ts" must be milliseconds since the Unix epoch (an integer) or an RFC 3339 time')


def _ident(obj: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise _Bad(f'field "{name}" is required for a "{obj.get("type")}" event')
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Bad(f'field "{name}" must be a string (got {type(value).__name__})')
    text = str(value)
    if not text or len(text) > MAX_ID:
        raise _Bad(f'field "{name}" must be 1 to {MAX_ID} characters')
    return text


def _int(obj: dict[str, Any], name: str, *, default: int | None = None, minimum: int = 0, money: bool = False) -> int:
    value = obj.get(name)
    if value is None:
        if default is None:
            raise _Bad(f'field "{name}" is required for a "{obj.get("type")}" event')
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        unit = " in minor units (fen/cents)" if money else ""
        raise _Bad(f'field "{name}" must be an integer{unit}, got {value!r}')
    if value < minimum:
        unit = " in minor units (fen/cents)" if money else ""
        raise _Bad(f'field "{name}" must be an integer >= {minimum}{unit}, got {value}')
    return value


def _text(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise _Bad(f'field "{name}" must be a string for a "{obj.get("type")}" event')
    return value


def validate(obj: Any, index: int, session: str | None) -> Event:
    """One decoded object into an Event, or _Bad with the reason."""
    if not isinstance(obj, dict):
        raise _Bad(f"an event must be a JSON object, got {type(obj).__name__}")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        if kind is None:
            raise _Bad('field "type" is required')
        raise _Bad(f"unknown type {kind!r}; use one of: {', '.join(sorted(EVENT_TYPES))}")
    event_id = obj.get("id")
    if event_id is None:
        raise _Bad('field "id" is required (a string, unique within the session)')
    if (
        isinstance(event_id, bool)
        or not isinstance(event_id, str | int)
        or not str(event_id)
        or len(str(event_id)) > MAX_ID
    ):
        raise _Bad(f'field "id" must be a non-empty string of at most {MAX_ID} characters')
    if "ts" not in obj:
        raise _Bad('field "ts" is required (milliseconds since the Unix epoch, UTC)')
    ts = _ts(obj["ts"])
    if session is not None:
        obj["session"] = session
    sess = obj.get("session")
    if not isinstance(sess, str) or not sess:
        raise _Bad('field "session" is required in files (the live session the event belongs to)')
    event = Event(id=str(event_id), type=kind, ts=ts, session=sess, raw=obj, index=index)
    if kind in AUDIENCE_TYPES:
        event.user = _ident(obj, "user")
    if kind == "enter":
        source = obj.get("source")
        if source is not None and source not in SOURCES:
            raise _Bad(f'"source" must be one of {", ".join(sorted(SOURCES))} (got {source!r})')
        event.source = source
        profile = obj.get("profile")
        if profile is not None:
            if not isinstance(profile, dict):
                raise _Bad('"profile" must be an object {gender, age_band, region}')
            if profile.get("gender") is not None and profile["gender"] not in GENDERS:
                raise _Bad('"profile.gender" must be "f", "m" or "u"')
            if profile.get("age_band") is not None and profile["age_band"] not in AGE_BANDS:
                raise _Bad(f'"profile.age_band" must be one of {", ".join(sorted(AGE_BANDS))}')
            if profile.get("region") is not None and not isinstance(profile["region"], str):
                raise _Bad('"profile.region" must be a string')
            event.profile = profile
    elif kind in ("comment", "speech"):
        event.text = _text(obj, "text")
    elif kind == "like":
        event.count = _int(obj, "count", default=1, minimum=1)
    elif kind == "gift":
        event.count = _int(obj, "count", default=1, minimum=1)
        event.value = _int(obj, "value", money=True)
        if obj.get("gift") is not None and not isinstance(obj["gift"], str | int):
            raise _Bad('field "gift" must be a string')
    elif kind in ("product_view", "product_click"):
        event.product = _ident(obj, "product")
    elif kind == "order":
        event.order = _ident(obj, "order")
        event.product = _ident(obj, "product")
        event.qty = _int(obj, "qty", minimum=1)
        event.amount = _int(obj, "amount", money=True)
    elif kind == "pay":
        event.order = _ident(obj, "order")
        event.amount = _int(obj, "amount", money=True)
        event.product = _ident(obj, "product", required=False)
        event.qty = _int(obj, "qty", minimum=1) if obj.get("qty") is not None else None
    elif kind == "refund":
        event.order = _ident(obj, "order")
        event.amount = _int(obj, "amount", money=True)
    elif kind == "online":
        event.count = _int(obj, "count", minimum=0)
    elif kind in ("explain", "shelf"):
        event.product = _ident(obj, "product")
        allowed = ("start", "stop") if kind == "explain" else ("on", "off")
        action = obj.get("action")
        if action not in allowed:
            raise _Bad(f'"action" of a {kind} event must be "{allowed[0]}" or "{allowed[1]}" (got {action!r})')
        event.action = action
    elif kind == "ad_spend":
        event.amount = _int(obj, "amount", money=True)
    return event


def _prefix(index: int) -> str:
    return f"event {index}: "


def parse_body(data: bytes, *, session: str | None = None, content_type: str | None = None) -> ParseResult:
    """JSON Lines or a JSON array. ``session`` (from the URL) fills or overrides each event's session."""
    result = ParseResult()
    stripped = data.lstrip()
    if stripped.startswith(b"["):
        try:
            items = _decoder.decode(stripped)
        except msgspec.DecodeError as exc:
            raise BodyError(f"the body starts with [ but is not a valid JSON array: {exc}") from None
        if not isinstance(items, list):  # pragma: no cover - a leading [ always decodes to a list
            raise BodyError("the body must be JSON Lines or a JSON array of events")
        for index, obj in enumerate(items):
            try:
                result.events.append(validate(obj, index, session))
            except _Bad as exc:
                result.rejected.append(Rejection(index, _prefix(index) + str(exc)))
        return result
    index = 0
    decoded_any = False
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            obj = _decoder.decode(line)
            decoded_any = True
        except msgspec.DecodeError as exc:
            result.rejected.append(Rejection(index, f"{_prefix(index)}not valid JSON ({exc})"))
            index += 1
            continue
        try:
            result.events.append(validate(obj, index, session))
        except _Bad as exc:
            result.rejected.append(Rejection(index, _prefix(index) + str(exc)))
        index += 1
    if not decoded_any and result.rejected:
        raise BodyError("the body is not JSON: send JSON Lines (one event object per line) or a JSON array of events")
    return result


def dumps_event(event: Event) -> bytes:
    return _encoder.encode(event.raw)


def iter_file(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of a JSON Lines file, without loading it whole."""
    with path.open("rb") as handle:
        yield from enumerate(handle, start=1)
