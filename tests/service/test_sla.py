"""SLA clocks: due times counted in service hours (08:00–23:00 in the workspace's zone), paused while pending,
breaches recorded once and emitted as SlaBreached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from livecrew.core.clock import FakeClock
from livecrew.service import config, tickets
from livecrew.service.hours import ServiceHours
from livecrew.service.public import SlaBreached
from service_support import Desk

TPE = "Asia/Taipei"  # UTC+8


def _at(hh: int, mm: int, ss: int = 0, day: int = 12) -> datetime:
    """A Taipei wall-clock time on June ``day`` 2026, in UTC."""
    return datetime(2026, 6, day, hh, mm, ss, tzinfo=UTC) - timedelta(hours=8)


def test_hours_arithmetic_across_the_boundary() -> None:
    h = ServiceHours.of("08:00", "23:00", TPE)
    assert h.add(_at(22, 58, 30), 180) == _at(8, 1, 30, day=13)
    assert h.add(_at(23, 30), 180) == _at(8, 3, day=13)  # outside hours: starts at the next opening
    assert h.add(_at(7, 0), 60) == _at(8, 1)
    assert h.between(_at(22, 59), _at(8, 2, day=13)) == 180
    assert h.is_open(_at(22, 59)) and not h.is_open(_at(23, 0)) and not h.is_open(_at(3, 0))
    overnight = ServiceHours.of("20:00", "02:00", TPE)
    assert overnight.add(_at(1, 59), 120) == _at(20, 1)
    assert ServiceHours.of("00:00", "00:00", TPE).add(_at(23, 59), 120) == _at(0, 1, day=13)


def test_first_reply_due_across_2300(db: Session, clock: FakeClock, desk: Desk) -> None:
    clock.set(_at(22, 58, 30))
    t = tickets.open_ticket(db, clock, desk.ws.id, tickets.NewTicket(kind="consult", customer="u1", text="在嗎？"))
    assert t.first_reply_due == _at(8, 1, 30, day=13)
    assert t.resolution_due == config.settings_for(db, desk.ws.id).hours.add(_at(22, 58, 30), 24 * 3600)
    clock.set(_at(23, 30))
    assert tickets.check_breaches(db, clock) == []  # 23:30: the clock is not running at night
    clock.set(_at(8, 1, 29, day=13))
    assert tickets.check_breaches(db, clock) == []
    clock.set(_at(8, 1, 30, day=13))
    assert [b.clock for b in tickets.check_breaches(db, clock)] == ["first_reply"]
    assert tickets.check_breaches(db, clock) == []  # once


def test_pending_pauses_the_clocks(db: Session, clock: FakeClock, desk: Desk) -> None:
    clock.set(_at(10, 0))
    t = tickets.open_ticket(db, clock, desk.ws.id, tickets.NewTicket(kind="refund", customer="u1", text="想退款"))
    tickets.reply(db, clock, t, "請提供訂單號", actor_id=desk.agent_a.id, then="pending")
    resolution = t.resolution_due
    assert resolution is not None and t.status == "pending"
    clock.set(_at(10, 1))
    clock.advance(hours=5)  # five hours waiting on the customer
    assert tickets.check_breaches(db, clock) == []
    assert tickets.list_tickets(db, clock, desk.ws.id, tickets.Filters(breaching=True)) == []
    tickets.customer_message(db, clock, t, "訂單號 o-1")
    assert t.status == "open" and t.paused_at is None
    # The resolution clock got back what it had left when paused at 10:00, counted from 15:01.
    h = config.settings_for(db, desk.ws.id).hours
    left = h.between(_at(10, 0), resolution)
    assert t.resolution_due == h.add(_at(15, 1), left)
    assert t.next_reply_due == h.add(_at(15, 1), 30 * 60)


def test_pause_on_hold_then_resume_first_reply(db: Session, clock: FakeClock, desk: Desk) -> None:
    clock.set(_at(22, 59))
    t = tickets.open_ticket(db, clock, desk.ws.id, tickets.NewTicket(kind="logistics", customer="u", text="到哪了"))
    assert t.first_reply_due == _at(8, 2, day=13)
    tickets.transition(db, clock, t, "on_hold")
    clock.set(_at(9, 0, day=13))
    assert tickets.check_breaches(db, clock) == []
    tickets.transition(db, clock, t, "open")
    assert t.first_reply_due == _at(9, 3, day=13)  # all three minutes of service time were left at 22:59


def test_breach_emits_domain_event(db: Session, clock: FakeClock, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from livecrew.core import events

    got: list[SlaBreached] = []
    monkeypatch.setattr(
        events, "subscribers", lambda topic: (lambda _db, e: got.append(e),) if topic == SlaBreached.topic else ()
    )
    t = tickets.open_ticket(
        db, clock, desk.ws.id, tickets.NewTicket(kind="complaint", customer="u9", text="太差了", nickname="小王")
    )
    clock.advance(181)
    tickets.check_breaches(db, clock)
    assert [(e.ticket_id, e.clock, e.customer, e.kind) for e in got] == [(t.id, "first_reply", "小王", "complaint")]


def test_solved_ticket_does_not_breach(db: Session, clock: FakeClock, desk: Desk) -> None:
    t = tickets.open_ticket(db, clock, desk.ws.id, tickets.NewTicket(kind="consult", customer="u", text="?"))
    tickets.reply(db, clock, t, "好的", actor_id=None, then="solved")
    clock.advance(days=5)
    assert tickets.check_breaches(db, clock) == []
