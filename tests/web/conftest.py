"""Fixtures for browser tests: a real server on a free port and headless Chromium (Debian's package)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from livecrew.core.clock import SystemClock
from livecrew.core.config import Settings
from livecrew.core.db import make_engine, make_sessionmaker, session_scope
from livecrew.core.migrate import upgrade
from livecrew.demo import seed_demo

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _need_chromium() -> str:
    if CHROMIUM is None:
        message = "browser tests need Debian's chromium (make test installs it when run as root)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[str]:
    import uvicorn

    from livecrew.app import create_app

    upgrade(db_url)
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        seed_demo(db, SystemClock())
    settings = Settings(database_url=db_url, data_dir=tmp_path, log_level="WARNING")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def page(live_server: str) -> Iterator[object]:
    executable = _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 800})
        pg = context.new_page()
        pg.set_default_timeout(15000)
        yield pg
        context.close()
        browser.close()
