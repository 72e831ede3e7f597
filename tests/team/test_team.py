"""The team: duties with versions, the responsibility matrix check and its review reminder, AB backups with
absence proposals in the go-live gate, and KPI definitions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from livecrew.board.models import Task
from livecrew.core.auth.models import User, Workspace
from livecrew.core.clock import FakeClock
from livecrew.shows import service as shows
from livecrew.shows.models import Show
from livecrew.team import reminders
from support import Factory, bearer, csrf, login


def _ws(factory: Factory) -> tuple[Workspace, User, str]:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", name="老闆")
    return ws, owner, factory.token(owner)


# ------------------------------------------------------------------ duties


def test_new_workspace_gets_the_duty_catalog_and_every_change_is_a_version(
    client: TestClient, factory: Factory
) -> None:
    ws, owner, token = _ws(factory)
    duties = client.get("/api/v1/team/duties", headers=bearer(token)).json()
    assert len(duties) == 117
    assert {d["role"] for d in duties} == {
        "host",
        "assistant",
        "operations",
        "selection",
        "controller",
        "service",
        "analyst",
        "tech",
    }
    assert {d["phase"] for d in duties} == {"before", "during", "after"}
    # Edit, then retire: two new versions, each with who and what.
    key = duties[0]["key"]
    r = client.patch(f"/api/v1/team/duties/{key}", json={"title": "試用每件樣品並寫下意見"}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.patch(f"/api/v1/team/duties/{key}", json={"retired": True}, headers=bearer(token))
    assert r.json()["retired"] is True and r.json()["version"] == 3
    history = client.get(f"/api/v1/team/duties/history?key={key}", headers=bearer(token)).json()
    assert [h["action"] for h in history] == ["retired", "edited", "created"]
    assert history[1]["before"]["title"] != history[1]["after"]["title"] == "試用每件樣品並寫下意見"
    assert history[0]["by_user_id"] == owner.id
    assert key not in {d["key"] for d in client.get("/api/v1/team/duties", headers=bearer(token)).json()}
    # A new duty; bad input is refused with a reason and nothing is saved.
    r = client.post(
        "/api/v1/team/duties",
        json={"role": "host", "phase": "during", "title": "每 15 分鐘報一次在線"},
        headers=bearer(token),
    )
    assert r.status_code == 201 and r.json()["key"].startswith("host.during.")
    for body, needle in (
        ({"role": "dj", "phase": "during", "title": "x"}, "unknown role"),
        ({"role": "host", "phase": "lunch", "title": "x"}, "unknown phase"),
        ({"role": "host", "phase": "during", "title": "   "}, "needs a title"),
        ({"role": "host", "phase": "during", "title": "x", "key": r.json()["key"]}, "already exists"),
    ):
        bad = client.post("/api/v1/team/duties", json=body, headers=bearer(token))
        assert bad.status_code in (409, 422) and needle in bad.text, bad.text
    assert len(client.get("/api/v1/team/duties", headers=bearer(token)).json()) == 117
    host = factory.token(factory.user(ws, "host"))
    assert (
        client.post(
            "/api/v1/team/duties", json={"role": "host", "phase": "during", "title": "x"}, headers=bearer(host)
        ).status_code
        == 403
    )


# ------------------------------------------------------------------ matrix


def test_matrix_check_finds_a_planted_orphan_and_a_planted_double_owner(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws, owner, token = _ws(factory)
    ok = client.get("/api/v1/show-templates/promo_day_4h/matrix", headers=bearer(token)).json()
    assert ok["ok"] is True and ok["findings"] == []
    # The daily show leaves two duties out on purpose (owner null): not orphans.
    assert client.get("/api/v1/show-templates/daily_2h/matrix", headers=bearer(token)).json()["ok"] is True
    template = shows.get_template(db, ws, "promo_day_4h")
    rows = [r for r in template.matrix if r["duty"] != "tech.before.endurance_test"]
    rows.append({"duty": "controller.during.shelf_on_off", "owner_role": "assistant"})
    template.matrix = rows
    db.commit()
    report = client.get("/api/v1/show-templates/promo_day_4h/matrix", headers=bearer(token)).json()
    assert report["ok"] is False
    assert sorted((f["kind"], f["duty"]) for f in report["findings"]) == [
        ("double", "controller.during.shelf_on_off"),
        ("orphan", "tech.before.endurance_test"),
    ]
    double = next(f for f in report["findings"] if f["kind"] == "double")
    assert double["roles"] == ["assistant", "controller"]
    # A new duty is an orphan in every template until someone owns it.
    client.post(
        "/api/v1/team/duties",
        json={"role": "tech", "phase": "after", "title": "備份錄影檔", "key": "tech.after.backup"},
        headers=bearer(token),
    )
    daily = client.get("/api/v1/show-templates/daily_2h/matrix", headers=bearer(token)).json()
    assert [(f["kind"], f["duty"]) for f in daily["findings"]] == [("orphan", "tech.after.backup")]
    # The console shows the same findings, highlighted.
    login(client, owner.email)
    page = client.get("/team/matrix?template=promo_day_4h")
    assert page.status_code == 200
    assert page.text.count('data-finding="orphan"') == 2 and page.text.count('data-finding="double"') == 1
    # Fix both through the API: one owner each; the template's version goes up, shows keep their copy.
    version = report["template_version"]
    for duty, role in (
        ("tech.before.endurance_test", "tech"),
        ("controller.during.shelf_on_off", "controller"),
        ("tech.after.backup", "tech"),
    ):
        fixed = client.put(
            f"/api/v1/show-templates/promo_day_4h/matrix/{duty}", json={"owner_role": role}, headers=bearer(token)
        ).json()
    assert fixed["ok"] is True and fixed["template_version"] == version + 3
    bad = client.put(
        "/api/v1/show-templates/promo_day_4h/matrix/nope", json={"owner_role": "tech"}, headers=bearer(token)
    )
    assert bad.status_code == 404 and "no duty" in bad.text


def test_matrix_review_reminder_fires_after_30_days_once_and_review_closes_it(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws, owner, token = _ws(factory)
    ops = factory.user(ws, "operations", name="運營阿偉")
    assert reminders.remind(db, clock) == []
    clock.advance(days=29)
    assert reminders.remind(db, clock) == []
    clock.advance(days=1)
    made = reminders.remind(db, clock)
    db.commit()
    assert len(made) == 2 and {t.owner_id for t in made} == {ops.id}
    assert all(t.source_kind == "matrix" for t in made)
    assert "30" in made[0].title
    clock.advance(days=1)
    assert reminders.remind(db, clock) == []  # not a second time while one is open
    status = client.get("/api/v1/show-templates/daily_2h/matrix", headers=bearer(token)).json()
    assert status["review_due"] is True and status["days_since_review"] == 31 and status["last_review"] is None
    r = client.post(
        "/api/v1/show-templates/daily_2h/matrix/reviews", json={"note": "看過，無誤"}, headers=bearer(token)
    )
    assert r.status_code == 201 and r.json()["by_user_id"] == owner.id and r.json()["problems"] == 0
    status = client.get("/api/v1/show-templates/daily_2h/matrix", headers=bearer(token)).json()
    assert status["review_due"] is False and status["last_review"]["note"] == "看過，無誤"
    db.expire_all()
    open_tasks = [t for t in db.query(Task).filter(Task.workspace_id == ws.id) if t.status == "open"]
    assert len(open_tasks) == 1  # the other template's reminder is still open
    # The console shows the banner on the template still due.
    login(client, owner.email)
    assert 'id="review-due"' in client.get("/team/matrix?template=promo_day_4h").text
    assert 'id="review-due"' not in client.get("/team/matrix?template=daily_2h").text


def test_matrix_check_from_the_command_line(cli_db: str) -> None:
    from livecrew.cli import app
    from livecrew.core.db import make_engine, make_sessionmaker
    from livecrew.shows.models import ShowTemplate

    runner = CliRunner(env={"COLUMNS": "300"})
    ws_id = runner.invoke(app, ["workspace", "create", "CLI 直播間"]).output.strip()
    ok = runner.invoke(app, ["team", "matrix", "--workspace", ws_id])
    assert ok.exit_code == 0, ok.output
    assert "daily_2h (v1): every duty has exactly one owner" in ok.output
    engine = make_engine(cli_db)
    with make_sessionmaker(engine)() as db:
        template = db.query(ShowTemplate).filter_by(workspace_id=ws_id, key="daily_2h").one()
        template.matrix = [r for r in template.matrix if r["duty"] != "host.before.pitch_cards"]
        db.commit()
    engine.dispose()
    bad = runner.invoke(app, ["team", "matrix", "--workspace", ws_id, "--template", "daily_2h"])
    assert bad.exit_code == 1 and "orphan" in bad.output and "host.before.pitch_cards" in bad.output
    listed = runner.invoke(app, ["team", "duties", "--workspace", ws_id, "--role", "tech"])
    assert listed.exit_code == 0 and "tech.before.endurance_test" in listed.output
    english = runner.invoke(app, ["team", "duties", "--workspace", ws_id, "--role", "tech", "--lang", "en"])
    assert english.exit_code == 0 and "Run an endurance test" in english.output, english.output


# ------------------------------------------------------------------ backups and absences


def _crew(factory: Factory, ws: Workspace) -> dict[str, User]:
    return {
        "host_a": factory.user(ws, "host", name="小美"),
        "host_b": factory.user(ws, "host", name="阿芳"),
        "host_c": factory.user(ws, "host", name="佳佳"),
        "control": factory.user(ws, "controller", name="柏翰"),
        "ops": factory.user(ws, "operations", name="家瑋"),
    }


def _staffed_show(db: Session, clock: FakeClock, ws: Workspace, crew: dict[str, User], start: str) -> Show:
    show = shows.create_show(db, clock, ws, title="晚場", starts_at=shows.parse_start(start, ws), template="daily_2h")
    for role, who in (("host", "host_a"), ("controller", "control"), ("operations", "ops")):
        shows.add_to_roster(db, ws, show, role, crew[who].id)
    db.commit()
    return show


def test_backups_cover_critical_roles_and_an_absence_proposes_the_free_backup(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws, _owner, token = _ws(factory)
    crew = _crew(factory, ws)
    gaps = client.get("/api/v1/team/backups", headers=bearer(token)).json()["gaps"]
    assert {(g["role"], g["name"]) for g in gaps} == {
        ("host", "小美"),
        ("host", "阿芳"),
        ("host", "佳佳"),
        ("controller", "柏翰"),
        ("operations", "家瑋"),
    }
    r = client.put(
        "/api/v1/team/backups",
        json={"role": "host", "person_id": crew["host_a"].id, "backup_id": crew["host_b"].id},
        headers=bearer(token),
    )
    assert r.status_code == 200
    refused = client.put(
        "/api/v1/team/backups",
        json={"role": "controller", "person_id": crew["control"].id, "backup_id": crew["host_c"].id},
        headers=bearer(token),
    )
    assert refused.status_code == 422 and "does not hold the role" in refused.text
    self_backup = client.put(
        "/api/v1/team/backups",
        json={"role": "host", "person_id": crew["host_a"].id, "backup_id": crew["host_a"].id},
        headers=bearer(token),
    )
    assert self_backup.status_code == 422
    tonight = _staffed_show(db, clock, ws, crew, "2026-06-15T20:00")
    # The named backup is free tonight: proposed first.
    r = client.post(
        f"/api/v1/shows/{tonight.id}/absences",
        json={"user_id": crew["host_a"].id, "reason": "發燒"},
        headers=bearer(token),
    )
    assert r.status_code == 201
    [proposal] = r.json()["proposals"]
    assert (proposal["role"], proposal["candidate_id"], proposal["named_backup"], proposal["reason"]) == (
        "host",
        crew["host_b"].id,
        True,
        "backup",
    )
    # Until someone covers, the gate refuses with the absent person named.
    problems = [p for p in shows.gate_problems(db, tonight, "ready") if p.check == "absences_covered"]
    assert [p.params for p in problems] == [{"name": "小美", "role": "host"}]
    r = client.post(
        f"/api/v1/shows/{tonight.id}/absences/cover",
        json={"absent_id": crew["host_a"].id, "role": "host", "user_id": crew["host_b"].id},
        headers=bearer(token),
    )
    assert r.status_code == 200 and r.json()["absences"][0]["covered_by"] == {"host": crew["host_b"].id}
    assert r.json()["proposals"] == []
    db.expire_all()
    assert not [p for p in shows.gate_problems(db, tonight, "ready") if p.check == "absences_covered"]
    assert {(e.role, e.user_id) for e in db.get(Show, tonight.id).roster if e.role == "host"} == {  # type: ignore[union-attr]
        ("host", crew["host_b"].id)
    }
    # Another evening: the backup is busy on an overlapping show, so another free host is proposed.
    other = _staffed_show(db, clock, ws, crew, "2026-06-16T20:00")
    busy = shows.create_show(
        db, clock, ws, title="別的直播間", starts_at=shows.parse_start("2026-06-16T19:00", ws), minutes=180, room="B"
    )
    shows.add_to_roster(db, ws, busy, "host", crew["host_b"].id)
    db.commit()
    r = client.post(
        f"/api/v1/shows/{other.id}/absences",
        json={"user_id": crew["host_a"].id, "reason": "請假"},
        headers=bearer(token),
    )
    [proposal] = r.json()["proposals"]
    assert (proposal["candidate_id"], proposal["named_backup"], proposal["reason"]) == (
        crew["host_c"].id,
        False,
        "backup_busy",
    )
    refused = client.post(
        f"/api/v1/shows/{other.id}/absences/cover",
        json={"absent_id": crew["host_a"].id, "role": "host", "user_id": crew["host_b"].id},
        headers=bearer(token),
    )
    assert refused.status_code == 409 and "busy" in refused.text
    twice = client.post(
        f"/api/v1/shows/{other.id}/absences", json={"user_id": crew["host_a"].id, "reason": "x"}, headers=bearer(token)
    )
    assert twice.status_code == 409
    stranger = client.post(
        f"/api/v1/shows/{other.id}/absences", json={"user_id": crew["host_c"].id, "reason": "x"}, headers=bearer(token)
    )
    assert stranger.status_code == 422 and "not on this show's roster" in stranger.text


def test_absence_panel_on_the_show_page(client: TestClient, factory: Factory, db: Session, clock: FakeClock) -> None:
    ws, owner, _token = _ws(factory)
    crew = _crew(factory, ws)
    show = _staffed_show(db, clock, ws, crew, "2026-06-15T20:00")
    login(client, owner.email)
    page = client.get(f"/shows/{show.id}")
    assert 'id="absences"' in page.text and 'id="absence-form"' in page.text
    r = client.post(
        f"/shows/{show.id}/absences", data={"user_id": crew["host_a"].id, "reason": "", "csrf_token": csrf(client)}
    )
    assert r.status_code == 422 and "缺席原因" in r.text
    r = client.post(
        f"/shows/{show.id}/absences",
        data={"user_id": crew["host_a"].id, "reason": "發燒", "csrf_token": csrf(client)},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "發燒" in r.text and "沒有指定 B 角" in r.text
    assert "小美 已請假但仍擔任主播" in r.text  # the gate panel says it in words


# ------------------------------------------------------------------ KPIs


def test_kpis_are_seeded_edited_and_validated(client: TestClient, factory: Factory) -> None:
    _, owner, token = _ws(factory)
    body = client.get("/api/v1/team/kpis", headers=bearer(token)).json()
    assert body["team_goal"]["metric"] == "gmv" and body["team_goal"]["target"] is None
    keys = {k["key"] for k in body["kpis"]}
    assert {"host.uv_value", "host.new_followers", "service.refund_rate", "tech.interruption_seconds"} <= keys
    assert all(abs(total - 1.0) < 1e-6 for total in body["weight_sums"].values()), body["weight_sums"]
    r = client.patch("/api/v1/team/kpis/host.uv_value", json={"target": 650, "weight": 0.5}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["target"] == 650 and r.json()["weight"] == 0.5
    sums = client.get("/api/v1/team/kpis", headers=bearer(token)).json()["weight_sums"]
    assert abs(sums["host"] - 1.1) < 1e-6
    for patch, needle in (
        ({"metric": "vibes"}, "not a show figure"),
        ({"direction": "sideways"}, "unknown direction"),
        ({"weight": 1.5}, "between 0 and 1"),
    ):
        bad = client.patch("/api/v1/team/kpis/host.uv_value", json=patch, headers=bearer(token))
        assert bad.status_code == 422 and needle in bad.text, bad.text
    bad = client.patch("/api/v1/team/kpis/host.follow_rate", json={"target": 5}, headers=bearer(token))
    assert bad.status_code == 422 and "ratio target" in bad.text
    new = {
        "key": "host.gpm",
        "role": "host",
        "name": "千次觀看成交",
        "metric": "gpm",
        "source": "metrics",
        "unit": "minor_units",
        "direction": "higher",
        "target": 80000,
        "weight": 0.1,
    }
    assert client.post("/api/v1/team/kpis", json=new, headers=bearer(token)).status_code == 201
    assert client.post("/api/v1/team/kpis", json=new, headers=bearer(token)).status_code == 409
    goal = {**new, "key": "team.other", "role": "team"}
    assert "already has its team goal" in client.post("/api/v1/team/kpis", json=goal, headers=bearer(token)).text
    # The console edits the same rows and refuses bad numbers with a message.
    login(client, owner.email)
    form = {
        "existing": "host.uv_value",
        "name": "UV 價值",
        "source": "metrics",
        "metric": "uv_value",
        "unit": "minor_units",
        "direction": "higher",
        "target": "七百",
        "weight": "40%",
        "active": "1",
        "csrf_token": csrf(client),
    }
    r = client.post("/team/kpis", data=form)
    assert r.status_code == 422 and "不是數字" in r.text
    r = client.post("/team/kpis", data={**form, "target": "7"}, follow_redirects=True)  # 7 元, kept as 700 分
    assert r.status_code == 200
    row = next(
        k for k in client.get("/api/v1/team/kpis", headers=bearer(token)).json()["kpis"] if k["key"] == "host.uv_value"
    )
    assert (row["target"], row["weight"]) == (700, 0.4)


def test_team_pages_render_for_every_role_and_only_editors_get_forms(
    client: TestClient, factory: Factory, db: Session
) -> None:
    ws, owner, _token = _ws(factory)
    host = factory.user(ws, "host", email="host@example.com")
    for who, forms in ((owner, True), (host, False)):
        client.cookies.clear()
        login(client, who.email)
        for url in ("/team", "/team/duties", "/team/matrix", "/team/backups", "/team/kpis", "/board", "/tasks"):
            page = client.get(url)
            assert page.status_code == 200, (url, page.text[:300])
        assert ('id="duty-form"' in client.get("/team/duties").text) is forms
        assert ('id="kpi-form"' in client.get("/team/kpis").text) is forms
    # A duty added and edited in the console shows in the history.
    client.cookies.clear()
    login(client, owner.email)
    r = client.post(
        "/team/duties",
        data={"role": "tech", "phase": "before", "title": "測試備用推流", "csrf_token": csrf(client)},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "測試備用推流" in r.text
    r = client.post("/team/duties", data={"role": "tech", "phase": "before", "title": " ", "csrf_token": csrf(client)})
    assert r.status_code == 422 and "職責需要標題" in r.text


def test_console_errors_are_messages_not_crashes(client: TestClient, factory: Factory) -> None:
    """Domain errors whose details name a key (a duty, a KPI) are shown in words."""
    ws, owner, token = _ws(factory)
    login(client, owner.email)
    assert client.get("/team/duties?edit=nope").status_code == 404
    assert client.get("/team/kpis?edit=nope").status_code == 404
    r = client.post("/team/duties/nope/retire", data={"csrf_token": csrf(client)})
    assert r.status_code == 404 and "nope" in r.text
    r = client.post(
        "/team/matrix/daily_2h/owner", data={"duty": "nope", "owner_role": "host", "csrf_token": csrf(client)}
    )
    assert r.status_code == 404 and "nope" in r.text
    # An orphan saved without picking an owner is refused; "-" says "not part of this show".
    client.post(
        "/api/v1/team/duties",
        json={"role": "tech", "phase": "after", "title": "備份", "key": "tech.after.x"},
        headers=bearer(token),
    )
    r = client.post("/team/matrix/daily_2h/owner", data={"duty": "tech.after.x", "csrf_token": csrf(client)})
    assert r.status_code == 422 and "請選擇負責" in r.text
    r = client.post(
        "/team/matrix/daily_2h/owner",
        data={"duty": "tech.after.x", "owner_role": "-", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    report = client.get("/api/v1/show-templates/daily_2h/matrix", headers=bearer(token)).json()
    assert report["ok"] is True and report["owners"]["tech.after.x"] == [None]
    version = report["template_version"]
    same = client.put(
        "/api/v1/show-templates/daily_2h/matrix/tech.after.x", json={"owner_role": None}, headers=bearer(token)
    )
    assert same.json()["template_version"] == version  # nothing changed, no new version
    # A role named in an error reads as the role's name.
    crew = _crew(factory, ws)
    r = client.post(
        "/team/backups",
        data={
            "role": "controller",
            "person_id": crew["control"].id,
            "backup_id": crew["host_c"].id,
            "csrf_token": csrf(client),
        },
    )
    assert r.status_code == 422 and "沒有場控這個角色" in r.text


def test_the_fallback_cover_is_not_someone_already_in_the_role(
    client: TestClient, factory: Factory, db: Session, clock: FakeClock
) -> None:
    ws, _owner, token = _ws(factory)
    crew = _crew(factory, ws)
    show = _staffed_show(db, clock, ws, crew, "2026-06-15T20:00")
    shows.add_to_roster(db, ws, show, "host", crew["host_b"].id)  # two hosts on this show
    db.commit()
    r = client.post(
        f"/api/v1/shows/{show.id}/absences",
        json={"user_id": crew["host_a"].id, "reason": "病假"},
        headers=bearer(token),
    )
    [proposal] = r.json()["proposals"]
    assert proposal["candidate_id"] == crew["host_c"].id  # not 阿芳, who already plays host here


def test_a_team_goal_cannot_be_switched_back_on_beside_another(client: TestClient, factory: Factory) -> None:
    _, _owner, token = _ws(factory)
    assert (
        client.patch("/api/v1/team/kpis/team.gmv_attainment", json={"active": False}, headers=bearer(token)).status_code
        == 200
    )
    goal = {
        "key": "team.net_gmv",
        "role": "team",
        "name": "淨成交",
        "metric": "net_gmv",
        "source": "metrics",
        "unit": "minor_units",
        "direction": "higher",
        "weight": 1,
    }
    assert client.post("/api/v1/team/kpis", json=goal, headers=bearer(token)).status_code == 201
    again = client.patch("/api/v1/team/kpis/team.gmv_attainment", json={"active": True}, headers=bearer(token))
    assert again.status_code == 409 and "team goal" in again.text
