"""The relay against local fakes of every platform: signatures recomputed by the fake, errors read from inside
HTTP 200, too fast, 5xx, timeouts, refused connections, recovery, backoff on a fake clock, digests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livecrew.core.auth.models import Workspace
from livecrew.core.clock import FakeClock
from livecrew.notify import relay as relay_module
from livecrew.notify import service
from livecrew.notify.models import NotifyDelivery, NotifySend, NotifyTarget
from livecrew.notify.relay import Relay
from notify.conftest import post, target_for
from notify_fakes import Fake, closed_port

ALL = ["dingtalk", "feishu", "wecom", "slack", "webhook", "line", "telegram"]
SIGNED = ["dingtalk", "feishu", "webhook", "line", "telegram"]
THROTTLING = ["dingtalk", "feishu", "wecom", "slack", "webhook", "line", "telegram"]


def deliveries(db: Session, target: NotifyTarget) -> list[NotifyDelivery]:
    db.expire_all()
    return list(db.scalars(select(NotifyDelivery).where(NotifyDelivery.target_id == target.id)
                           .order_by(NotifyDelivery.id)))  # fmt: skip


def fresh(db: Session, target: NotifyTarget) -> NotifyTarget:
    db.expire_all()
    got = db.get(NotifyTarget, target.id)
    assert got is not None
    return got


@pytest.mark.parametrize("kind", ALL)
def test_each_platform_receives_a_signed_message(
    kind: str, db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes(kind)
    target = target_for(db, clock, ws, fake)
    post(db, ws, "直播間斷流，請技術立即處理 stream down")
    result = relay.run_pass()
    assert result.delivered == 1
    assert len(fake.accepted) == 1 and len(fake.received) == 1
    assert "直播間斷流" in fake.texts()[0]
    [row] = deliveries(db, target)
    assert (row.status, row.attempts, row.request_id is not None) == ("sent", 1, True)
    assert relay.run_pass().requests == 0  # nothing twice


@pytest.mark.parametrize("kind", SIGNED)
def test_a_wrong_secret_marks_the_target_broken_and_keeps_the_messages(
    kind: str, db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes(kind)
    target = target_for(db, clock, ws, fake, secret="not-the-right-secret-at-all")
    post(db, ws, "第一則")
    post(db, ws, "第二則", message_id=2)
    relay.run_pass()
    broken = fresh(db, target)
    assert broken.status == "broken"
    assert broken.broken_reason is not None
    platform_words = {
        "dingtalk": "310000", "feishu": "19021", "webhook": "401", "line": "Authentication failed",
        "telegram": "Unauthorized",
    }  # fmt: skip
    assert platform_words[kind] in broken.broken_reason
    rows = deliveries(db, target)
    assert [r.status for r in rows] == ["pending", "pending"]
    assert rows[0].last_error == broken.broken_reason
    clock.advance(3600)
    assert relay.run_pass().requests == 0  # a broken target waits for a person, however long
    # The person pastes the right secret: everything waiting goes out.
    service.update_target(db, clock, broken, service.TargetInput(
        kind=kind, url=broken.url, secret=fake.secret, channels=broken.channels, chat_id=broken.chat_id),
        keep_secret=True)  # fmt: skip
    db.commit()
    relay.run_pass()
    assert [r.status for r in deliveries(db, target)] == ["sent", "sent"]
    assert {"第一則", "第二則"} <= {w for t in fake.texts() for w in ("第一則", "第二則") if w in t}
    assert fresh(db, target).status == "ok"


@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_a_missing_keyword_is_reported_as_the_platform_says(
    kind: str, db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes(kind, keyword="告警")
    target = target_for(db, clock, ws, fake)
    post(db, ws, "no keyword here")
    relay.run_pass()
    reason = fresh(db, target).broken_reason or ""
    assert ("keywords not in content" in reason) if kind == "dingtalk" else ("Key Words Not Found" in reason)


@pytest.mark.parametrize("kind", ["wecom", "slack"])
def test_a_wrong_address_marks_the_target_broken(
    kind: str, db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes(kind)
    wrong = fake.url.replace("key=", "key=x") if kind == "wecom" else fake.url + "x"
    target = target_for(db, clock, ws, fake, url=wrong)
    post(db, ws, "訊息")
    relay.run_pass()
    reason = fresh(db, target).broken_reason or ""
    assert ("93000" in reason) if kind == "wecom" else ("no_service" in reason)


@pytest.mark.parametrize("kind", ["line", "telegram"])
def test_a_wrong_chat_is_reported(
    kind: str, db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes(kind)
    target = target_for(db, clock, ws, fake, chat_id="C-not-our-group")
    post(db, ws, "訊息")
    relay.run_pass()
    reason = fresh(db, target).broken_reason or ""
    assert ("'to'" in reason) if kind == "line" else ("chat not found" in reason)


@pytest.mark.parametrize("kind", THROTTLING)
def test_too_fast_waits_then_delivers(
    kind: str, db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes(kind, mode="too_fast")
    target = target_for(db, clock, ws, fake)
    post(db, ws, "稍後再送")
    relay.run_pass()
    [row] = deliveries(db, target)
    assert row.status == "pending"  # waiting, not failed
    waiting = fresh(db, target)
    assert waiting.status == "ok" and waiting.next_send_at is not None and waiting.next_send_at > clock.now()
    assert relay.run_pass().requests == 0  # nothing before the wait is over
    fake.mode = "ok"
    clock.set(waiting.next_send_at + timedelta(seconds=1))
    relay.run_pass()
    assert [r.status for r in deliveries(db, target)] == ["sent"]
    assert len(fake.accepted) == 1


@pytest.mark.parametrize("kind", ALL)
def test_server_errors_back_off_and_recover(
    kind: str, db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes(kind, mode="error")
    target = target_for(db, clock, ws, fake)
    post(db, ws, "伺服器忙")
    relay.run_pass()
    [row] = deliveries(db, target)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error and ("50" in row.last_error)
    assert row.next_attempt_at > clock.now()
    fake.mode = "ok"
    assert relay.run_pass().requests == 0  # backing off
    clock.advance(5)
    relay.run_pass()
    [row] = deliveries(db, target)
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.last_error and "50" in row.last_error  # the log keeps what went wrong before


def test_a_timeout_is_retried(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes("webhook", mode="slow", slow_seconds=2.5)
    target = target_for(db, clock, ws, fake)
    post(db, ws, "慢")
    relay.run_pass()  # the relay gives up after 1 s
    [row] = deliveries(db, target)
    assert row.status == "failed" and "timed out" in (row.last_error or "")
    fake.mode = "ok"
    clock.advance(5)
    relay.run_pass()
    assert deliveries(db, target)[0].status == "sent"


def test_a_refused_connection_is_retried_until_the_server_is_back(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    port = closed_port()
    fake = fakes("webhook")
    target = target_for(db, clock, ws, fake, url=f"http://127.0.0.1:{port}/livecrew/hook")
    post(db, ws, "連不上")
    relay.run_pass()
    [row] = deliveries(db, target)
    assert row.status == "failed" and "could not connect" in (row.last_error or "")
    # The address is fixed (the right server): the message goes out at once.
    service.update_target(db, clock, fresh(db, target), service.TargetInput(
        kind="webhook", url=fake.url, channels=["emergency"]), keep_secret=True)  # fmt: skip
    db.commit()
    relay.run_pass()
    assert deliveries(db, target)[0].status == "sent"


def test_backoff_grows_exponentially_with_jitter_then_gives_up(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes("webhook", mode="error")
    target = target_for(db, clock, ws, fake)
    post(db, ws, "一直失敗")
    waits: list[float] = []
    for attempt in range(1, relay_module.MAX_ATTEMPTS + 1):
        relay.run_pass()
        [row] = deliveries(db, target)
        assert row.attempts == attempt
        if attempt < relay_module.MAX_ATTEMPTS:
            wait = (row.next_attempt_at - clock.now()).total_seconds()
            ceiling = min(relay_module.BACKOFF_CAP, 2.0 ** (attempt - 1))
            assert ceiling / 2 <= wait <= ceiling + 0.001
            waits.append(wait)
            due = max(row.next_attempt_at, fresh(db, target).next_send_at or row.next_attempt_at)
            clock.set(due + timedelta(milliseconds=1))
    [row] = deliveries(db, target)
    assert row.status == "dead"
    assert waits[5] > waits[0] * 8  # grew, not flat
    # A person retries it once the endpoint works again.
    fake.mode = "ok"
    service.retry_delivery(db, clock, fresh(db, target), row.id)
    db.commit()
    clock.advance(BACKOFF_ENOUGH)
    relay.run_pass()
    assert deliveries(db, target)[0].status == "sent"


BACKOFF_ENOUGH = relay_module.BACKOFF_CAP + 1


def test_a_burst_to_dingtalk_becomes_digests_within_20_a_minute(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes("dingtalk", per_minute=20)
    target = target_for(db, clock, ws, fake)
    for n in range(60):
        post(db, ws, f"ALERT-{n:03d} 庫存告急", message_id=n + 1, commit=False)
    db.commit()
    for _ in range(10):
        relay.run_pass()
        due = relay.next_due()
        if due is None:
            break
        clock.set(max(due, clock.now()) + timedelta(milliseconds=1))
    assert all(r.status == "sent" for r in deliveries(db, target))
    seen = sorted({w for text in fake.texts() for w in text.split() if w.startswith("ALERT-")})
    assert seen == [f"ALERT-{n:03d}" for n in range(60)]
    assert all(r.accepted for r in fake.received)  # never "too fast"
    assert len(fake.received) <= 20
    assert any(len(r.texts[0].split("ALERT-")) > 2 for r in fake.received)  # digests


def test_the_limiter_keeps_every_window_within_the_platform_rules(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes("feishu")
    target = target_for(db, clock, ws, fake)
    for n in range(30):
        post(db, ws, f"MSG-{n:02d}", message_id=n + 1)
        relay.run_pass()
        clock.advance(0.1)
    for _ in range(20):
        relay.run_pass()
        due = relay.next_due()
        if due is None:
            break
        clock.set(max(due, clock.now()) + timedelta(milliseconds=1))
    times = sorted(r.at for r in fake.received)
    for i, at in enumerate(times):
        assert sum(1 for t in times[i:] if t < at + timedelta(seconds=1)) <= 5
        assert sum(1 for t in times[i:] if t < at + timedelta(seconds=60)) <= 100
    assert fake.received and all(r.accepted for r in fake.received)
    assert all(d.status == "sent" for d in deliveries(db, target))
    seen = sorted({w for text in fake.texts() for w in text.split() if w.startswith("MSG-")})
    assert seen == [f"MSG-{n:02d}" for n in range(30)]
    assert len(fake.received) < 30  # some went together in digests
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(NotifySend)) == len(fake.received)


def test_routes_choose_the_targets(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], factory: object
) -> None:
    fake = fakes("webhook")
    emergency = target_for(db, clock, ws, fake, channels=["emergency"])
    tagged = target_for(db, clock, ws, fake, channels=["live"], tags=["庫存"])
    severe = target_for(db, clock, ws, fake, channels=["live", "emergency"], severities=["critical"])
    off = target_for(db, clock, ws, fake, channels=["emergency"])
    off.enabled = False
    db.commit()
    post(db, ws, "a", kind="emergency", tags=(), severity="warning")
    post(db, ws, "b", kind="live", tags=("庫存",), severity="info")
    post(db, ws, "c", kind="live", tags=("客訴",), severity="critical")
    post(db, ws, "d", kind="preview", tags=("庫存",), severity="critical")
    assert [d.text for d in deliveries(db, emergency)] == ["a"]
    assert [d.text for d in deliveries(db, tagged)] == ["b"]
    assert [d.text for d in deliveries(db, severe)] == ["c"]
    assert deliveries(db, off) == []


def test_the_outbox_row_is_in_the_message_transaction(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake]
) -> None:
    target = target_for(db, clock, ws, fakes("webhook"))
    post(db, ws, "rolled back", commit=False)
    db.rollback()
    assert deliveries(db, target) == []
    post(db, ws, "kept")
    assert [d.text for d in deliveries(db, target)] == ["kept"]


def test_messages_of_another_workspace_never_reach_a_target(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], factory: object
) -> None:
    from support import Factory

    assert isinstance(factory, Factory)
    other = factory.workspace("別的直播間")
    target = target_for(db, clock, ws, fakes("webhook"))
    post(db, other, "不該送到這裡")
    assert deliveries(db, target) == []


def test_line_retries_reuse_the_retry_key_and_count_409_as_delivered(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes("line")
    target = target_for(db, clock, ws, fake)
    post(db, ws, "一次就好")
    batch = relay.claim(target.id)
    assert batch is not None
    assert relay.send(batch).result.value == "sent"
    # The relay died before recording: the lease runs out, the same request goes again with the same key.
    clock.advance(relay_module.LEASE_SECONDS + 1)
    relay.run_pass()
    assert [r.status for r in deliveries(db, target)] == ["sent"]
    assert len(fake.accepted) == 1  # LINE ran it once
    keys = {r.headers["x-line-retry-key"] for r in fake.received}
    assert len(keys) == 1 and len(fake.received) == 2


def test_an_expired_lease_is_claimed_again(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay
) -> None:
    fake = fakes("webhook")
    target = target_for(db, clock, ws, fake)
    post(db, ws, "crash between claim and send")
    assert relay.claim(target.id) is not None  # claimed, then the process "dies"
    assert relay.run_pass().requests == 0  # leased: nobody sends it meanwhile
    clock.advance(relay_module.LEASE_SECONDS + 1)
    relay.run_pass()
    assert [r.status for r in deliveries(db, target)] == ["sent"]
    assert len(fake.accepted) == 1


def test_secrets_never_reach_the_logs(
    db: Session, clock: FakeClock, ws: Workspace, fakes: Callable[..., Fake], relay: Relay,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    from notify.conftest import SECRETS

    for kind in ("telegram", "dingtalk", "line"):
        target_for(db, clock, ws, fakes(kind, mode="error"))
    post(db, ws, "logs")
    caplog.set_level("DEBUG")
    from livecrew.core.logging import configure_logging

    configure_logging("json", "DEBUG")  # to this test's captured stderr
    relay.run_pass()
    out = capsys.readouterr()
    everything = out.out + out.err + caplog.text
    assert "notify.not_sent" in everything or "not_sent" in everything
    for secret in SECRETS.values():
        assert secret not in everything
    assert "access_token=" not in everything
