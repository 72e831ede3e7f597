"""What each chat platform wants: how a request is signed, how messages look, how fast we may send, and how
its answers read (several report errors inside an HTTP 200).

A platform turns a list of :class:`Item` (one message, or several merged into a digest) into one HTTP request,
and an HTTP answer into an :class:`Outcome`. Nothing here touches the database or the network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from livecrew.notify.models import TargetKind

LINE_API = "https://api.line.me"
TELEGRAM_API = "https://api.telegram.org"
SIGNATURE_HEADER = "X-Livecrew-Signature"
TIMESTAMP_HEADER = "X-Livecrew-Timestamp"
DELIVERY_HEADER = "X-Livecrew-Delivery"


@dataclass(frozen=True)
class Item:
    """One message as it is pushed (copied from the outbox row)."""

    delivery_id: int
    message_id: int | None
    channel_kind: str
    channel_name: str
    show_id: str | None
    author: str | None
    text: str
    tags: tuple[str, ...]
    severity: str
    mentions: tuple[str, ...]
    posted_at: datetime


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: float


@dataclass(frozen=True)
class Words:
    """The few fixed words of a push, in the workspace's language."""

    digest: str = "{n} messages"
    system: str = "livecrew"
    test: str = "Test message from livecrew"


@dataclass(frozen=True)
class Target:
    """What a platform needs of a target (plain values, read outside any transaction)."""

    id: int
    kind: str
    url: str
    secret: str | None
    chat_id: str | None


@dataclass(frozen=True)
class Prepared:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


class Result(StrEnum):
    sent = "sent"
    retry = "retry"  # failed for now (5xx, timeout, refused): back off and try again
    throttled = "throttled"  # "too fast": wait, not an error of the messages
    broken = "broken"  # signature, keyword or token refused: wait for a person to fix the target


@dataclass(frozen=True)
class Outcome:
    result: Result
    error: str | None = None
    wait_seconds: float | None = None


SEVERITY_MARK = {"critical": "🔴", "warning": "🟠", "info": "🔵"}


def line_of(item: Item, *, limit: int = 600) -> str:
    """One message as one plain line: mark, channel, author, text, tags."""
    mark = SEVERITY_MARK.get(item.severity, "🔵")
    who = f"{item.author}: " if item.author else ""
    tags = " ".join(f"#{t}" for t in item.tags)
    mentions = " ".join(f"@{m}" for m in item.mentions)
    text = " ".join(x for x in (f"{who}{item.text}", mentions, tags) if x)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    where = item.channel_name or item.channel_kind
    return f"{mark} [{where}] {text}" if where else f"{mark} {text}"


def title_of(items: Sequence[Item], words: Words) -> str:
    if len(items) == 1:
        item = items[0]
        return words.test if item.message_id is None and not item.channel_kind else (item.channel_name or words.system)
    return words.digest.format(n=len(items))


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: HMAC-SHA256 keyed with the secret over "<timestamp ms>\\n<secret>", Base64."""
    return _b64_hmac(secret.encode(), f"{timestamp_ms}\n{secret}".encode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu / Lark: HMAC-SHA256 keyed with "<timestamp s>\\n<secret>" over nothing, Base64."""
    return _b64_hmac(f"{timestamp_s}\n{secret}".encode(), b"")


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """Our generic webhook: hex HMAC-SHA256 keyed with the secret over "<timestamp s>." + body."""
    digest = hmac.new(secret.encode(), str(timestamp_s).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _jbody(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(1.0, float(value))
    except ValueError:
        return default


def _http_outcome(response: httpx.Response, what: str, *, too_fast: float) -> Outcome | None:
    """The answers every platform gives alike outside its own error format (None: read the body)."""
    if response.status_code == 429:
        return Outcome(Result.throttled, f"{what}: HTTP 429 {response.text[:200]}", _retry_after(response, too_fast))
    if response.status_code >= 500:
        return Outcome(Result.retry, f"{what}: HTTP {response.status_code} {response.text[:200]}".strip())
    return None


# ------------------------------------------------------------------ the platforms


@dataclass(frozen=True)
class Platform:
    kind: str
    limits: tuple[Limit, ...]
    # How much rendered text (UTF-8 bytes) one request may carry, and how many messages.
    max_bytes: int
    max_items: int
    too_fast_wait: float  # seconds to wait when the platform says "too fast" without saying how long
    build: Callable[[Target, Sequence[Item], Words, datetime], Prepared]
    read: Callable[[httpx.Response], Outcome]
    needs_secret: bool = False
    needs_chat: bool = False
    # The payload is a list of messages anyway (the generic webhook): send whatever waits in one request.
    batches: bool = False
    default_url: str | None = None
    notes: dict[str, str] = field(default_factory=dict)


def _markdown_lines(items: Sequence[Item]) -> str:
    return "\n\n".join(f"- {line_of(i)}" if len(items) > 1 else line_of(i, limit=4000) for i in items)


def _dingtalk_build(target: Target, items: Sequence[Item], words: Words, now: datetime) -> Prepared:
    title = title_of(items, words)
    body = {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n\n{_markdown_lines(items)}"}}
    url = httpx.URL(target.url)
    if target.secret:
        ts = int(now.timestamp() * 1000)
        url = url.copy_merge_params({"timestamp": str(ts), "sign": dingtalk_sign(target.secret, ts)})
    return Prepared("POST", str(url), {"Content-Type": "application/json; charset=utf-8"}, _json(body))


def _dingtalk_read(response: httpx.Response) -> Outcome:
    early = _http_outcome(response, "DingTalk", too_fast=60)
    if early:
        return early
    data = _jbody(response)
    if response.status_code >= 400 or "errcode" not in data:
        return Outcome(Result.broken, f"DingTalk: HTTP {response.status_code} {response.text[:200]}")
    code, message = data.get("errcode"), str(data.get("errmsg", ""))
    if code == 0:
        return Outcome(Result.sent)
    error = f"DingTalk errcode {code}: {message}"
    if code == 130101:  # send too fast: over 20 a minute, the robot is held back for a while
        return Outcome(Result.throttled, error, 60)
    if code in (310000, 300001, 300005, 400101, 400102):  # signature, keywords, IP, token, robot stopped
        return Outcome(Result.broken, error)
    return Outcome(Result.retry, error)


def _feishu_build(target: Target, items: Sequence[Item], words: Words, now: datetime) -> Prepared:
    title = title_of(items, words)
    lines = [[{"tag": "text", "text": line_of(i, limit=4000 if len(items) == 1 else 600)}] for i in items]
    body: dict[str, Any] = {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": lines}}}}
    if target.secret:
        ts = int(now.timestamp())
        body = {"timestamp": str(ts), "sign": feishu_sign(target.secret, ts), **body}
    return Prepared("POST", target.url, {"Content-Type": "application/json; charset=utf-8"}, _json(body))


def _feishu_read(response: httpx.Response) -> Outcome:
    early = _http_outcome(response, "Feishu", too_fast=10)
    if early:
        return early
    data = _jbody(response)
    code = data.get("code", data.get("StatusCode"))
    message = str(data.get("msg", data.get("StatusMessage", "")))
    if code is None:
        return Outcome(Result.broken, f"Feishu: HTTP {response.status_code} {response.text[:200]}")
    if code == 0:
        return Outcome(Result.sent)
    error = f"Feishu code {code}: {message}"
    if code == 11232:  # frequency limited
        return Outcome(Result.throttled, error, 10)
    if code in (19021, 19022, 19024, 19001, 19002):  # signature / timestamp, IP, keyword, webhook not found
        return Outcome(Result.broken, error)
    return Outcome(Result.retry, error)


def _wecom_build(target: Target, items: Sequence[Item], words: Words, now: datetime) -> Prepared:
    title = title_of(items, words)
    body = {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{_markdown_lines(items)}"}}
    return Prepared("POST", target.url, {"Content-Type": "application/json; charset=utf-8"}, _json(body))


def _wecom_read(response: httpx.Response) -> Outcome:
    early = _http_outcome(response, "WeCom", too_fast=60)
    if early:
        return early
    data = _jbody(response)
    if "errcode" not in data:
        return Outcome(Result.broken, f"WeCom: HTTP {response.status_code} {response.text[:200]}")
    code, message = data.get("errcode"), str(data.get("errmsg", ""))
    if code == 0:
        return Outcome(Result.sent)
    error = f"WeCom errcode {code}: {message}"
    if code == 45009:  # api freq out of limit
        return Outcome(Result.throttled, error, 60)
    if code in (93000, 40014, 40001, 93004):  # invalid webhook key / url, robot removed
        return Outcome(Result.broken, error)
    return Outcome(Result.retry, error)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_build(target: Target, items: Sequence[Item], words: Words, now: datetime) -> Prepared:
    from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, PlainTextObject, SectionBlock

    title = title_of(items, words)
    blocks: list[Any] = [HeaderBlock(text=PlainTextObject(text=title[:150]))]
    for item in items:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_slack_escape(line_of(item, limit=2900)))))
    if len(items) == 1 and items[0].show_id:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"show `{items[0].show_id}`")]))
    fallback = "\n".join(line_of(i) for i in items)[:3000]
    body = {"text": fallback, "blocks": [b.to_dict() for b in blocks]}
    return Prepared("POST", target.url, {"Content-Type": "application/json; charset=utf-8"}, _json(body))


def _slack_read(response: httpx.Response) -> Outcome:
    early = _http_outcome(response, "Slack", too_fast=30)
    if early:
        return early
    text = response.text.strip()
    if response.status_code == 200:
        return Outcome(Result.sent)
    error = f"Slack: HTTP {response.status_code} {text[:200]}"
    if response.status_code in (401, 403, 404, 410):  # invalid_token, action_prohibited, no_service, archived
        return Outcome(Result.broken, error)
    return Outcome(Result.retry, error)


def _webhook_build(target: Target, items: Sequence[Item], words: Words, now: datetime) -> Prepared:
    body = _json(
        {
            "type": "digest" if len(items) > 1 else "message",
            "title": title_of(items, words),
            "messages": [
                {
                    "delivery_id": i.delivery_id,
                    "message_id": i.message_id,
                    "channel_kind": i.channel_kind,
                    "channel_name": i.channel_name,
                    "show_id": i.show_id,
                    "author": i.author,
                    "text": i.text,
                    "tags": list(i.tags),
                    "severity": i.severity,
                    "mentions": list(i.mentions),
                    "posted_at": i.posted_at.isoformat(),
                }
                for i in items
            ],
        }
    )
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        DELIVERY_HEADER: ",".join(str(i.delivery_id) for i in items),
    }
    if target.secret:
        ts = int(now.timestamp())
        headers[TIMESTAMP_HEADER] = str(ts)
        headers[SIGNATURE_HEADER] = webhook_signature(target.secret, ts, body)
    return Prepared("POST", target.url, headers, body)


def _webhook_read(response: httpx.Response) -> Outcome:
    early = _http_outcome(response, "webhook", too_fast=30)
    if early:
        return early
    if 200 <= response.status_code < 300:
        return Outcome(Result.sent)
    error = f"webhook: HTTP {response.status_code} {response.text[:200]}".strip()
    if response.status_code in (401, 403, 404, 410):
        return Outcome(Result.broken, error)
    return Outcome(Result.retry, error)


def _api_base(url: str, default: str) -> str:
    return (url or default).rstrip("/")


def _plain(items: Sequence[Item], words: Words) -> str:
    if len(items) == 1:
        return f"{title_of(items, words)}\n{line_of(items[0], limit=4000)}"
    return title_of(items, words) + "\n" + "\n".join(line_of(i) for i in items)


def line_retry_key(items: Sequence[Item]) -> str:
    """The same messages in the same request always get the same retry key: LINE runs it only once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "livecrew-notify:" + ",".join(str(i.delivery_id) for i in items)))


def _line_build(target: Target, items: Sequence[Item], words: Words, now: datetime) -> Prepared:
    from linebot.v3.messaging import PushMessageRequest, TextMessage

    request = PushMessageRequest(to=target.chat_id or "", messages=[TextMessage(text=_plain(items, words)[:5000])])
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {target.secret or ''}",
        "X-Line-Retry-Key": line_retry_key(items),
    }
    url = _api_base(target.url, LINE_API) + "/v2/bot/message/push"
    return Prepared("POST", url, headers, _json(request.to_dict()))


def _line_read(response: httpx.Response) -> Outcome:
    if response.status_code in (200, 409):  # 409: this retry key was accepted before: it is delivered
        return Outcome(Result.sent)
    data = _jbody(response)
    message = str(data.get("message", response.text[:200]))
    details = data.get("details")
    if isinstance(details, list) and details:
        message += " (" + "; ".join(str(d.get("message", d)) for d in details if isinstance(d, dict)) + ")"
    error = f"LINE: HTTP {response.status_code} {message}"
    if response.status_code == 429:
        # The monthly message quota does not come back within the hour; the request rate does quickly.
        wait = 3600.0 if "monthly limit" in message.lower() else _retry_after(response, 60)
        return Outcome(Result.throttled, error, wait)
    if response.status_code >= 500:
        return Outcome(Result.retry, error)
    if response.status_code in (400, 401, 403, 404):  # bad group id, token refused, not allowed
        return Outcome(Result.broken, error)
    return Outcome(Result.retry, error)


def _telegram_build(target: Target, items: Sequence[Item], words: Words, now: datetime) -> Prepared:
    title = html.escape(title_of(items, words))
    lines = [html.escape(line_of(i, limit=3500 if len(items) == 1 else 600)) for i in items]
    body = {
        "chat_id": target.chat_id or "",
        "text": f"<b>{title}</b>\n" + "\n".join(lines),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    url = f"{_api_base(target.url, TELEGRAM_API)}/bot{target.secret or ''}/sendMessage"
    return Prepared("POST", url, {"Content-Type": "application/json"}, _json(body))


def _telegram_read(response: httpx.Response) -> Outcome:
    data = _jbody(response)
    if data.get("ok") is True:
        return Outcome(Result.sent)
    code = data.get("error_code", response.status_code)
    description = str(data.get("description", response.text[:200]))
    error = f"Telegram {code}: {description}"
    if code == 429:
        params = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        wait = params.get("retry_after") if params else None
        return Outcome(Result.throttled, error, float(wait) if isinstance(wait, int | float) else 30.0)
    if isinstance(code, int) and code >= 500:
        return Outcome(Result.retry, error)
    if code in (400, 401, 403, 404):  # chat not found, bad token, bot kicked out of the group
        return Outcome(Result.broken, error)
    return Outcome(Result.retry, error)


PLATFORMS: dict[str, Platform] = {
    TargetKind.dingtalk: Platform(
        "dingtalk", (Limit(20, 60),), 18000, 200, 60, _dingtalk_build, _dingtalk_read
    ),
    TargetKind.feishu: Platform(
        "feishu", (Limit(5, 1), Limit(100, 60)), 18000, 200, 10, _feishu_build, _feishu_read
    ),
    TargetKind.wecom: Platform("wecom", (Limit(20, 60),), 3800, 100, 60, _wecom_build, _wecom_read),
    TargetKind.slack: Platform("slack", (Limit(1, 1),), 35000, 45, 30, _slack_build, _slack_read),
    TargetKind.webhook: Platform("webhook", (), 200000, 500, 30, _webhook_build, _webhook_read, batches=True),
    TargetKind.line: Platform(
        "line", (Limit(2000, 1),), 4800, 200, 60, _line_build, _line_read,
        needs_secret=True, needs_chat=True, default_url=LINE_API,
    ),
    TargetKind.telegram: Platform(
        "telegram", (Limit(1, 1), Limit(20, 60)), 3900, 200, 30, _telegram_build, _telegram_read,
        needs_secret=True, needs_chat=True, default_url=TELEGRAM_API,
    ),
}  # fmt: skip


def rendered_size(item: Item, *, single: bool) -> int:
    return len(line_of(item, limit=4000 if single else 600).encode()) + 8


def mask_url(url: str) -> str:
    """A webhook address with its tokens hidden: the host and the start of the path stay readable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "•••"
    segments = parts.path.split("/")
    shown = [s if len(s) <= 8 else s[:3] + "•••" for s in segments]
    query = "&".join(
        (pair.split("=", 1)[0] + "=•••") if "=" in pair else pair for pair in parts.query.split("&") if pair
    )
    return urlunsplit((parts.scheme, parts.netloc, "/".join(shown), query, ""))


def mask_secret(secret: str | None) -> str | None:
    """A secret is never shown again, not even in part: only that one is set."""
    return "••••••••" if secret else None
