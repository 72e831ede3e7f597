"""The text engine in the live room: speech alerts, comment alerts and labels, cue cards, the script gate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.core.pubsub import LocalHub, show_channel
from livecrew.live.models import Alert
from livecrew.shows import service as shows
from livecrew.shows.models import ShowStatus
from support import Factory, bearer, login

T0 = 1_781_245_800_000


@pytest.fixture
def live(factory: Factory, db: Session, clock: FakeClock) -> dict[str, Any]:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="own@example.com")
    show = shows.create_show(db, clock, ws, title="合規測試", starts_at=clock.now() + timedelta(minutes=5), minutes=60)
    show.status = ShowStatus.live.value
    db.commit()
    return {"ws": ws, "owner": owner, "token": factory.token(owner), "show": show}


def _post(client: TestClient, live: dict[str, Any], events: list[dict[str, Any]]) -> Any:
    return client.post(
        f"/api/v1/shows/{live['show'].id}/events",
        content=b"\n".join(orjson.dumps(e) for e in events),
        headers={**bearer(live["token"]), "Content-Type": "application/x-ndjson"},
    )


def test_a_blocked_host_line_raises_an_alert_as_the_batch_commits(
    client: TestClient, live: dict[str, Any], db: Session, hub: LocalHub
) -> None:
    heard: list[dict[str, Any]] = []
    original = hub.publish

    def spy(channel: str, message: dict[str, Any]) -> None:
        if channel == show_channel(live["show"].id) and message.get("kind", "").startswith("alert."):
            heard.append(message)
        original(channel, message)

    hub.publish = spy  # type: ignore[method-assign]
    assert (
        _post(
            client, live, [{"id": "s1", "type": "speech", "ts": T0, "text": "這是全網最低價，國家級品質"}]
        ).status_code
        == 200
    )
    # Published on commit: heard before the ingest call returned (no wall-clock figure: tests never time).
    assert heard and heard[0]["kind"] == "alert.raised"
    alert = db.scalar(select(Alert).where(Alert.rule == "speech_compliance"))
    assert alert is not None and alert.severity == "high" and alert.roles == ["controller"]
    assert "國家級" in alert.params["terms"]
    spans = {(h["start"], h["end"]) for h in alert.params["hits"]}
    assert any("這是全網最低價，國家級品質"[s:e] == "國家級" for s, e in spans)

    # A clean line raises nothing more; a second bad line updates the same open alert.
    _post(client, live, [{"id": "s2", "type": "speech", "ts": T0 + 1000, "text": "最後一輪福利，第一次來的朋友看過來"}])
    _post(client, live, [{"id": "s3", "type": "speech", "ts": T0 + 2000, "text": "加 V 信私聊"}])
    alerts = db.scalars(
        select(Alert).where(Alert.rule == "speech_compliance").execution_options(populate_existing=True)
    ).all()
    assert len(alerts) == 1 and alerts[0].updates == 1


def test_comment_diversion_raises_a_medium_alert_and_labels_show_in_the_feed(
    client: TestClient, live: dict[str, Any], db: Session
) -> None:
    events = [
        {"id": "c1", "type": "comment", "ts": T0, "user": "u1", "text": "加薇信 13800138000 便宜賣"},
        {"id": "c2", "type": "comment", "ts": T0 + 1, "user": "u2", "text": "尺碼怎麼選？"},
        {"id": "c3", "type": "comment", "ts": T0 + 2, "user": "u3", "text": "160穿什麼碼"},
        {"id": "c4", "type": "comment", "ts": T0 + 3, "user": "u4", "text": "主播好會講，回購第三次了"},
    ]
    _post(client, live, events)
    alert = db.scalar(select(Alert).where(Alert.rule == "comment_compliance"))
    assert alert is not None and alert.severity == "medium"
    login(client, live["owner"].email)
    page = client.get(f"/live/{live['show'].id}").text
    assert 'data-label="spam"' in page and 'data-label="question"' in page and 'data-label="praise"' in page
    cards = client.get(f"/api/v1/shows/{live['show'].id}/cues", headers=bearer(live["token"])).json()
    assert cards and cards[0]["count"] == 2 and cards[0]["topic"] == "size"
    answered = client.post(
        f"/api/v1/shows/{live['show'].id}/cues/{cards[0]['id']}/answer", headers=bearer(live["token"])
    )
    assert answered.json()["status"] == "answered"
    assert client.get(f"/api/v1/shows/{live['show'].id}/cues", headers=bearer(live["token"])).json() == []
    missing = client.post(f"/api/v1/shows/{live['show'].id}/cues/nope/answer", headers=bearer(live["token"]))
    assert missing.status_code == 404


def test_a_storm_of_bad_comments_is_one_alert_write_per_batch(
    client: TestClient, live: dict[str, Any], db: Session
) -> None:
    storm = [
        {"id": f"d{n}", "type": "comment", "ts": T0 + n, "user": f"u{n}", "text": f"加薇信 1380013800{n} 便宜賣"}
        for n in range(5)
    ]
    calm = {"id": "ok", "type": "comment", "ts": T0 + 9, "user": "u9", "text": "好看"}
    assert _post(client, live, [*storm, calm]).json()["accepted"] == 6
    alert = db.scalar(select(Alert).where(Alert.rule == "comment_compliance"))
    # Raised once for the five lines: the four after the first count as updates, the last one is shown.
    assert alert is not None and alert.updates == 4 and alert.params["user"] == "u4"
    assert "13800138004" in alert.params["text"]
    _post(client, live, [{**storm[0], "id": "d9", "user": "u5"}])
    db.refresh(alert)
    assert alert.updates == 5 and alert.params["user"] == "u5"


def test_script_gate_and_compliance_page(client: TestClient, factory: Factory, db: Session, clock: FakeClock) -> None:
    ws = factory.workspace()
    owner = factory.user(ws, "owner", email="script@example.com")
    show = shows.create_show(db, clock, ws, title="腳本", starts_at=clock.now() + timedelta(days=1), minutes=60)
    db.commit()
    product = factory.product(ws, "S-1", title="史上最低價保溫杯", selling_points=["保溫 12 小時", "最後一批現貨"])
    factory.lineup(show.id, product)
    problems = [p for p in shows.gate_problems(db, show, ShowStatus.live.value) if p.check == "script_compliant"]
    assert problems and all("A1" in p.params["where"] for p in problems)
    assert not any("最後" in p.params["term"] for p in problems)
    login(client, owner.email)
    page = client.get(f"/shows/{show.id}/compliance")
    assert page.status_code == 200 and '<mark class="hit"' in page.text and "最後一批現貨" not in page.text
