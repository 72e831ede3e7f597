"""Douyin (抖音) webcast messages and Compass (羅盤) big-screen order records → EVENTS.md events.

Input is the JSON form of the decoded messages (``method`` names the message type, ``common`` carries
``msgId`` and ``createTime``). Money: a Douyin diamond is worth 0.1 CNY, i.e. 10 fen. Message kinds
that carry nothing for the metrics are skipped with a reason, never crashed on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

FEN_PER_DIAMOND = 10
CHINA = ZoneInfo("Asia/Shanghai")
MEMBER_ENTER = 1
SOCIAL_FOLLOW, SOCIAL_SHARE = 1, 3
CONTROL_ENDED = 3
ORDER_PLACED, ORDER_PAID = "已下單", "已付款"
ORDER_STATUS = {ORDER_PLACED: "order", "已下单": "order", ORDER_PAID: "pay"}


@dataclass
class AdaptResult:
    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


class _Skip(Exception):
    pass


def _ms(value: Any) -> int:
    """createTime in seconds or milliseconds (number or numeric string), or a 'YYYY-MM-DD HH:MM:SS' China time."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        return number if number > 10**11 else number * 1000
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip().replace("/", "-"))
        except ValueError:
            raise _Skip(f"unreadable time {value!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=CHINA)
        return int(when.timestamp() * 1000)
    raise _Skip("no time")


def _common(message: dict[str, Any]) -> tuple[str, int]:
    common = message.get("common") or {}
    msg_id = common.get("msgId") or message.get("msgId")
    if msg_id in (None, ""):
        raise _Skip("no common.msgId")
    return f"dy-{msg_id}", _ms(common.get("createTime") or message.get("createTime"))


def _user(message: dict[str, Any]) -> str:
    user = message.get("user") or {}
    uid = user.get("id") or user.get("secUid") or user.get("shortId")
    if uid in (None, ""):
        raise _Skip("no user.id")
    return str(uid)


def webcast(message: dict[str, Any]) -> dict[str, Any]:
    method = str(message.get("method") or "")
    event_id, ts = _common(message)
    base: dict[str, Any] = {"id": event_id, "ts": ts}
    if method == "WebcastMemberMessage":
        action = message.get("action", MEMBER_ENTER)
        if int(action) != MEMBER_ENTER:
            raise _Skip(f"member action {action} is not an entry")
        return {**base, "type": "enter", "user": _user(message)}
    if method == "WebcastChatMessage":
        return {**base, "type": "comment", "user": _user(message), "text": str(message.get("content", ""))}
    if method == "WebcastLikeMessage":
        return {**base, "type": "like", "user": _user(message), "count": max(1, int(message.get("count", 1)))}
    if method == "WebcastSocialMessage":
        action = int(message.get("action", 0))
        if action == SOCIAL_FOLLOW:
            return {**base, "type": "follow", "user": _user(message)}
        if action == SOCIAL_SHARE:
            return {**base, "type": "share", "user": _user(message)}
        raise _Skip(f"social action {action} is neither follow nor share")
    if method == "WebcastGiftMessage":
        count = max(1, int(message.get("repeatCount") or message.get("comboCount") or 1))
        diamonds = int((message.get("gift") or {}).get("diamondCount") or message.get("diamondCount") or 0)
        gift = str(message.get("giftId") or (message.get("gift") or {}).get("id") or "gift")
        return {**base, "type": "gift", "user": _user(message), "gift": gift, "count": count,
                "value": diamonds * count * FEN_PER_DIAMOND}  # fmt: skip
    if method == "WebcastRoomUserSeqMessage":
        return {**base, "type": "online", "count": int(message.get("total") or 0)}
    if method == "WebcastControlMessage":
        if int(message.get("status", 0)) == CONTROL_ENDED:
            return {**base, "type": "live_end"}
        raise _Skip(f"control status {message.get('status')} is not the end of the broadcast")
    raise _Skip(f"message kind {method or '(none)'} is not mapped")


def compass_order(record: dict[str, Any]) -> dict[str, Any]:
    """A Compass big-screen ``live_order`` record: status 已下單 → order, 已付款 → pay."""
    status = str(record.get("order_status") or record.get("status") or "")
    kind = ORDER_STATUS.get(status)
    if kind is None:
        raise _Skip(f"order status {status!r} is neither {ORDER_PLACED} nor {ORDER_PAID}")
    order = record.get("order_id")
    if not order:
        raise _Skip("no order_id")
    when = record.get("pay_time") if kind == "pay" and record.get("pay_time") else record.get("create_time")
    event: dict[str, Any] = {
        "id": f"cp-{order}-{kind}",
        "type": kind,
        "ts": _ms(when),
        "user": str(record.get("user_id") or record.get("buyer_id") or f"buyer-{order}"),
        "order": str(order),
        "amount": int(record.get("pay_amount") or record.get("amount") or 0),
    }
    product = record.get("product_id")
    qty = int(record.get("num") or record.get("item_num") or 1)
    if kind == "order" or product:
        event["product"] = str(product or "unknown")
        event["qty"] = qty
    return event


def adapt(messages: Iterable[dict[str, Any]]) -> AdaptResult:
    """Map a stream of Douyin webcast messages and Compass ``live_order`` records."""
    result = AdaptResult()
    for index, message in enumerate(messages):
        try:
            if not isinstance(message, dict):
                raise _Skip("not an object")
            if message.get("type") == "live_order" or "order_status" in message:
                result.events.append(compass_order(message))
            else:
                result.events.append(webcast(message))
        except (_Skip, ValueError, TypeError) as exc:
            result.skipped.append((index, str(exc)))
    return result
