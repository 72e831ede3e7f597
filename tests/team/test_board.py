"""The daily board (morning targets, evening review → tasks) and tasks: my tasks, overdue, who may close."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew.core.clock import FakeClock
from livecrew.shows import service as shows
from support import Factory, bearer, csrf, login


def test_morning_targets_and_evening_review_turn_problems_into_tasks(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws = factory.workspace()
    ops = factory.user(ws, "operations", name="家瑋")
    host = factory.user(ws, "host", name="小美")
    token = factory.token(ops)
    # The fake clock is 2026-06-12 10:00 in Taipei.
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=shows.parse_start("2026-06-12T20:00", ws))
    other_day = shows.create_show(db, clock, ws, title="明天", starts_at=shows.parse_start("2026-06-13T20:00", ws))
    db.commit()
    morning = {"gmv_target": 5_000_000, "focus_skus": ["A-1", " A-2 ", "A-1"], "show_targets": {show.id: 4_000_000}}
    r = client.put("/api/v1/board/2026-06-12/morning", json=morning, headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["gmv_target"] == 5_000_000 and body["focus_skus"] == ["A-1", "A-2"]
    assert body["shows"] == [
        {
            "id": show.id,
            "title": "晚場",
            "starts_at": "2026-06-12T12:00:00+00:00",
            "status": "planned",
            "gmv_target": 4_000_000,
        }
    ]
    wrong_day = {**morning, "show_targets": {other_day.id: 1}}
    r = client.put("/api/v1/board/2026-06-12/morning", json=wrong_day, headers=bearer(token))
    assert r.status_code == 422 and "is not on 2026-06-12" in r.text
    # Evening: two problems become two tasks; a bad one refuses the whole review.
    evening = {
        "note": "開場慢熱",
        "problems": [
            {"title": "開場話術太長", "owner_id": host.id, "due_on": "2026-06-13", "show_id": show.id},
            {"title": "福袋口令沒跟上", "owner_id": ops.id, "due_on": "2026-06-14"},
        ],
    }
    bad = {**evening, "problems": [*evening["problems"], {"title": "x", "due_on": "2026-06-01"}]}
    r = client.put("/api/v1/board/2026-06-12/evening", json=bad, headers=bearer(token))
    assert r.status_code == 422 and "problem 3" in r.text
    assert client.get("/api/v1/tasks?status=all", headers=bearer(token)).json() == []
    r = client.put("/api/v1/board/2026-06-12/evening", json=evening, headers=bearer(token))
    assert r.status_code == 200 and r.json()["evening_note"] == "開場慢熱" and r.json()["reviewed_at"]
    raised = r.json()["tasks"]
    assert [(t["title"], t["owner_id"], t["source_kind"], t["show_id"]) for t in raised] == [
        ("開場話術太長", host.id, "board", show.id),
        ("福袋口令沒跟上", ops.id, "board", None),
    ]
    # The host sees it in "my tasks", closes it; she may not close someone else's.
    host_token = factory.token(host)
    mine = client.get("/api/v1/tasks?mine=true", headers=bearer(host_token)).json()
    assert [t["title"] for t in mine] == ["開場話術太長"]
    assert (
        client.patch(
            f"/api/v1/tasks/{raised[1]['id']}", json={"status": "done"}, headers=bearer(host_token)
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/tasks/{raised[0]['id']}", json={"due_on": "2026-07-01"}, headers=bearer(host_token)
        ).status_code
        == 403
    )
    r = client.patch(f"/api/v1/tasks/{raised[0]['id']}", json={"status": "done"}, headers=bearer(host_token))
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["closed_at"]
    assert client.get("/api/v1/tasks?mine=true", headers=bearer(host_token)).json() == []
    # Three days later the ops task is overdue.
    clock.advance(days=3)
    overdue = client.get("/api/v1/tasks?overdue=true", headers=bearer(token)).json()
    assert [(t["title"], t["overdue"]) for t in overdue] == [("福袋口令沒跟上", True)]
    assert (
        client.patch(f"/api/v1/tasks/{raised[1]['id']}", json={"status": "finished"}, headers=bearer(token)).status_code
        == 422
    )


def test_board_and_tasks_in_the_console(client: TestClient, factory: Factory, db: Session, clock: FakeClock) -> None:
    ws = factory.workspace()
    ops = factory.user(ws, "operations", name="家瑋", email="ops@example.com")
    host = factory.user(ws, "host", name="小美", email="host@example.com")
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=shows.parse_start("2026-06-12T20:00", ws))
    db.commit()
    login(client, ops.email)
    page = client.get("/board")
    assert page.status_code == 200 and "2026-06-12" in page.text and "晚場" in page.text
    form: dict[str, Any] = {
        "gmv_target": "50,000",
        f"show_{show.id}": "40000",
        "focus_skus": "A-1，A-2",
        "note": "主推保溫杯",
        "csrf_token": csrf(client),
    }
    r = client.post("/board/2026-06-12/morning", data=form, follow_redirects=True)
    assert r.status_code == 200 and 'id="day-target">50,000<' in r.text
    db.expire_all()
    assert shows.get_show(db, ws, show.id).targets["gmv"] == 4_000_000
    r = client.post("/board/2026-06-12/morning", data={**form, "gmv_target": "五萬"})
    assert r.status_code == 422 and "五萬" in r.text
    review = {
        "note": "收尾太趕",
        "problem_0": "下播前沒預告明天",
        "owner_0": host.id,
        "due_0": "2026-06-11",
        "csrf_token": csrf(client),
    }
    r = client.post("/board/2026-06-12/evening", data=review)
    assert r.status_code == 422 and "完成日早於復盤日" in r.text
    r = client.post("/board/2026-06-12/evening", data={**review, "due_0": "2026-06-13", "owner_0": ""})
    assert r.status_code == 422 and "第 1 個問題還沒有負責人" in r.text  # the page promises each problem an owner
    r = client.post("/board/2026-06-12/evening", data={**review, "due_0": "2026-06-13"}, follow_redirects=True)
    assert r.status_code == 200 and "下播前沒預告明天" in r.text
    assert "晚間復盤已儲存；每個問題都已成為負責人的任務" in r.text and "已記錄為已檢視" not in r.text
    client.cookies.clear()
    login(client, host.email)
    mine = client.get("/tasks")
    assert "下播前沒預告明天" in mine.text and 'id="task-form"' not in mine.text
    clock.advance(days=3)
    client.cookies.clear()
    login(client, host.email)  # the session of three days ago has expired
    overdue = client.get("/tasks?view=overdue")
    home = client.get("/")
    assert 'id="stat-my-tasks"' in home.text and "1 項逾期" in home.text and "stat-alert" in home.text
    assert 'class="overdue"' in overdue.text and "逾期 2 天" in overdue.text
    task_id = client.get("/api/v1/tasks", headers=bearer(factory.token(host))).json()[0]["id"]
    r = client.post(
        f"/tasks/{task_id}/status",
        data={"status": "done", "view": "mine", "csrf_token": csrf(client)},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "下播前沒預告明天" not in r.text


def test_task_commands(cli_db: str) -> None:
    from livecrew.cli import app

    runner = CliRunner(env={"COLUMNS": "300"})
    ws_id = runner.invoke(app, ["workspace", "create", "CLI 直播間"]).output.strip()
    made = runner.invoke(app, ["task", "add", "--workspace", ws_id, "--title", "補拍主圖", "--due", "2020-01-01"])
    assert made.exit_code == 0, made.output
    task_id = made.output.strip()
    listed = runner.invoke(app, ["task", "list", "--workspace", ws_id, "--overdue"])
    assert listed.exit_code == 0 and "補拍主圖" in listed.output and "overdue" in listed.output
    bad = runner.invoke(app, ["task", "add", "--workspace", ws_id, "--title", "x", "--due", "next week"])
    assert bad.exit_code != 0 and "is not a date" in bad.output
    nobody = runner.invoke(app, ["task", "list", "--workspace", ws_id, "--owner", "ghost@example.com"])
    assert nobody.exit_code != 0 and "no person" in nobody.output
    assert runner.invoke(app, ["task", "done", "--workspace", ws_id, task_id]).exit_code == 0
    assert "補拍主圖" not in runner.invoke(app, ["task", "list", "--workspace", ws_id]).output


def test_board_targets_keep_cents_leave_live_shows_alone_and_clear(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    from livecrew.shows.models import ShowStatus

    ws = factory.workspace()
    ops = factory.user(ws, "operations", email="ops@example.com")
    token = factory.token(ops)
    later = shows.create_show(db, clock, ws, title="晚場", starts_at=shows.parse_start("2026-06-12T20:00", ws))
    live = shows.create_show(db, clock, ws, title="午場", starts_at=shows.parse_start("2026-06-12T12:00", ws))
    live.status = ShowStatus.live.value
    live.targets = {"gmv": 900_000}
    db.commit()
    r = client.put(
        "/api/v1/board/2026-06-12/morning",
        json={"show_targets": {later.id: 1_234_567, live.id: 5}},
        headers=bearer(token),
    )
    assert r.status_code == 200
    db.expire_all()
    assert shows.get_show(db, ws, later.id).targets["gmv"] == 1_234_567
    assert shows.get_show(db, ws, live.id).targets["gmv"] == 900_000  # a live show keeps what it runs with
    login(client, ops.email)
    page = client.get("/board?day=2026-06-12")
    assert f'name="show_{later.id}" inputmode="decimal" value="12345.67"' in page.text
    # Saving the form unchanged keeps the cents; a blank clears the target.
    form = {"gmv_target": "", f"show_{later.id}": "12345.67", f"show_{live.id}": "", "csrf_token": csrf(client)}
    assert client.post("/board/2026-06-12/morning", data=form, follow_redirects=False).status_code == 303
    db.expire_all()
    assert shows.get_show(db, ws, later.id).targets["gmv"] == 1_234_567
    assert (
        client.post(
            "/board/2026-06-12/morning", data={**form, f"show_{later.id}": ""}, follow_redirects=False
        ).status_code
        == 303
    )
    db.expire_all()
    assert "gmv" not in shows.get_show(db, ws, later.id).targets
    for bad in ("inf", "1e400", "-5"):
        r = client.post("/board/2026-06-12/morning", data={**form, "gmv_target": bad})
        assert r.status_code == 422, bad
