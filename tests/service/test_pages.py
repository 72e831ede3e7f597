"""The console's service section in three languages: the queue, a ticket (a template reply, the compliance
warning and the confirmation), settings, the report, retargeting and the import."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from livecrew.core.clock import FakeClock
from service_support import Desk
from support import csrf, login


@pytest.fixture
def console(client: TestClient, desk: Desk) -> TestClient:
    login(client, desk.owner.email)
    return client


@pytest.mark.parametrize(("lang", "words"), [("zh-Hant", "工單佇列"), ("zh-Hans", "工单队列"), ("en", "Queue")])
def test_pages_in_three_languages(console: TestClient, desk: Desk, lang: str, words: str) -> None:
    console.post("/language", data={"lang": lang, "csrf_token": csrf(console)})
    for path in ("/service", "/service/settings", "/service/report", "/service/retarget", "/service/import"):
        r = console.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert words in r.text
        assert "service." not in r.text.replace("service.js", "")  # every catalog key has a text


def test_ticket_from_the_form_then_template_reply_with_confirmation(
    console: TestClient, desk: Desk, clock: FakeClock
) -> None:
    r = console.post(
        "/service/tickets",
        data={"kind": "return", "customer": "u-55", "nickname": "小芳", "text": "尺寸太小想退", "product": "SKU-8",
              "order": "o-55", "amount": "199", "csrf_token": csrf(console)},
    )  # fmt: skip
    assert r.status_code == 200 and "/service/tickets/" in str(r.url)
    ticket_url = str(r.url).split("?")[0]
    page = console.get(ticket_url + "?macro=return_steps")
    assert "小芳 您好，SKU-8 請保持吊牌完整寄回" in page.text and "o-55" in page.text
    clock.advance(45)
    bad = console.post(
        ticket_url + "/reply",
        data={"text": "小芳 您好，保證有效，可以根治", "macro": "return_steps", "csrf_token": csrf(console)},
    )
    assert bad.status_code == 409 and 'id="compliance-warning"' in bad.text and "根治" in bad.text
    assert 'name="confirm"' in bad.text
    assert 'id="clock-first_reply" data-state="running"' in console.get(ticket_url).text
    ok = console.post(
        ticket_url + "/reply",
        data={"text": "小芳 您好，保證有效，可以根治", "confirm": "on", "csrf_token": csrf(console)},
    )
    assert ok.status_code == 200
    assert 'id="clock-first_reply" data-state="stopped"' in ok.text and "確認後送出" in ok.text
    wrong = console.post(ticket_url + "/change", data={"to": "closed", "csrf_token": csrf(console)})
    assert wrong.status_code == 409
    done = console.post(ticket_url + "/change", data={"to": "solved", "rating": "5", "csrf_token": csrf(console)})
    rating = done.text.split('<dd class="stars"', 1)[1].split("</dd>", 1)[0]  # five star icons, and "5/5" in words
    assert done.status_code == 200 and rating.count("#i-star") == 5 and "5/5" in rating


def test_bad_manual_ticket_and_settings(console: TestClient, desk: Desk) -> None:
    r = console.post(
        "/service/tickets", data={"kind": "nonsense", "customer": "u", "text": "x", "csrf_token": csrf(console)}
    )
    assert r.status_code == 422 and "nonsense" in r.text
    r = console.post("/service/settings", data={"hours_start": "25:00", "csrf_token": csrf(console)})
    assert r.status_code == 422
    r = console.post(
        "/service/settings",
        data={"hours_start": "09:00", "hours_end": "22:00", "first_reply_minutes": "5", "auto_complaints": "on",
              "resolution_refund": "12", "csrf_token": csrf(console)},
    )  # fmt: skip
    assert r.status_code == 200
    settings = console.get("/api/v1/service/settings").json()
    assert (settings["hours_start"], settings["first_reply_minutes"], settings["auto_complaints"]) == ("09:00", 5, True)
    assert settings["resolution_hours"]["refund"] == 12
    flagged = console.post(
        "/service/macros",
        data={"key": "promise", "topic": "quality", "body_zh-Hant": "保證有效", "csrf_token": csrf(console)},
    )
    assert flagged.status_code == 409
    saved = console.post(
        "/service/macros",
        data={"key": "thanks", "topic": "other", "title_zh-Hant": "感謝", "body_zh-Hant": "{customer} 謝謝您",
              "csrf_token": csrf(console)},
    )  # fmt: skip
    assert saved.status_code == 200 and "thanks" in saved.text


def test_console_import_keeps_nothing_until_clean(console: TestClient, desk: Desk) -> None:
    data = "售後單號,售後類型,買家ID\nA-1,亂寫,u1\nA-2,換貨,u2\n".encode()
    r = console.post("/service/import", files={"file": ("a.csv", data)}, data={"csrf_token": csrf(console)})
    assert r.status_code == 422 and 'id="import-errors"' in r.text
    assert console.get("/api/v1/tickets").json() == []
    pending = r.text.split('name="pending" value="')[1].split('"')[0]
    r = console.post("/service/import", data={"pending": pending, "valid_only": "on", "csrf_token": csrf(console)})
    assert r.status_code == 200 and 'id="import-done"' in r.text
    assert [t["customer"] for t in console.get("/api/v1/tickets").json()] == ["u2"]


def test_host_sees_no_service_pages(client: TestClient, desk: Desk) -> None:
    login(client, desk.host.email)
    assert client.get("/service").status_code == 403


def test_console_export_is_a_logged_post(console: TestClient, desk: Desk) -> None:
    page = console.get(f"/service/retarget?show={desk.show_id}&segment=clicked_not_paid")
    assert page.status_code == 200 and 'id="retarget-export"' in page.text
    r = console.post(
        "/service/retarget/export",
        data={"show": desk.show_id, "segment": "clicked_not_paid", "format": "xlsx", "csrf_token": csrf(console)},
    )
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = console.post(
        "/service/retarget/export", data={"segment": "x", "show": desk.show_id, "csrf_token": csrf(console)}
    )
    assert r.status_code == 422
