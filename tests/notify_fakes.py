"""Local stand-ins for the chat platforms, for the pushes' tests and bench/notify.py.

Each fake listens on 127.0.0.1 (a random port), checks every request the way its platform documents it —
recomputing the signature from the secret it was given, checking the token, the keyword, the target chat —
and answers in the platform's own format, errors included (several inside HTTP 200). A fake can be told to be
"too fast", to fail with 503, or to answer slowly; ``stop()`` closes its port (connection refused).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROBOT_TOKEN = "robot-access-token-0123456789"
FEISHU_HOOK = "6f1e0d2c-7b3a-4c5d-9e8f-0a1b2c3d4e5f"
WECOM_KEY = "wecom-key-693a91f6-7x0x-4bc4-97a0"
SLACK_PATH = "/services/T000LIVE/B000CREW/abcdefghijklmnopqrstuvwx"
LINE_GROUP = "C4af4980629e3b7f0a1b2c3d4e5f60718"
TELEGRAM_CHAT = "-1001234567890"


@dataclass
class Received:
    at: datetime
    path: str
    headers: dict[str, str]
    body: bytes
    texts: list[str]
    accepted: bool


@dataclass
class Fake:
    kind: str
    secret: str | None = None  # what the platform knows: signing secret, or LINE / Telegram token
    keyword: str | None = None  # DingTalk / Feishu "custom keyword" security setting
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    mode: str = "ok"  # ok, too_fast, error, slow
    slow_seconds: float = 2.0
    per_minute: int | None = None  # refuse beyond this many accepted requests in any 60 s (like DingTalk)
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _retry_keys: set[str] = field(default_factory=set)

    # -------------------------------------------------------------- running

    def start(self) -> Fake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                status, headers, payload = fake.answer(self.path, dict(self.headers.items()), body)
                data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The address a person would paste (the API base for LINE and Telegram)."""
        return {
            "dingtalk": f"{self.base}/robot/send?access_token={ROBOT_TOKEN}",
            "feishu": f"{self.base}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
            "wecom": f"{self.base}/cgi-bin/webhook/send?key={WECOM_KEY}",
            "slack": f"{self.base}{SLACK_PATH}",
            "webhook": f"{self.base}/livecrew/hook",
            "line": self.base,
            "telegram": self.base,
        }[self.kind]

    # -------------------------------------------------------------- what it saw

    @property
    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.accepted]

    def texts(self) -> list[str]:
        return [t for r in self.accepted for t in r.texts]

    # -------------------------------------------------------------- answering

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        lower = {k.lower(): v for k, v in headers.items()}
        handler = getattr(self, f"_{self.kind}")
        status, extra, payload, texts, ok = handler(path, lower, body)
        with self._lock:
            self.received.append(Received(self.now(), path, lower, body, texts, ok))
        return status, extra, payload

    def _busy(self) -> bool:
        if self.mode == "too_fast":
            return True
        if self.per_minute is None:
            return False
        start = self.now() - timedelta(seconds=60)
        with self._lock:
            return sum(1 for r in self.received if r.accepted and r.at > start) >= self.per_minute

    def _dingtalk(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if parts.path != "/robot/send" or query.get("access_token") != [ROBOT_TOKEN]:
            return 200, {}, {"errcode": 300001, "errmsg": "token is not exist"}, [], False
        if self.secret:
            ts, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            expected = base64.b64encode(
                hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256).digest()
            ).decode()
            fresh = ts.isdigit() and abs(int(ts) / 1000 - self.now().timestamp()) < 3600
            if not fresh or not hmac.compare_digest(sign, expected):
                return 200, {}, {"errcode": 310000, "errmsg": "sign not match, more: [see the robot's docs]"}, [], False
        data = json.loads(body)
        text = data.get("markdown", {}).get("text") or data.get("text", {}).get("content", "")
        if self.keyword and self.keyword not in text:
            return 200, {}, {"errcode": 310000, "errmsg": "keywords not in content"}, [], False
        if self.mode == "error":
            return 503, {}, b"service unavailable", [], False
        if self._busy():
            return 200, {}, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, [], False
        return 200, {}, {"errcode": 0, "errmsg": "ok"}, [text], True

    def _feishu(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
        if path != f"/open-apis/bot/v2/hook/{FEISHU_HOOK}":
            return (
                200,
                {},
                {"code": 19001, "data": {}, "msg": "param invalid: incoming webhook access token invalid"},
                [],
                False,
            )
        data = json.loads(body)
        if self.secret:
            ts, sign = str(data.get("timestamp", "")), str(data.get("sign", ""))
            expected = base64.b64encode(
                hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256).digest()
            ).decode()
            fresh = ts.isdigit() and abs(int(ts) - self.now().timestamp()) < 3600
            if not fresh or not hmac.compare_digest(sign, expected):
                message = "sign match fail or timestamp is not within one hour from current time"
                return 200, {}, {"code": 19021, "data": {}, "msg": message}, [], False
        post = data.get("content", {}).get("post", {}).get("zh_cn", {})
        text = (
            post.get("title", "")
            + "\n"
            + "\n".join(seg.get("text", "") for line in post.get("content", []) for seg in line)
        )
        if self.keyword and self.keyword not in text:
            return 200, {}, {"code": 19024, "data": {}, "msg": "Key Words Not Found"}, [], False
        if self.mode == "error":
            return 502, {}, b"bad gateway", [], False
        if self._busy():
            return 200, {}, {"code": 11232, "data": {}, "msg": "frequency limited"}, [], False
        return (
            200,
            {},
            {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"},
            [text],
            True,
        )

    def _wecom(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
        parts = urlsplit(path)
        if parts.path != "/cgi-bin/webhook/send" or parse_qs(parts.query).get("key") != [WECOM_KEY]:
            return 200, {}, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [wrong key]"}, [], False
        data = json.loads(body)
        if data.get("msgtype") != "markdown" or not data.get("markdown", {}).get("content"):
            return 200, {}, {"errcode": 40008, "errmsg": "invalid message type"}, [], False
        if len(data["markdown"]["content"].encode()) > 4096:
            return 200, {}, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, [], False
        if self.mode == "error":
            return 500, {}, b"internal error", [], False
        if self._busy():
            return 200, {}, {"errcode": 45009, "errmsg": "api freq out of limit"}, [], False
        return 200, {}, {"errcode": 0, "errmsg": "ok"}, [data["markdown"]["content"]], True

    def _slack(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
        if path != SLACK_PATH:
            return 404, {"Content-Type": "text/plain"}, b"no_service", [], False
        data = json.loads(body)
        if not data.get("text") and not data.get("blocks"):
            return 400, {"Content-Type": "text/plain"}, b"invalid_payload", [], False
        if self.mode == "error":
            return 503, {}, b"service unavailable", [], False
        if self._busy():
            return 429, {"Retry-After": "2", "Content-Type": "text/plain"}, b"rate_limited", [], False
        return 200, {"Content-Type": "text/plain"}, b"ok", [data.get("text", "")], True

    def _webhook(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
        if self.secret:
            ts = headers.get("x-livecrew-timestamp", "")
            given = headers.get("x-livecrew-signature", "")
            expected = "sha256=" + hmac.new(self.secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            fresh = ts.isdigit() and abs(int(ts) - self.now().timestamp()) < 300
            if not fresh or not hmac.compare_digest(given, expected):
                return 401, {}, {"error": "signature does not match"}, [], False
        if self.mode == "error":
            return 503, {}, b"busy", [], False
        if self._busy():
            return 429, {"Retry-After": "2"}, {"error": "slow down"}, [], False
        data = json.loads(body)
        return 200, {}, {"ok": True}, [m["text"] for m in data["messages"]], True

    def _line(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
        if path != "/v2/bot/message/push":
            return 404, {}, {"message": "Not found"}, [], False
        if headers.get("authorization") != f"Bearer {self.secret}":
            message = "Authentication failed. Confirm that the access token in the authorization header is valid."
            return 401, {}, {"message": message}, [], False
        key = headers.get("x-line-retry-key", "")
        try:
            uuid.UUID(key)
        except ValueError:
            return 400, {}, {"message": "The value of the X-Line-Retry-Key header is invalid"}, [], False
        data = json.loads(body)
        if data.get("to") != LINE_GROUP:
            return (
                400,
                {},
                {"message": "The property, 'to', in the request body is invalid (line: -, column: -)"},
                [],
                False,
            )
        messages = data.get("messages") or []
        if not messages or len(messages) > 5 or any(len(m.get("text", "")) > 5000 for m in messages):
            return (
                400,
                {},
                {"message": "The request body has 1 error(s)", "details": [{"message": "bad messages"}]},
                [],
                False,
            )
        if self.mode == "error":
            return 500, {}, {"message": "An error occurred in the server"}, [], False
        if self._busy():
            return 429, {}, {"message": "The API rate limit has been exceeded. Try again later."}, [], False
        with self._lock:
            if key in self._retry_keys:
                sent = {"message": "The retry key is already accepted", "sentMessages": []}
                return 409, {"x-line-accepted-request-id": key}, sent, [], False
            self._retry_keys.add(key)
        return (
            200,
            {},
            {"sentMessages": [{"id": "461230966842064897", "quoteToken": "q"}]},
            [m["text"] for m in messages],
            True,
        )

    def _telegram(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
        match = re.fullmatch(r"/bot(.+)/sendMessage", path)
        if not match or match.group(1) != self.secret:
            return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}, [], False
        data = json.loads(body)
        if str(data.get("chat_id")) != TELEGRAM_CHAT:
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, [], False
        if len(data.get("text", "")) > 4096:
            return (
                400,
                {},
                {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
                [],
                False,
            )
        if self.mode == "error":
            return 502, {}, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, [], False
        if self._busy():
            answer = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                      "parameters": {"retry_after": 3}}  # fmt: skip
            return 429, {}, answer, [], False
        return (
            200,
            {},
            {"ok": True, "result": {"message_id": len(self.received) + 1, "text": data["text"]}},
            [data["text"]],
            True,
        )


def closed_port() -> int:
    """A port nothing listens on (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
