"""Scale-out: several real `livecrew serve` processes on one PostgreSQL + Redis, one show fed through all of
them (batches committed in any interleaving, duplicates sent to several, one process killed with SIGKILL
mid-stream): every process's live numbers equal METRICS.md on the stored log (tests/metrics_reference.py).

Each case has its own database next to the test database (``<name>_mp2``, ``<name>_mp3``), so that
parallel workers and the rest of the suite are not disturbed. In CI a missing PostgreSQL or Redis fails.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from conftest import require_postgres
from livecrew.core.auth import service as auth
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.core.migrate import upgrade
from livecrew.shows import service as shows
from livecrew.simulate import generate
from metrics_reference import reference

pytestmark = pytest.mark.postgres

REDIS_URL = os.environ.get("LIVECREW_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
BATCH = 150


def _redis_url() -> str:
    if not REDIS_URL:
        if IN_CI:
            pytest.fail("CI must run the scale-out tests: set LIVECREW_TEST_REDIS_URL")
        pytest.skip("scale-out tests need LIVECREW_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    return REDIS_URL


def _own_database(base_url: str, suffix: str) -> str:
    """A database of this test's own on the test server, created when missing and emptied."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    own = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(own)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(own)
    return own


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(Path(sys.executable).parent / "livecrew"), "serve", "--port", str(self.port)]
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"livecrew serve exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("livecrew serve did not answer within 90 s")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self._log.close()


def _events() -> list[dict[str, Any]]:
    """One simulated show (about 9,000 events), with every kind of event the metrics read."""
    return list(generate(minutes=8, seed=15, session="feed", arrivals_per_second=4.0))


def _plan(events: list[dict[str, Any]], processes: int, rng: random.Random) -> list[list[tuple[int, bytes]]]:
    """Each process's queue of (batch number, body): batches go round the processes, a third of them also to
    a second process, and some batches repeat a few events of the batch before (a feed's retries)."""
    lines = [json.dumps(e, ensure_ascii=False).encode() for e in events]
    batches = [lines[i : i + BATCH] for i in range(0, len(lines), BATCH)]
    queues: list[list[tuple[int, bytes]]] = [[] for _ in range(processes)]
    for n, batch in enumerate(batches):
        body = list(batch)
        if n and rng.random() < 0.3:
            body = rng.sample(batches[n - 1], 5) + body
        queues[n % processes].append((n, b"\n".join(body)))
        if rng.random() < 0.35:
            queues[(n + 1) % processes].append((n, b"\n".join(batch)))
    return queues


def _feed(servers: list[Server], queues: list[list[tuple[int, bytes]]], token: str, show_id: str, victim: int) -> None:
    """One thread per process posts its queue; the victim is killed with SIGKILL half way through its queue,
    and what it did not answer goes to the next process (as a feed retries elsewhere)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    failures: list[str] = []
    killed = threading.Event()

    def post(client: httpx.Client, body: bytes) -> bool:
        try:
            response = client.post(f"/api/v1/shows/{show_id}/events", content=body)
        except httpx.HTTPError:
            return False
        if response.status_code != 200 or response.json()["rejected"]:
            failures.append(response.text[:300])
        return True

    def worker(n: int) -> None:
        queue = queues[n]
        with httpx.Client(base_url=servers[n].base, headers=headers, timeout=60) as client:
            for k, (_batch, body) in enumerate(queue):
                if n == victim and k == len(queue) // 2:
                    servers[n].kill()
                    killed.set()
                if n == victim and killed.is_set():
                    break
                if not post(client, body):
                    failures.append(f"process {n} did not answer")
        if n == victim:
            rest = [body for _batch, body in queue[len(queue) // 2 - 1 :]]  # the one in flight too
            with httpx.Client(base_url=servers[(n + 1) % len(servers)].base, headers=headers, timeout=60) as other:
                for body in rest:
                    if not post(other, body):
                        failures.append("the retry did not get an answer")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]


def _agree(servers: list[Server], token: str, show_id: str, want: dict[str, Any], timeout: float) -> float:
    """Seconds until every process's metrics equal ``want`` (fails with the first difference after timeout)."""
    headers = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    while True:
        differences = []
        for n, server in enumerate(servers):
            got = httpx.get(f"{server.base}/api/v1/shows/{show_id}/metrics", headers=headers, timeout=30).json()
            wrong = [key for key, value in want.items() if got.get(key) != value]
            if wrong:
                differences.append((n, wrong[:5], {k: (got.get(k), want[k]) for k in wrong[:2]}))
        if not differences:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"the processes disagree with the log: {differences}")
        time.sleep(0.1)


@pytest.fixture
def servers_env(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[dict[str, str], str, str]]:
    base_url = require_postgres()
    redis_url = _redis_url()
    url = _own_database(base_url, f"mp{request.node.callspec.params['processes']}")
    engine = make_engine(url)
    clock = SystemClock()
    with session_scope(make_sessionmaker(engine)) as db:
        ws = auth.create_workspace(db, clock, "scale-out")
        user = auth.create_user(
            db, clock, ws, email="feed@example.com", display_name="feed", password="scale-out-test", roles=["owner"]
        )
        _t, token = auth.create_token(db, clock, user)
        show_id = shows.create_show(db, clock, ws, title="scale-out", starts_at=clock.now(), minutes=60).id
    engine.dispose()
    env = {
        **os.environ,
        "LIVECREW_DATABASE_URL": url,
        "LIVECREW_REDIS_URL": redis_url,
        "LIVECREW_DATA_DIR": str(tmp_path / "data"),
        "LIVECREW_LOG_LEVEL": "WARNING",
    }
    yield env, token, show_id


@pytest.mark.parametrize("processes", [2, 3])
def test_processes_agree_with_the_log(
    processes: int, servers_env: tuple[dict[str, str], str, str], tmp_path: Path
) -> None:
    env, token, show_id = servers_env
    rng = random.Random(processes)
    events = _events()
    servers = [Server(env, tmp_path / f"serve-{n}.log") for n in range(processes)]
    try:
        for server in servers:
            server.wait_ready()
        headers = {"Authorization": f"Bearer {token}"}
        for server in servers:  # every process has the show loaded before the stream starts
            assert httpx.get(f"{server.base}/api/v1/shows/{show_id}/metrics", headers=headers).status_code == 200
        victim = processes - 1
        _feed(servers, _plan(events, processes, rng), token, show_id, victim)
        # The killed process is replaced by a new one, which builds the show from the log.
        servers[victim].stop()
        servers[victim] = Server(env, tmp_path / f"serve-{victim}-again.log")
        servers[victim].wait_ready()

        exported = httpx.get(f"{servers[0].base}/api/v1/shows/{show_id}/events", headers=headers, timeout=60)
        assert exported.status_code == 200
        logged = [json.loads(x) for x in exported.text.splitlines()]
        assert sorted(e["id"] for e in logged) == sorted(e["id"] for e in events)  # every event, once
        want = json.loads(json.dumps(reference(logged)))
        seconds = _agree(servers, token, show_id, want, timeout=30)
        print(f"{processes} processes agreed with the log {seconds:.2f} s after the last answer")
    finally:
        for server in servers:
            server.stop()
