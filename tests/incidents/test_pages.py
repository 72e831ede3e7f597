"""The console: incidents list with numbers, the runbook library and editor, a run's page, the drill report,
the emergency panel of the control room, in three languages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from incident_crew import Crew
from livecrew.core.clock import FakeClock
from livecrew.incidents import service
from support import Factory, csrf, login


def _login(client: TestClient, crew: Crew, role: str = "controller") -> str:
    login(client, crew.people[role].email)
    return csrf(client)


@pytest.mark.parametrize(("lang", "words"), [("zh-Hant", "緊急"), ("zh-Hans", "紧急"), ("en", "Emergency")])
def test_the_control_room_has_the_emergency_button(
    client: TestClient, crew: Crew, db: Session, lang: str, words: str
) -> None:
    crew.people["controller"].language = lang
    db.commit()
    _login(client, crew)
    room = client.get(f"/live/{crew.show.id}")
    assert room.status_code == 200 and f'hx-get="/incidents/panel/{crew.show.id}"' in room.text
    panel = client.get(f"/incidents/panel/{crew.show.id}")
    assert panel.status_code == 200 and 'id="emergency-button"' in panel.text and words in panel.text
    # No drill box on a live show.
    assert 'name="drill"' not in panel.text


def test_one_tap_opens_and_the_panel_moves_the_run(client: TestClient, crew: Crew, db: Session) -> None:
    token = _login(client, crew)
    r = client.post(
        "/incidents/open",
        data={"csrf_token": token, "show_id": crew.show.id, "runbook": "network_outage"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "panel-run-" in r.text
    run = service.active_runs(db, crew.show.id)[0]
    r = client.post(
        f"/incidents/{run.id}/transition",
        data={"csrf_token": token, "to": "acknowledged"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and 'data-panel-to="resolved"' in r.text
    db.expire_all()
    assert service.get_incident(db, crew.ws, run.id).acknowledged_by == crew.people["controller"].id
    # A wrong move is told on the panel, not lost.
    r = client.post(
        f"/incidents/{run.id}/transition", data={"csrf_token": token, "to": "closed"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "notice-error" in r.text


def test_run_page_steps_skip_reason_notes_and_retro(
    client: TestClient, crew: Crew, db: Session, clock: FakeClock
) -> None:
    token = _login(client, crew)
    run = service.open_incident(db, clock, crew.ws, crew.show.id, "network_outage", actor=crew.people["controller"])
    db.commit()
    page = client.get(f"/incidents/{run.id}")
    assert page.status_code == 200 and "斷網或推流中斷" in page.text and "tech-人" in page.text
    step = run.steps[1]
    r = client.post(
        f"/incidents/{run.id}/steps/{step.id}", data={"csrf_token": token, "state": "skipped", "reason": ""}
    )
    assert r.status_code == 422 and "略過步驟要寫原因" in r.text
    r = client.post(
        f"/incidents/{run.id}/steps/{step.id}",
        data={"csrf_token": token, "state": "skipped", "reason": "已自動切換"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/incidents/{run.id}/notes", data={"csrf_token": token, "text": "4G 備援已接上"}, follow_redirects=True
    )
    assert "4G 備援已接上" in r.text and "已自動切換" in r.text
    client.post(f"/incidents/{run.id}/transition", data={"csrf_token": token, "to": "resolved"})
    r = client.post(
        f"/incidents/{run.id}/retro",
        data={"csrf_token": token, "problem": "斷流", "cause": "路由器過熱"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "路由器過熱" in r.text
    r = client.post(
        f"/incidents/{run.id}/retro/actions",
        data={"csrf_token": token, "text": "換路由器", "owner_id": crew.people["tech"].id, "due_on": "2026-06-20"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "換路由器" in r.text and "2026-06-20" in r.text
    assert client.get(f"/incidents/{run.id}/report").status_code == 200


def test_list_library_editor_and_versions(client: TestClient, crew: Crew, db: Session, clock: FakeClock) -> None:
    run = service.open_incident(db, clock, crew.ws, crew.show.id, "network_outage")
    clock.advance(30)
    service.transition(db, clock, run, "resolved", actor=None)
    db.commit()
    token = _login(client, crew, "operations")
    index = client.get("/incidents")
    assert index.status_code == 200 and "30 s" in index.text and f'href="/incidents/{run.id}"' in index.text
    library = client.get("/incidents/runbooks")
    assert library.status_code == 200 and "超賣" in library.text and "從未" in library.text
    editor = client.get("/incidents/runbooks/product_challenged?edit_lang=en")
    assert editor.status_code == 200 and "Product challenged on air" in editor.text
    form = {
        "csrf_token": token,
        "edit_lang": "en",
        "version": "1",
        "step_count": "8",
        "title": "Product questioned on air",
        "trigger": "Viewers say the product is fake or unsafe.",
        "announcement": "",
        "severity": "sev1",
        "critical": "on",
    }
    roles = ["assistant", "selection", "controller", "host", "service", "operations"]
    for i, role in enumerate(roles):
        form |= {f"step_{i}_role": role, f"step_{i}_target": str(30 * (i + 1)), f"step_{i}_position": str(i + 1)}
        form[f"step_{i}_title"] = f"Step {i + 1}"
    form |= {"step_1_products": "BT-002", "step_5_remove": "on"}
    form |= {"step_6_role": "tech", "step_6_title": "Check the stream", "step_6_target": "200", "step_6_position": "2"}
    r = client.post("/incidents/runbooks/product_challenged", data=form, follow_redirects=True)
    assert r.status_code == 200, r.text
    assert "v2" in r.text and "商品庫中沒有 BT-002" in r.text  # the step names a SKU the pool does not have
    from livecrew.incidents.runbooks import get_runbook

    db.expire_all()
    rb = get_runbook(db, crew.ws.id, "product_challenged")
    assert rb.version == 2 and rb.severity == "sev1" and rb.critical
    assert [s["role"] for s in rb.steps] == ["assistant", "tech", "selection", "controller", "host", "service"]
    assert rb.title["en"] == "Product questioned on air" and rb.title["zh-Hant"] == "產品在直播中被質疑"
    assert rb.steps[2]["products"] == ["BT-002"]
    # A blocked reply script is refused with the reason, in the reader's language.
    form |= {"version": "2", "step_2_script": "全網最低價，保證有效"}
    r = client.post("/incidents/runbooks/product_challenged", data=form)
    assert r.status_code == 422 and "合規掃描" in r.text


def test_another_workspace_sees_nothing(
    client: TestClient, crew: Crew, factory: Factory, db: Session, clock: FakeClock
) -> None:
    from incident_crew import make_crew

    other = make_crew(factory, db, clock, name="別家")
    run = service.open_incident(db, clock, other.ws, other.show.id, "network_outage")
    db.commit()
    _login(client, crew)
    assert client.get(f"/incidents/{run.id}").status_code == 404
    assert client.get(f"/incidents/panel/{other.show.id}").status_code == 404
