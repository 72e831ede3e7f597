"""What the HTTP benchmarks share: a fresh database with a workspace, a token and a show, and a real
`livecrew serve` in its own process, as in production (the client must not share the server's interpreter).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

from livecrew.core.auth import service as auth
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.core.migrate import upgrade
from livecrew.shows import service as shows


@dataclass
class Setup:
    url: str
    data_dir: Path
    token: str
    show_id: str
    more_shows: list[str]  # further shows of the same workspace (several rooms live at once)


def prepare(database_url: str | None, *, minutes: int = 240, shows_count: int = 1) -> Setup:
    """A migrated, empty database (PostgreSQL: the schema is dropped first) with ``shows_count`` shows to feed."""
    data_dir = Path(tempfile.mkdtemp(prefix="livecrew-bench-"))
    url = database_url or f"sqlite:///{data_dir / 'bench.db'}"
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    clock = SystemClock()
    with session_scope(make_sessionmaker(engine)) as db:
        ws = auth.create_workspace(db, clock, "bench")
        user = auth.create_user(
            db, clock, ws, email="bench@example.com", display_name="bench", password="benchmark", roles=["owner"]
        )
        _t, token = auth.create_token(db, clock, user)
        ids = [
            shows.create_show(db, clock, ws, title=f"bench {n + 1}", starts_at=clock.now(), minutes=minutes).id
            for n in range(shows_count)
        ]
    engine.dispose()
    return Setup(url, data_dir, token, ids[0], ids[1:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVED: list[int] = []  # process ids of the servers started by ``serve``, in order


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0.0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL server process on this machine (Linux /proc), for a run's difference."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


@contextmanager
def serve(setup: Setup, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`livecrew serve` on a free port over the prepared database; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        **(extra_env or {}),
        "LIVECREW_DATABASE_URL": setup.url,
        "LIVECREW_DATA_DIR": str(setup.data_dir),
        "LIVECREW_LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).parent / "livecrew"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    SERVED.append(process.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded machine: imports, the migration check and the warm-up
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start ({' '.join(command)})")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
