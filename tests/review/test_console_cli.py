"""The review in the console (three languages), trends, scorecards and cases, and ``livecrew review`` on the CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock, to_ms
from livecrew.shows import service as shows_service
from livecrew.simulate import generate
from review_support import build_waiting
from support import Factory, bearer, csrf, login

JSONL = {"Content-Type": "application/x-ndjson"}


def _show(db: Session, clock: FakeClock, factory: Factory, ws: Any, title: str, room: str = "A 館") -> Any:
    host = factory.user(ws, "host", name=f"主播{title[-1]}")
    show = shows_service.create_show(db, clock, ws, title=title, starts_at=clock.now(), minutes=30, room=room)
    shows_service.add_to_roster(db, ws, show, "host", host.id)
    show.status = "live"
    db.commit()
    return show


def _feed(client: TestClient, show_id: str, token: str, clock: FakeClock, seed: int, minutes: int = 3) -> None:
    events = list(generate(minutes=minutes, seed=seed, session="s", start_ms=to_ms(clock.now())))
    clock.advance(days=2)
    body = "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()
    r = client.post(f"/api/v1/shows/{show_id}/events", content=body, headers={**JSONL, **bearer(token)})
    assert r.status_code == 200, r.text


def test_console_review_in_three_languages_actions_and_reviewed(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="owner@example.com")
    token = factory.token(owner)
    show = _show(db, clock, factory, ws, "直播一")
    _feed(client, show.id, token, clock, seed=3)
    login(client, "owner@example.com")
    page = client.get("/review")
    assert page.status_code == 200 and "直播一" in page.text
    for lang, word in (("zh-Hant", "轉化漏斗"), ("zh-Hans", "转化漏斗"), ("en", "Funnel")):
        r = client.post(
            "/language", data={"lang": lang, "next": "/", "csrf_token": csrf(client)}, follow_redirects=False
        )
        assert r.status_code in (303, 302)
        page = client.get(f"/review/{show.id}")
        assert page.status_code == 200 and word in page.text, lang
        assert 'id="chart-minutes"' in page.text and "echarts.min.js" in page.text
    r = client.post(f"/api/v1/shows/{show.id}/transitions", json={"to": "ended"}, headers=bearer(token))
    assert r.status_code == 200
    assert "review-building" in client.get(f"/review/{show.id}").text  # the job has not built it yet
    assert build_waiting(client) == 1
    # Marking it reviewed without an outcome is refused, with the reason on the page.
    r = client.post(f"/review/{show.id}/notes", data={"csrf_token": csrf(client), "intent": "reviewed", "notes": "x"})
    assert r.status_code == 409 and "nothing to change" in r.text  # the gate's condition, in the reader's words
    r = client.post(
        f"/review/{show.id}/actions",
        data={"csrf_token": csrf(client), "problem": "停留短", "cause": "開場慢", "action": "開場先上福袋",
              "owner_id": owner.id, "due_on": "2026-07-01"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    r = client.post(
        f"/review/{show.id}/notes", data={"csrf_token": csrf(client), "intent": "reviewed", "notes": "ok"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    build_waiting(client)
    page = client.get(f"/review/{show.id}")
    assert "開場先上福袋" in page.text
    tasks = client.get("/tasks?view=all")
    assert "開場先上福袋" in tasks.text
    # A case with tags, found again by tag; bad minute ranges are refused.
    r = client.post(
        f"/review/{show.id}/cases",
        data={"csrf_token": csrf(client), "kind": "minutes", "minute_from": "5", "minute_to": "2", "tags": "開場"},
    )
    assert r.status_code == 422
    r = client.post(
        f"/review/{show.id}/cases",
        data={"csrf_token": csrf(client), "kind": "minutes", "minute_from": "0", "minute_to": "2",
              "tags": "開場, 福袋", "note": "開場三分鐘掉人"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert "開場三分鐘掉人" in client.get("/review-cases?tag=福袋").text
    assert client.get("/review-cases?tag=other").text.count("開場三分鐘掉人") == 0
    for path in ("/review-trends?period=month", "/review-scorecards?period=month", "/review-rules"):
        assert client.get(path).status_code == 200, path
    r = client.post("/review-rules", data={"csrf_token": csrf(client), "rules": "{not json"})
    assert r.status_code == 422


def test_trends_scorecards_and_similar_cases_across_shows(
    client: TestClient, db: Session, clock: FakeClock, factory: Factory
) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner")
    token = factory.token(owner)
    ids = []
    for i in range(3):
        show = _show(db, clock, factory, ws, f"場次{i}")
        _feed(client, show.id, token, clock, seed=10 + i, minutes=2 + i)
        assert (
            client.post(f"/api/v1/shows/{show.id}/transitions", json={"to": "ended"}, headers=bearer(token)).status_code
            == 200
        )
        assert build_waiting(client) == 1
        ids.append(show.id)
    gmv = [client.get(f"/api/v1/shows/{i}/metrics", headers=bearer(token)).json()["gmv"] for i in ids]
    r = client.get("/api/v1/review/trends?period=month&room=A 館", headers=bearer(token))
    assert r.status_code == 200, r.text
    data = r.json()
    assert [s["gmv"] for s in data["shows"]] == gmv
    assert data["bands"]["gmv"]["median"] == sorted(gmv)[1]
    assert data["best"][0]["gmv"] == max(gmv) and data["worst"][0]["gmv"] == min(gmv)
    assert sum(p["gmv"] for p in data["periods"]) == sum(gmv)
    # The third show is compared with the two before it in the same room.
    review = client.get(f"/api/v1/shows/{ids[2]}/review", headers=bearer(token)).json()
    assert review["comparison"]["previous_show"]["id"] == ids[1]
    row = next(r for r in review["comparison"]["rows"] if r["metric"] == "gmv")
    assert row["previous"] == gmv[1] and row["median10"] == (gmv[0] + gmv[1]) / 2
    assert review["diagnosis"]["baseline_shows"] == 2
    scores = client.get("/api/v1/review/scorecards?period=week", headers=bearer(token)).json()
    assert {s["name"] for s in scores} == {"主播0", "主播1", "主播2"} and all(s["shows"] for s in scores)
    assert client.get("/api/v1/review/scorecards?period=year", headers=bearer(token)).status_code == 422
    # Cases link to similar past ones by tag.
    r = client.post(
        f"/api/v1/shows/{ids[0]}/review/cases", json={"tags": ["福袋"], "note": "福袋拉停留"}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    client.post(f"/api/v1/shows/{ids[2]}/review/cases", json={"tags": ["福袋"]}, headers=bearer(token))
    review = client.get(f"/api/v1/shows/{ids[2]}/review", headers=bearer(token)).json()
    assert [c["show_id"] for c in review["similar_cases"]] == [ids[0]]
    found = client.get("/api/v1/review/cases?q=停留", headers=bearer(token)).json()
    assert [c["show_id"] for c in found] == [ids[0]]
    # Rules are editable per workspace.
    rules = client.get("/api/v1/review/rules", headers=bearer(token)).json()
    rules[0]["enabled"] = False
    assert client.put("/api/v1/review/rules", json={"rules": rules}, headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/review/rules", headers=bearer(token)).json()[0]["enabled"] is False
    assert client.put("/api/v1/review/rules", json={"rules": []}, headers=bearer(token)).status_code == 422


def test_cli_writes_the_review(cli_db: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from livecrew import cli

    runner = CliRunner(env={"COLUMNS": "300"})
    ws = runner.invoke(cli.app, ["workspace", "create", "CLI 直播間"]).output.strip()
    start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 600))
    show = runner.invoke(cli.app, ["show", "create", "--workspace", ws, "--title", "命令列場", "--start", start]).output
    show_id = show.strip().splitlines()[-1]
    now = int(time.time() * 1000)
    events = [e for e in generate(minutes=3, seed=4, session="s", start_ms=now - 300_000) if e["ts"] <= now]
    feed_file = tmp_path / "events.jsonl"
    feed_file.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events), encoding="utf-8")
    r = runner.invoke(cli.app, ["replay", str(feed_file), "--show", show_id])
    assert r.exit_code == 0, r.output
    for fmt in ("html", "xlsx", "json"):
        out = tmp_path / f"review.{fmt}"
        r = runner.invoke(cli.app, ["review", show_id, "--format", fmt, "--out", str(out), "--lang", "zh-Hans"])
        assert r.exit_code == 0, r.output
        assert out.stat().st_size > 1000
    data = json.loads((tmp_path / "review.json").read_text(encoding="utf-8"))
    assert data["metrics"]["uv"] > 0 and "复盘" in (tmp_path / "review.html").read_text(encoding="utf-8")
    r = runner.invoke(cli.app, ["review", show_id, "--format", "doc"])
    assert r.exit_code != 0 and "unknown format" in r.output
    r = runner.invoke(cli.app, ["review", "nope", "--format", "html"])
    assert r.exit_code != 0 and "no show" in r.output


@pytest.mark.parametrize("lang", ["zh-Hant", "en"])
def test_review_of_an_unknown_show_is_a_clear_404(client: TestClient, factory: Factory, lang: str) -> None:
    ws = factory.workspace()
    token = factory.token(factory.user(ws, "owner"))
    r = client.get(f"/api/v1/shows/nope/review?lang={lang}", headers=bearer(token))
    assert r.status_code == 404 and "nope" in r.text
