"""Pushes across processes: the CLI, a real ``livecrew serve`` killed with SIGKILL while messages wait in the
outbox (they are delivered after the restart), and on PostgreSQL two relay processes sharing one outbox
without sending anything twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from livecrew import cli
from livecrew.core.auth import service as auth
from livecrew.core.auth.models import Workspace
from livecrew.core.clock import SystemClock
from livecrew.core.db import make_engine, make_sessionmaker
from livecrew.notify import service
from livecrew.notify.models import NotifyDelivery, NotifyTarget
from notify.conftest import SECRETS, post
from notify_fakes import Fake, closed_port

runner = CliRunner(env={"COLUMNS": "300"})
LIVECREW = str(Path(sys.executable).parent / "livecrew")


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


@pytest.fixture
def real_fakes() -> Iterator[Callable[..., Fake]]:
    """Fakes on the real clock (the processes under test use it)."""
    started: list[Fake] = []

    def make(kind: str, **kwargs: object) -> Fake:
        kwargs.setdefault("secret", SECRETS.get(kind))
        fake = Fake(kind, **kwargs).start()  # type: ignore[arg-type]
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


@pytest.fixture
def shared(cli_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(cli_db)
    yield make_sessionmaker(engine)
    engine.dispose()


def make_target(sessions: sessionmaker[Session], fake: Fake, name: str = "ws") -> tuple[str, int]:
    clock = SystemClock()
    with sessions() as db:
        ws = auth.create_workspace(db, clock, name)
        target = service.create_target(db, clock, ws, service.TargetInput(
            kind=fake.kind, url=fake.url, secret=fake.secret, channels=["emergency"], name=f"{name} hook"))  # fmt: skip
        db.commit()
        return ws.id, target.id


def post_many(sessions: sessionmaker[Session], workspace_id: str, texts: list[str]) -> None:
    with sessions() as db:
        ws = db.get(Workspace, workspace_id)
        assert ws is not None
        for n, text in enumerate(texts):
            post(db, ws, text, message_id=n + 1, commit=False)
        db.commit()


def statuses(sessions: sessionmaker[Session], target_id: int) -> Counter[str]:
    with sessions() as db:
        return Counter(db.scalars(select(NotifyDelivery.status).where(NotifyDelivery.target_id == target_id)))


def test_cli_lists_tests_and_relays(shared: sessionmaker[Session], real_fakes: Callable[..., Fake]) -> None:
    fake = real_fakes("dingtalk")
    workspace_id, target_id = make_target(shared, fake)
    listed = runner.invoke(cli.app, ["notify", "targets", "--workspace", workspace_id])
    assert listed.exit_code == 0, listed.output
    flat = re.sub(r"[\s│┃]", "", listed.output)  # the table folds long cells on a narrow terminal
    assert "dingtalk" in flat and "access_token=•••" in flat
    assert SECRETS["dingtalk"] not in listed.output and "robot-access-token" not in listed.output
    tested = runner.invoke(cli.app, ["notify", "test", str(target_id)])
    assert tested.exit_code == 0, tested.output
    assert "delivered" in tested.output and len(fake.accepted) == 1
    post_many(shared, workspace_id, ["CLI-1", "CLI-2"])
    relayed = runner.invoke(cli.app, ["notify", "relay", "--once"])
    assert relayed.exit_code == 0, relayed.output
    assert "'delivered': 2" in relayed.output
    assert statuses(shared, target_id) == Counter({"sent": 3})
    # A broken secret: the test command says what the platform said, and fails.
    with shared() as db:
        target = db.get(NotifyTarget, target_id)
        assert target is not None
        target.secret = "SEC-wrong"
        db.commit()
    failed = runner.invoke(cli.app, ["notify", "test", str(target_id)])
    assert failed.exit_code == 1
    assert "310000" in failed.output and "broken" in failed.output
    assert runner.invoke(cli.app, ["notify", "test", "999"]).exit_code == 1


def _serve(db_url: str, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LIVECREW_DATABASE_URL": db_url, "LIVECREW_DATA_DIR": str(data_dir),
           "LIVECREW_LOG_LEVEL": "INFO"}  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen([LIVECREW, "serve", "--port", str(port)], env=env, stdout=out, stderr=out)
    wait_for(lambda: _healthy(port), 60, "livecrew serve to answer")
    return process


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_messages_in_the_outbox_survive_kill_9(
    cli_db: str, shared: sessionmaker[Session], real_fakes: Callable[..., Fake], tmp_path: Path
) -> None:
    fake = real_fakes("webhook", mode="error")
    workspace_id, target_id = make_target(shared, fake)
    port = closed_port()
    log = tmp_path / "serve.log"
    server = _serve(cli_db, tmp_path, port, log)
    try:
        post_many(shared, workspace_id, [f"KILL-{n:02d}" for n in range(20)])
        wait_for(lambda: len(fake.received) >= 1, 30, "the server's relay to try the endpoint")
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        assert statuses(shared, target_id)["sent"] == 0
        post_many(shared, workspace_id, [f"KILL-{n:02d}" for n in range(20, 25)])  # acknowledged while down
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    fake.mode = "ok"
    server = _serve(cli_db, tmp_path, port, log)
    try:
        wanted = {f"KILL-{n:02d}" for n in range(25)}
        wait_for(lambda: wanted <= set(fake.texts()), 90, "every message after the restart")
        wait_for(lambda: statuses(shared, target_id) == Counter({"sent": 25}), 30, "the outbox to say sent")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    text = log.read_text(errors="replace")
    assert SECRETS["webhook"] not in text


@pytest.mark.postgres
def test_two_relay_processes_share_the_outbox_without_double_sends(
    pg_engine: Engine, cli_db: str, shared: sessionmaker[Session], real_fakes: Callable[..., Fake], tmp_path: Path
) -> None:
    fakes = [real_fakes("webhook") for _ in range(4)]
    targets = [make_target(shared, fake, name=f"ws{n}") for n, fake in enumerate(fakes)]
    for n, (workspace_id, _target) in enumerate(targets):
        post_many(shared, workspace_id, [f"PG-{n}-{i:03d}" for i in range(60)])
    env = {**os.environ, "LIVECREW_DATABASE_URL": cli_db, "LIVECREW_DATA_DIR": str(tmp_path)}
    relays = [
        subprocess.Popen([LIVECREW, "notify", "relay", "--once"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=180)[0] for r in relays]
    assert all(r.returncode == 0 for r in relays), outputs
    for n, fake in enumerate(fakes):
        texts = fake.texts()
        assert sorted(texts) == [f"PG-{n}-{i:03d}" for i in range(60)], f"target {n}: duplicates or losses"
    for _ws, target_id in targets:
        assert statuses(shared, target_id) == Counter({"sent": 60})
    assert all("delivered" in o for o in outputs)
