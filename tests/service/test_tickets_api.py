"""Tickets through the API: the contract routes, bad input, replies checked by the compliance scanner,
assignment, the queue's filters and privacy."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from livecrew.core.clock import FakeClock
from service_support import Desk
from support import Factory, bearer


def _open(client: TestClient, desk: Desk, **extra: object) -> dict[str, object]:
    body = {"kind": "consult", "customer": "u-100", "text": "這件外套有 M 號嗎？", **extra}
    r = client.post("/api/v1/tickets", json=body, headers=desk.headers)
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data


def test_contract_create_and_list(client: TestClient, desk: Desk, clock: FakeClock) -> None:
    r = client.post(
        "/api/v1/tickets",
        json={
            "kind": "refund",
            "customer": "u-1",
            "text": "還沒收到貨想退款",
            "show": desk.show_id,
            "product": "SKU-1",
        },
        headers=desk.headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "new" and isinstance(body["id"], int)
    due = datetime.fromisoformat(body["first_reply_due"])
    # 10:00 in Taipei, inside service hours: three minutes later.
    assert (due - clock.now()).total_seconds() == 180
    listed = client.get("/api/v1/tickets?status=new", headers=desk.headers).json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert listed[0]["show"] == desk.show_id and listed[0]["product"] == "SKU-1"
    assert client.get("/api/v1/tickets?status=solved", headers=desk.headers).json() == []


def test_unknown_kind_and_other_bad_input(client: TestClient, desk: Desk) -> None:
    r = client.post("/api/v1/tickets", json={"kind": "praise", "customer": "u", "text": "x"}, headers=desk.headers)
    assert r.status_code == 422
    assert "praise" in r.json()["message"] and "consult" in r.json()["message"]
    r = client.post("/api/v1/tickets", json={"kind": "consult", "customer": " ", "text": "x"}, headers=desk.headers)
    assert r.status_code == 422
    r = client.post("/api/v1/tickets", json={"kind": "consult", "customer": "u", "text": ""}, headers=desk.headers)
    assert r.status_code == 422
    r = client.post(
        "/api/v1/tickets", json={"kind": "consult", "customer": "u", "text": "x", "show": "nope"}, headers=desk.headers
    )
    assert r.status_code == 404
    assert client.get("/api/v1/tickets?status=bogus", headers=desk.headers).status_code == 422
    assert client.get("/api/v1/tickets", headers=desk.headers).json() == []  # nothing half-made


def test_reply_with_blocked_term_is_flagged_and_sent_only_on_confirmation(client: TestClient, desk: Desk) -> None:
    ticket = _open(client, desk)
    url = f"/api/v1/tickets/{ticket['id']}/replies"
    r = client.post(url, json={"text": "放心，這款保證有效，還能根治痘痘"}, headers=desk.headers)
    assert r.status_code == 409, r.text
    terms = {h["term"] for h in r.json()["details"]["hits"]}
    assert "根治" in terms and any("保證" in t for t in terms)
    detail = client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk.headers).json()
    assert [e["kind"] for e in detail["history"]] == ["created", "assign"]  # nothing was sent
    assert detail["first_replied_at"] is None
    r = client.post(url, json={"text": "放心，這款保證有效，還能根治痘痘", "confirm": True}, headers=desk.headers)
    assert r.status_code == 201
    assert r.json()["data"]["confirmed"] is True
    detail = client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk.headers).json()
    assert detail["first_replied_at"] is not None and detail["status"] == "open"


def test_clean_reply_stops_first_reply_clock_and_notes_do_not(client: TestClient, desk: Desk, clock: FakeClock) -> None:
    ticket = _open(client, desk)
    url = f"/api/v1/tickets/{ticket['id']}/replies"
    clock.advance(30)
    assert client.post(url, json={"text": "內部：先查庫存", "internal": True}, headers=desk.headers).status_code == 201
    t = client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk.headers).json()
    assert t["first_replied_at"] is None and t["status"] == "new"
    clock.advance(60)
    r = client.post(url, json={"text": "有的，M 號還有貨", "then": "pending"}, headers=desk.headers)
    assert r.status_code == 201
    assert r.json()["data"]["response_seconds"] == 90
    t = client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk.headers).json()
    assert t["first_replied_at"] is not None and t["status"] == "pending" and t["paused"] is True
    kinds = [e["kind"] for e in t["history"]]
    assert kinds == ["created", "assign", "note", "reply", "status"]


def test_round_robin_and_manual_reassignment(client: TestClient, desk: Desk) -> None:
    assignees = [_open(client, desk, customer=f"u{i}")["assignee_id"] for i in range(4)]
    agents = {desk.agent_a.id, desk.agent_b.id}
    assert set(assignees) == agents
    assert assignees[0] != assignees[1] and assignees[0] == assignees[2] and assignees[1] == assignees[3]
    ticket_id = _open(client, desk)["id"]
    r = client.patch(f"/api/v1/tickets/{ticket_id}", json={"assignee_id": desk.owner.id}, headers=desk.headers)
    assert r.status_code == 200 and r.json()["assignee_id"] == desk.owner.id
    mine = client.get("/api/v1/tickets?mine=true", headers=desk.headers).json()
    assert [t["id"] for t in mine] == [ticket_id]
    r = client.patch(f"/api/v1/tickets/{ticket_id}", json={"unassign": True}, headers=desk.headers)
    unassigned = client.get("/api/v1/tickets?unassigned=true", headers=desk.headers).json()
    assert [t["id"] for t in unassigned] == [ticket_id]


def test_agent_off_duty_is_skipped(client: TestClient, desk: Desk) -> None:
    r = client.put(
        f"/api/v1/service/agents/{desk.agent_b.id}",
        json={"shift_start": "18:00", "shift_end": "23:00"},  # 10:00 in Taipei now: not on duty
        headers=desk.headers,
    )
    assert r.status_code == 200
    assert {_open(client, desk, customer=f"u{i}")["assignee_id"] for i in range(3)} == {desk.agent_a.id}


def test_queue_filters(client: TestClient, desk: Desk, clock: FakeClock) -> None:
    a = _open(client, desk, kind="complaint", product="SKU-9", show=desk.show_id)
    _open(client, desk, kind="logistics")
    assert [t["id"] for t in client.get("/api/v1/tickets?kind=complaint", headers=desk.headers).json()] == [a["id"]]
    assert [t["id"] for t in client.get("/api/v1/tickets?product=SKU-9", headers=desk.headers).json()] == [a["id"]]
    assert [t["id"] for t in client.get(f"/api/v1/tickets?show={desk.show_id}", headers=desk.headers).json()] == [
        a["id"]
    ]
    assert client.get("/api/v1/tickets?breaching=true", headers=desk.headers).json() == []
    clock.advance(181)
    assert len(client.get("/api/v1/tickets?breaching=true", headers=desk.headers).json()) == 2


def test_privacy_roles_and_workspaces(client: TestClient, desk: Desk, factory: Factory) -> None:
    ticket = _open(client, desk)
    host = bearer(desk.host_token)
    assert client.get("/api/v1/tickets", headers=host).status_code == 403
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=host).status_code == 403
    assert client.get(f"/api/v1/shows/{desk.show_id}/retarget", headers=host).status_code == 403
    other_ws = factory.workspace("別家")
    stranger = factory.token(factory.user(other_ws, "owner"))
    assert client.get("/api/v1/tickets", headers=bearer(stranger)).json() == []
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(stranger)).status_code == 404
    r = client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "hi"}, headers=bearer(stranger))
    assert r.status_code == 404
    assert client.get(f"/api/v1/shows/{desk.show_id}/retarget", headers=bearer(stranger)).status_code == 404
    agent = bearer(desk.agent_token)
    assert client.get("/api/v1/tickets", headers=agent).status_code == 200
    assert client.put("/api/v1/service/settings", json={"first_reply_minutes": 5}, headers=agent).status_code == 403


def test_transitions_and_rating(client: TestClient, desk: Desk) -> None:
    ticket = _open(client, desk)
    url = f"/api/v1/tickets/{ticket['id']}/transitions"
    assert client.post(url, json={"to": "closed"}, headers=desk.headers).status_code == 409
    assert client.post(url, json={"to": "solved"}, headers=desk.headers).json()["status"] == "solved"
    assert client.post(url, json={"to": "closed"}, headers=desk.headers).json()["status"] == "closed"
    assert client.post(url, json={"to": "open"}, headers=desk.headers).status_code == 409
    r = client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "hi"}, headers=desk.headers)
    assert r.status_code == 409
    r = client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"rating": 2}, headers=desk.headers)
    assert r.status_code == 200 and r.json()["rating"] == 2
    assert (
        client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"rating": 9}, headers=desk.headers).status_code
        == 422
    )
