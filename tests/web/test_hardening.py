"""Faults found by fuzzing and by an operator: no 5xx from a request's content, the documented error shape
with a request id for a real 500, bodies limited while they stream, spreadsheets that cannot blow memory,
exports that take any text, and imports that do not hold up the rest of the server."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from livecrew.app import create_app
from livecrew.core.clock import FakeClock
from livecrew.core.config import Settings
from livecrew.core.errors import ValidationFailed
from livecrew.core.pubsub import LocalHub
from livecrew.goods import sheets
from livecrew.shows import service
from support import Factory, bearer

HUGE = "99999999999999999999"


@pytest.fixture
def owner(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    show = service.create_show(db, clock, ws, title="直播", starts_at=clock.now(), minutes=60)
    db.commit()
    return {"token": token, "show": show.id}


def test_a_server_error_answers_the_documented_shape_with_a_logged_request_id(
    settings: Settings, clock: FakeClock, engine: Engine, hub: LocalHub, capfd: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings, clock=clock, engine=engine, hub=hub)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/boom", boom)
    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/v1/boom")
        page = client.get("/boom", headers={"Accept": "text/html"})
    assert r.status_code == 500
    body = r.json()
    assert set(body) == {"error", "message", "request_id"} and body["error"] == "server_error"
    assert body["request_id"] in body["message"] and r.headers["X-Request-ID"] == body["request_id"]
    assert page.status_code == 500 and page.headers["X-Request-ID"] in page.text
    logged = capfd.readouterr().err
    assert body["request_id"] in logged and "RuntimeError: a bug" in logged


def test_every_answer_carries_its_request_id(client: TestClient) -> None:
    first, second = client.get("/api/v1/health"), client.get("/api/v1/health")
    assert first.headers["X-Request-ID"] and first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", f"/api/v1/tasks/{HUGE}"),
        ("POST", "/api/v1/shows/{show}/claims/" + HUGE + "/cancel"),
        ("DELETE", "/api/v1/shows/{show}/lineup/" + HUGE),
        ("POST", f"/api/v1/alerts/{HUGE}/ack"),
    ],
)
def test_oversized_ids_are_invalid_requests(client: TestClient, owner: dict[str, Any], method: str, path: str) -> None:
    r = client.request(method, path.format(show=owner["show"]), json={}, headers=bearer(owner["token"]))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid"


def test_an_oversized_number_in_a_body_is_an_invalid_request(client: TestClient, owner: dict[str, Any]) -> None:
    r = client.post(
        "/api/v1/products",
        json={"sku": "BIG", "title": "大", "tier": "traffic", "list_price": 10**30, "live_price": 1, "stock": 1},
        headers=bearer(owner["token"]),
    )
    assert r.status_code == 422, r.text


def test_an_empty_show_id_is_refused_not_stored(client: TestClient, owner: dict[str, Any], clock: FakeClock) -> None:
    day = clock.now().date().isoformat()
    task = client.post(
        "/api/v1/tasks", json={"title": "t", "due_on": day, "show_id": ""}, headers=bearer(owner["token"])
    )
    assert task.status_code == 422, task.text
    evening = client.put(
        f"/api/v1/board/{day}/evening",
        json={"problems": [{"title": "p", "due_on": day, "show_id": ""}]},
        headers=bearer(owner["token"]),
    )
    assert evening.status_code in (404, 405, 422), evening.text


def test_a_chunked_body_is_stopped_at_the_limit(
    tmp_path: Path, clock: FakeClock, engine: Engine, hub: LocalHub, owner: dict[str, Any]
) -> None:
    settings = Settings(data_dir=tmp_path / "data", log_level="WARNING", max_body_bytes=64 * 1024)
    app = create_app(settings, clock=clock, engine=engine, hub=hub)
    sent = {"bytes": 0}

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size is only known by reading
        for _ in range(200):
            sent["bytes"] += 16 * 1024
            yield b'{"id": "x", "type": "like", "ts": 1, "user": "u"}\n' * 300

    with TestClient(app) as client:
        r = client.post(
            f"/api/v1/shows/{owner['show']}/events",
            content=chunks(),
            headers={"Content-Type": "application/x-ndjson", **bearer(owner["token"])},
        )
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "too_large"


def _xlsx(rows: list[list[Any]], dimension: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    if dimension is None:
        return out.getvalue()
    # Rewrite the sheet's declared dimension, as a hostile file would.
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index("<dimension ref=")
                end = text.index("/>", start) + 2
                data = (text[:start] + f'<dimension ref="{dimension}"/>' + text[end:]).encode()
            target.writestr(item, data)
    return patched.getvalue()


def test_a_declared_dimension_is_ignored_when_reading_a_sheet() -> None:
    data = _xlsx([["商品編號", "商品名稱"], ["A-1", "面膜"], ["A-2", "精華"]], dimension="A1:XFD8000")
    assert "XFD8000" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    rows = sheets.read_table("hostile.xlsx", data)
    assert rows == [["商品編號", "商品名稱"], ["A-1", "面膜"], ["A-2", "精華"]]


def test_a_sheet_past_the_row_limit_is_refused_while_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 50)
    data = _xlsx([["商品編號"], *[[f"A-{n}"] for n in range(200)]])
    with pytest.raises(ValidationFailed, match="more than 50 rows"):
        sheets.read_table("long.xlsx", data)


def test_exports_take_control_characters_and_keep_formulas_as_text(client: TestClient, owner: dict[str, Any]) -> None:
    headers = bearer(owner["token"])
    for sku, title in (("C-1", "面膜\x07\x1b 限量"), ("C-2", '=HYPERLINK("http://x")'), ("C-3", "@SUM(A1)")):
        created = client.post(
            "/api/v1/products",
            json={"sku": sku, "title": title, "tier": "traffic", "list_price": 100, "live_price": 50, "stock": 5},
            headers=headers,
        )
        assert created.status_code in (200, 201), created.text
    exported = client.get("/api/v1/products/export.xlsx", headers=headers)
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"面膜 限量", '\'=HYPERLINK("http://x")', "'@SUM(A1)"}
    assert sheets.safe_cell("-1+1") == "'-1+1" and sheets.safe_cell(-5) == -5 and sheets.safe_cell("\tx") == "'\tx"


def test_an_import_runs_off_the_event_loop(
    app: FastAPI, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one import is being read, the server still answers: a health check gets through before the
    import is let go (it would wait for ever if the import held the event loop)."""
    reading, release = threading.Event(), threading.Event()
    real = sheets.read_table

    def slow(name: str, data: bytes) -> list[list[Any]]:
        reading.set()
        assert release.wait(30)
        return real(name, data)

    monkeypatch.setattr(sheets, "read_table", slow)
    csv = "商品編號,商品名稱,商品類型,原價(元),直播價(元),庫存\nI-1,面膜,引流款,10,5,3\n".encode()
    outcome: dict[str, Any] = {}
    with TestClient(app) as client:

        def upload() -> None:
            outcome["import"] = client.post(
                "/api/v1/products/import?dry_run=true",
                files={"file": ("p.csv", csv, "text/csv")},
                headers=bearer(owner["token"]),
            )

        worker = threading.Thread(target=upload)
        worker.start()
        assert reading.wait(30)
        health = client.get("/api/v1/health")  # answered while the import is still being read
        release.set()
        worker.join(30)
    assert health.status_code == 200
    assert outcome["import"].status_code == 200, outcome["import"].text


def test_a_nul_character_is_never_a_server_error(client: TestClient, owner: dict[str, Any]) -> None:
    """PostgreSQL refuses NUL in text (a data exception): the request is answered 422 there, taken on SQLite."""
    r = client.post("/api/v1/tokens", json={"name": "bad\x00name"}, headers=bearer(owner["token"]))
    assert r.status_code < 500, r.text
    if r.status_code == 422:
        assert r.json()["error"] == "invalid"
