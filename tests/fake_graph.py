"""A stand-in for the Graph API's live comment and reaction streams, on 127.0.0.1 (no network in tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

Script = Callable[[int], Iterator[bytes]]


@dataclass
class FakeGraph:
    """``scripts[edge]`` gives, for the n-th connection (0, 1, ...), the bytes to stream; the connection is
    closed when they run out. A wrong token gets the Graph API's OAuth error (code 190)."""

    token: str
    scripts: dict[str, Script]
    connections: dict[str, int] = field(default_factory=dict)
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    revoked: bool = False

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                fake.queries.append(query)
                edge = url.path.rsplit("/", 1)[-1]
                if fake.revoked or query.get("access_token") != [fake.token]:
                    body = json.dumps(
                        {
                            "error": {
                                "message": "Error validating access token: The session has been invalidated.",
                                "type": "OAuthException",
                                "code": 190,
                            }
                        }
                    ).encode()
                    self.send_response(400)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if edge not in fake.scripts:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                n = fake.connections.get(edge, 0)
                fake.connections[edge] = n + 1
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in fake.scripts[edge](n):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def comment(i: int, viewers: int = 300) -> bytes:
    data = {
        "id": f"9911_{i}",
        "created_time": f"2026-06-12T02:{i // 60 % 60:02d}:{i % 60:02d}+0000",  # the tests' fake clock's hour
        "from": {"id": f"{1000 + i % viewers}", "name": f"觀眾{i % viewers}"},
        "message": f"第 {i} 則留言 +1",
    }
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"
