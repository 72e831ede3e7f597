"""The live event format (EVENTS.md): decoding and validation, each event on its own.

A body is JSON Lines (blank lines skipped) or a JSON array. A bad event is rejected with its index and
a reason a person can act on; the valid events of the same body still go through. Unknown fields are
kept (the log stores each line as it came; ``Event.body()``) and ignored by the metrics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, cast

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
MAX_TEXT = 2000  # characters of a comment or a host line (a longer one is refused, not cut)
MAX_EVENT_BYTES = 32 * 1024  # one event as JSON text
MAX_DEPTH = 16  # objects and arrays inside one another, the event object itself included

_decoder = msgspec.json.Decoder()


class BodyError(ValueError):
    """The body as a whole cannot be read (not JSON at all); nothing of it is stored."""


@dataclass(slots=True)
class Event:
    id: str
    type: str
    ts: int
    session: str
    raw: dict[str, Any] | None  # the object as it arrived; None until body() decodes ``line``
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
    pos: int = 0  # the event's position in the show's log, once logged (0: not logged)
    record: Record | None = field(default=None, compare=False, repr=False)  # made on the way by parse_body
    line: str | None = field(default=None, compare=False, repr=False)  # the line as it arrived (fast path)

    def body(self) -> dict[str, Any]:
        """The event's object as it arrived, with the event's session (decoded from the line on first use:
        parse_body keeps the line of what its records take, and the log stores that line as it is)."""
        if self.raw is None:
            obj = _decoder.decode(cast(str, self.line))
            obj["session"] = self.session
            self.raw = obj
        return self.raw


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
    if len(value) > MAX_TEXT:
        raise _Bad(f'field "{name}" is {len(value):,} characters; at most {MAX_TEXT:,} are taken')
    return value


def _depth(text: bytes) -> int:
    """How deep objects and arrays nest in a JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x7D, 0x5D):
            depth -= 1
    return deepest


def _oversize(line: bytes, index: int) -> Rejection | None:
    """The reason a line is refused before decoding (too large, nested too deeply), or None.

    What the log stores must read back everywhere (the live state, the export, the review): an event is a
    flat object with one small nested object (an enter's profile), so anything near these limits is not an
    event. Counting brackets is done in C; only a line with more brackets than MAX_DEPTH is scanned."""
    if len(line) > MAX_EVENT_BYTES:
        return Rejection(
            index, f"{_prefix(index)}the event is {len(line):,} bytes of JSON; at most {MAX_EVENT_BYTES:,} are taken"
        )
    if line.count(b"{") + line.count(b"[") > MAX_DEPTH and _depth(line) > MAX_DEPTH:
        return Rejection(
            index, f"{_prefix(index)}objects and arrays nest more than {MAX_DEPTH} deep; an event is a flat object"
        )
    return None


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
        if source is not None and (type(source) is not str or source not in SOURCES):
            raise _Bad(f'"source" must be one of {", ".join(sorted(SOURCES))} (got {source!r})')
        event.source = source
        profile = obj.get("profile")
        if profile is not None:
            if not isinstance(profile, dict):
                raise _Bad('"profile" must be an object {gender, age_band, region}')
            gender, age_band = profile.get("gender"), profile.get("age_band")
            if gender is not None and (type(gender) is not str or gender not in GENDERS):
                raise _Bad('"profile.gender" must be "f", "m" or "u"')
            if age_band is not None and (type(age_band) is not str or age_band not in AGE_BANDS):
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


def parse_body(
    data: bytes, *, session: str | None = None, content_type: str | None = None, fast: bool = True
) -> ParseResult:
    """JSON Lines or a JSON array. ``session`` (from the URL) fills or overrides each event's session.

    ``fast=False`` sends every line through validate: the reference the fast path is tested against.
    """
    result = ParseResult()
    stripped = data.lstrip()
    if stripped.startswith(b"["):
        try:
            items = _decoder.decode(stripped)
        except msgspec.DecodeError as exc:
            raise BodyError(f"the body starts with [ but is not a valid JSON array: {exc}") from None
        except RecursionError:
            raise BodyError(
                f"the body nests objects and arrays too deeply (an event nests at most {MAX_DEPTH})"
            ) from None
        if not isinstance(items, list):  # pragma: no cover - a leading [ always decodes to a list
            raise BodyError("the body must be JSON Lines or a JSON array of events")
        for index, obj in enumerate(items):
            too_big = _oversize(msgspec.json.encode(obj), index)
            if too_big is not None:
                result.rejected.append(too_big)
                continue
            try:
                event = validate(obj, index, session)
            except _Bad as exc:
                result.rejected.append(Rejection(index, _prefix(index) + str(exc)))
                continue
            result.events.append(event)
        return result
    # Most lines are valid: msgspec checks them against the typed records in C, and the line itself is what
    # the log stores (no plain object is made unless someone asks the event for its body). Anything the
    # records do not take goes through validate, so every rejection and its reason are the plain path's
    # (tests compare the two). A body whose every line the records take is read whole first (_whole_body).
    if fast and session:
        whole = _whole_body(data, session)
        if whole is not None:
            result.events = whole
            return result
    decode = _record_decoder.decode
    append = result.events.append
    index = 0
    decoded_any = False
    for line in data.splitlines():
        too_big = _oversize(line, index)
        if too_big is not None:
            result.rejected.append(too_big)
            index += 1
            continue
        try:
            record: Record | None = decode(line) if fast else None
        except (msgspec.ValidationError, msgspec.DecodeError):
            record = None
        if record is not None:
            sess = _fast_session(record, session)
            text: str | None = None
            if sess is not None:
                try:  # noqa: SIM105 - a with-statement per line costs more on this path
                    text = line.decode()  # checks the strings the record skipped, too
                except UnicodeDecodeError:
                    pass
            if sess is not None and text is not None:
                append(_event_of(record, sess, index, text))
                decoded_any = True
                index += 1
                continue
        outcome, decoded = _plain_line(line, index, session)
        if outcome is None:
            continue
        decoded_any = decoded_any or decoded
        if isinstance(outcome, Event):
            append(outcome)
        else:
            result.rejected.append(outcome)
        index += 1
    if not decoded_any and result.rejected:
        raise BodyError("the body is not JSON: send JSON Lines (one event object per line) or a JSON array of events")
    return result


_NOT_NESTING = bytes(b for b in range(256) if b not in b"{[\r\n")  # deleted, the rest split as the body does


def _whole_body(data: bytes, session: str) -> list[Event] | None:
    """Every line of a JSON Lines body as an event, when the records take them all: the limits, the decoding
    and the UTF-8 check run over the whole body a step at a time (each step a C call per line, no Python
    between them); None as soon as one line needs a closer look (a blank line, a limit, a value the records
    refuse, bad UTF-8, a profile to check), and parse_body goes line by line for the reasons.

    Each line is decoded on its own: decoding the lines joined into one array would let an object span two
    lines and still give one record per line."""
    lines = data.splitlines()
    if not lines or max(map(len, lines)) > MAX_EVENT_BYTES:
        return None
    if max(map(len, data.translate(None, _NOT_NESTING).splitlines()), default=0) > MAX_DEPTH:
        return None  # only the brackets and line breaks kept: some line has more than MAX_DEPTH brackets
    decode = _record_decoder.decode
    try:
        records = [decode(line) for line in lines]
        texts = [line.decode() for line in lines]
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return None
    events: list[Event] = []
    append = events.append
    for index, (record, text) in enumerate(zip(records, texts, strict=True)):  # blank lines failed to decode
        if type(record) is EnterRecord and record.profile is not None and not _profile_ok(record.profile):
            return None
        append(_event_of(record, session, index, text))
    return events


def _event_of(record: Record, session: str, index: int, text: str) -> Event:
    """The event of a line the records took: its fields from the record, the line kept as it came."""
    kind, names = _BY_CLASS[type(record)]
    record.session = session
    event = Event(record.id, kind, record.ts, session, None, index)  # positional: keywords cost more
    event.record, event.line = record, text
    for name in names:
        value = getattr(record, name)
        if value is not None:
            setattr(event, name, value)
    return event


def _plain_line(line: bytes, index: int, session: str | None) -> tuple[Event | Rejection | None, bool]:
    """One line through validate: the event or its rejection (None for a blank line), and whether it was JSON."""
    if not line.strip():
        return None, False
    try:
        obj = _decoder.decode(line)
    except msgspec.DecodeError as exc:
        return Rejection(index, f"{_prefix(index)}not valid JSON ({exc})"), False
    try:
        return validate(obj, index, session), True
    except _Bad as exc:
        return Rejection(index, _prefix(index) + str(exc)), True


def iter_file(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of a JSON Lines file, without loading it whole."""
    with path.open("rb") as handle:
        yield from enumerate(handle, start=1)


# ---------------------------------------------------------------------------------------------------------------
# Records: the metrics' fast path. msgspec decodes each line straight into a small typed object per event type
# (a tagged union on "type") and checks the contract on the way, in C. What it accepts, ``validate`` accepts with
# the same values; anything it does not accept (an integer id, an RFC 3339 ts, a null where a default applies,
# a bad profile, an error) goes through ``validate`` instead, so rejections and their reasons are exactly those
# of parse_body. The metrics engine reads only these records (``KIND`` is its dispatch code), never ``raw``.

K_VIEW, K_ENTER, K_LEAVE, K_CLICK, K_LIKE, K_COMMENT, K_ORDER, K_PAY, K_FOLLOW, K_SHARE, K_GIFT, K_REFUND = range(12)
K_ONLINE, K_SPEECH, K_AD, K_EXPLAIN, K_SHELF, K_START, K_END = range(12, 19)
KIND_CODES = {
    "product_view": K_VIEW,
    "enter": K_ENTER,
    "leave": K_LEAVE,
    "product_click": K_CLICK,
    "like": K_LIKE,
    "comment": K_COMMENT,
    "order": K_ORDER,
    "pay": K_PAY,
    "follow": K_FOLLOW,
    "share": K_SHARE,
    "gift": K_GIFT,
    "refund": K_REFUND,
    "online": K_ONLINE,
    "speech": K_SPEECH,
    "ad_spend": K_AD,
    "explain": K_EXPLAIN,
    "shelf": K_SHELF,
    "live_start": K_START,
    "live_end": K_END,
}
# Kind codes up to K_REFUND are the audience types (they carry a user).
assert all((code <= K_REFUND) == (name in AUDIENCE_TYPES) for name, code in KIND_CODES.items())

_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID)]
_Money = Annotated[int, msgspec.Meta(ge=0)]
_Count = Annotated[int, msgspec.Meta(ge=1)]


class Record(msgspec.Struct, tag_field="type", kw_only=True, gc=False):
    """One valid event as the metrics need it. ``session`` is checked after decoding (it may come from the URL)."""

    KIND: ClassVar[int] = -1
    id: _Id
    ts: _Money
    session: Any = None


class AudienceRecord(Record, kw_only=True, gc=False):
    user: _Id


class LiveStartRecord(Record, tag="live_start", kw_only=True, gc=False):
    KIND = K_START


class LiveEndRecord(Record, tag="live_end", kw_only=True, gc=False):
    KIND = K_END


class EnterRecord(AudienceRecord, tag="enter", kw_only=True, gc=False):
    KIND = K_ENTER
    source: Literal["recommend", "follow", "search", "short_video", "ads", "share", "other"] | None = None
    profile: dict[str, Any] | None = None  # checked after decoding (validate keeps the object as it came)


class LeaveRecord(AudienceRecord, tag="leave", kw_only=True, gc=False):
    KIND = K_LEAVE


_Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]


class CommentRecord(AudienceRecord, tag="comment", kw_only=True, gc=False):
    KIND = K_COMMENT
    text: _Text


class LikeRecord(AudienceRecord, tag="like", kw_only=True, gc=False):
    KIND = K_LIKE
    count: _Count = 1


class FollowRecord(AudienceRecord, tag="follow", kw_only=True, gc=False):
    KIND = K_FOLLOW


class ShareRecord(AudienceRecord, tag="share", kw_only=True, gc=False):
    KIND = K_SHARE


class GiftRecord(AudienceRecord, tag="gift", kw_only=True, gc=False):
    KIND = K_GIFT
    value: _Money
    count: _Count = 1
    gift: str | int | None = None


class ViewRecord(AudienceRecord, tag="product_view", kw_only=True, gc=False):
    KIND = K_VIEW
    product: _Id


class ClickRecord(AudienceRecord, tag="product_click", kw_only=True, gc=False):
    KIND = K_CLICK
    product: _Id


class OrderRecord(AudienceRecord, tag="order", kw_only=True, gc=False):
    KIND = K_ORDER
    order: _Id
    product: _Id
    qty: _Count
    amount: _Money


class PayRecord(AudienceRecord, tag="pay", kw_only=True, gc=False):
    KIND = K_PAY
    order: _Id
    amount: _Money
    product: _Id | None = None
    qty: _Count | None = None


class RefundRecord(AudienceRecord, tag="refund", kw_only=True, gc=False):
    KIND = K_REFUND
    order: _Id
    amount: _Money


class OnlineRecord(Record, tag="online", kw_only=True, gc=False):
    KIND = K_ONLINE
    count: _Money


class SpeechRecord(Record, tag="speech", kw_only=True, gc=False):
    KIND = K_SPEECH
    text: _Text


class AdSpendRecord(Record, tag="ad_spend", kw_only=True, gc=False):
    KIND = K_AD
    amount: _Money


class ExplainRecord(Record, tag="explain", kw_only=True, gc=False):
    KIND = K_EXPLAIN
    product: _Id
    action: Literal["start", "stop"]


class ShelfRecord(Record, tag="shelf", kw_only=True, gc=False):
    KIND = K_SHELF
    product: _Id
    action: Literal["on", "off"]


AnyRecord = (
    LiveStartRecord
    | LiveEndRecord
    | EnterRecord
    | LeaveRecord
    | CommentRecord
    | LikeRecord
    | FollowRecord
    | ShareRecord
    | GiftRecord
    | ViewRecord
    | ClickRecord
    | OrderRecord
    | PayRecord
    | RefundRecord
    | OnlineRecord
    | SpeechRecord
    | AdSpendRecord
    | ExplainRecord
    | ShelfRecord
)
_record_decoder = msgspec.json.Decoder(AnyRecord)


def _profile_ok(profile: dict[str, Any]) -> bool:
    """validate's checks of a profile object, for the values it accepts (anything else takes the slow path)."""
    gender, age, region = profile.get("gender"), profile.get("age_band"), profile.get("region")
    return (
        (gender is None or (type(gender) is str and gender in GENDERS))
        and (age is None or (type(age) is str and age in AGE_BANDS))
        and (region is None or isinstance(region, str))
    )


def _fast_session(record: Record, session: str | None) -> str | None:
    """The session of a decoded record the fast paths take as it is; None sends its line through validate
    (no session, or a profile validate would refuse)."""
    sess = session if session is not None else record.session
    if type(sess) is not str or not sess:
        return None
    if type(record) is EnterRecord and record.profile is not None and not _profile_ok(record.profile):
        return None
    return sess


def record_of(event: Event) -> Record:
    """A validated Event as a record (the slow path's result, and events built in code)."""
    cls, names = _RECORD_FIELDS[event.type]
    fields: dict[str, Any] = {name: getattr(event, name) for name in names}
    if "text" in fields:
        fields["text"] = fields["text"] or ""
    return cls(id=event.id, ts=event.ts, session=event.session, **fields)


_USER = ("user",)
_RECORD_FIELDS: dict[str, tuple[type[Record], tuple[str, ...]]] = {
    "live_start": (LiveStartRecord, ()),
    "live_end": (LiveEndRecord, ()),
    "enter": (EnterRecord, (*_USER, "source", "profile")),
    "leave": (LeaveRecord, _USER),
    "comment": (CommentRecord, (*_USER, "text")),
    "like": (LikeRecord, (*_USER, "count")),
    "follow": (FollowRecord, _USER),
    "share": (ShareRecord, _USER),
    "gift": (GiftRecord, (*_USER, "value", "count")),
    "product_view": (ViewRecord, (*_USER, "product")),
    "product_click": (ClickRecord, (*_USER, "product")),
    "order": (OrderRecord, (*_USER, "order", "product", "qty", "amount")),
    "pay": (PayRecord, (*_USER, "order", "amount", "product", "qty")),
    "refund": (RefundRecord, (*_USER, "order", "amount")),
    "online": (OnlineRecord, ("count",)),
    "speech": (SpeechRecord, ("text",)),
    "ad_spend": (AdSpendRecord, ("amount",)),
    "explain": (ExplainRecord, ("product", "action")),
    "shelf": (ShelfRecord, ("product", "action")),
}
_BY_CLASS: dict[type[Record], tuple[str, tuple[str, ...]]] = {
    cls: (kind, names) for kind, (cls, names) in _RECORD_FIELDS.items()
}


def iter_records(data: bytes, rejected: list[Rejection], *, session: str | None = None) -> Iterator[Record]:
    """``parse_body`` for the metrics: the same events, indexes and rejections, as records, one at a time.

    Rejections are appended to ``rejected`` as they are met; BodyError when nothing in ``data`` is JSON.
    """
    if data.lstrip().startswith(b"["):
        parsed = parse_body(data, session=session)
        rejected.extend(parsed.rejected)
        for event in parsed.events:
            yield record_of(event)
        return
    decode = _record_decoder.decode
    index = 0
    decoded_any = False
    for line in data.splitlines():
        too_big = _oversize(line, index)
        if too_big is not None:
            rejected.append(too_big)
            index += 1
            continue
        try:
            record: Record = decode(line)
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass
        else:
            sess = _fast_session(record, session)
            if sess is not None:
                record.session = sess
                decoded_any = True
                index += 1
                yield record
                continue
        # The slow path: exactly parse_body's handling of one line.
        outcome, decoded = _plain_line(line, index, session)
        if outcome is None:
            continue
        decoded_any = decoded_any or decoded
        if isinstance(outcome, Event):
            yield record_of(outcome)
        else:
            rejected.append(outcome)
        index += 1
    if not decoded_any and rejected:
        raise BodyError("the body is not JSON: send JSON Lines (one event object per line) or a JSON array of events")


_batch_decoder = msgspec.json.Decoder(list[AnyRecord])


def decode_logged(bodies: list[bytes], rejected: list[Rejection], *, session: str) -> list[Record]:
    """Rows read back from the event log (one JSON object each) as records, in one decoder call.

    The log only holds events ``parse_body`` accepted, under the same size and depth limits, so a batch the
    record decoder takes whole is what ``iter_records`` gives line by line — but for two things the caller
    settles: the records keep the session their body names (the engine's ``feed_many`` does not read it), and
    an enter's profile is not checked here (``profile_key_ok`` on the engine's interned profiles afterwards).
    A batch the decoder refuses, or with a body above the size limit, goes through ``iter_records``."""
    if not bodies:
        return []
    if max(map(len, bodies)) <= MAX_EVENT_BYTES:
        try:
            return list(_batch_decoder.decode(b"[" + b",".join(bodies) + b"]"))
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):  # too deep: a row the old ingest kept
            pass
    return list(iter_records(b"\n".join(bodies), rejected, session=session))


# ---------------------------------------------------------------------------------------------------------------
# Logged records: the replay's lighter twins of the records above. The review replays a whole log (a million rows
# for a big show) into an engine that neither drops duplicates nor checks sessions, so it reads neither the ``id``
# nor the ``session`` of a row: each logged record class is its record class but for those two fields (they read
# None: their JSON keys are skipped, no string is made for them), with every other field, type and check the same.
# So the logged decoder takes the rows the record decoder takes, with the same values, and refuses the rows it
# refuses but for their id (a logged row's id was checked at ingest: the log holds only events ``parse_body``
# accepted, and the id is not read).


def _logged_twin(cls: type[Record]) -> type[Any]:
    fields: list[tuple[str, Any, Any]] = []
    for f in msgspec.structs.fields(cls):
        if f.name in ("id", "session"):  # under a key no event is meant to have (any value there is taken, unread)
            fields.append((f.name, Any, msgspec.field(default=None, name=f"\u00a7{f.name}\u00a7")))
        else:
            fields.append((f.name, f.type, f.default))
    twin: type[Any] = msgspec.defstruct(
        "Logged" + cls.__name__,
        fields,
        tag_field="type",
        tag=cls.__struct_config__.tag,
        kw_only=True,
        gc=False,
        namespace={"KIND": cls.KIND, "__module__": __name__},
    )
    return twin


_RECORD_CLASSES: tuple[type[Record], ...] = tuple(cls for cls, _names in _RECORD_FIELDS.values())
LOGGED: dict[type[Record], type[Any]] = {cls: _logged_twin(cls) for cls in _RECORD_CLASSES}
"""Each record class's logged twin."""
_logged_batch_decoder = msgspec.json.Decoder(list[reduce(or_, LOGGED.values())])  # type: ignore[misc]


def decode_logged_array(data: bytes) -> list[Any] | None:
    """A JSON array of logged bodies (``log.log_arrays``) as logged records, in one decoder call; None when the
    decoder refuses it (a row the record decoder would refuse too, or one nested beyond the decoder's depth:
    the caller reads that batch row by row, where the line path rejects such a row with its reason)."""
    try:
        records: list[Any] = _logged_batch_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):  # too deep: a row the old ingest kept
        return None
    return records


def profile_key_ok(key: tuple[Any, Any, Any]) -> bool:
    """``_profile_ok`` of a profile by its (gender, age_band, region) values, as the engine interns them."""
    return _profile_ok({"gender": key[0], "age_band": key[1], "region": key[2]})
