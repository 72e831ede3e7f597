"""A user of workspace A never sees workspace B's data: 404, not 403, through the API and the console."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support import Factory, bearer, csrf, login


def test_api_answers_404_for_another_workspaces_objects(client: TestClient, factory: Factory) -> None:
    a, b = factory.workspace("A 直播間"), factory.workspace("B 直播間")
    a_owner = factory.user(a, "owner")
    b_person = factory.user(b, "host")
    b_token_owner = factory.user(b, "owner")
    factory.token(b_token_owner)
    token = factory.token(a_owner)
    b_token_id = client.get("/api/v1/tokens", headers=bearer(factory.token(b_token_owner))).json()[0]["id"]

    assert client.get(f"/api/v1/people/{b_person.id}", headers=bearer(token)).status_code == 404
    r = client.patch(f"/api/v1/people/{b_person.id}", json={"roles": ["owner"]}, headers=bearer(token))
    assert r.status_code == 404
    assert client.delete(f"/api/v1/tokens/{b_token_id}", headers=bearer(token)).status_code == 404
    people = client.get("/api/v1/people", headers=bearer(token)).json()
    assert [p["id"] for p in people] == [a_owner.id]
    assert client.get("/api/v1/workspace", headers=bearer(token)).json()["id"] == a.id


def test_console_answers_404_for_another_workspaces_objects(client: TestClient, factory: Factory) -> None:
    a, b = factory.workspace("A"), factory.workspace("B")
    a_owner = factory.user(a, "owner")
    b_person = factory.user(b, "host", name="乙方主播")
    login(client, a_owner.email)
    r = client.post(f"/settings/people/{b_person.id}/roles", data={"roles": ["owner"], "csrf_token": csrf(client)})
    assert r.status_code == 404
    r = client.post(f"/settings/people/{b_person.id}/deactivate", data={"csrf_token": csrf(client)})
    assert r.status_code == 404
    page = client.get("/settings/people")
    assert "乙方主播" not in page.text
