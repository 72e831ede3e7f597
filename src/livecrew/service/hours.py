"""Service hours: the SLA clocks run only inside them (08:00–23:00 in the workspace's time zone by default).

Pure functions over aware datetimes. Hours whose end is not after their start run past midnight
(``20:00``–``02:00``); equal start and end mean round the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> time:
    m = _HHMM.match(value.strip())
    if not m:
        raise ValueError(f'"{value}" is not a time of day like 08:00')
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class ServiceHours:
    start: time
    end: time
    tz: ZoneInfo

    @classmethod
    def of(cls, start: str, end: str, timezone: str) -> ServiceHours:
        return cls(parse_hhmm(start), parse_hhmm(end), ZoneInfo(timezone))

    @property
    def always(self) -> bool:
        return self.start == self.end

    def _span(self, day: date) -> tuple[datetime, datetime]:
        """The service interval that opens on local ``day``, in UTC."""
        opens = datetime.combine(day, self.start, self.tz)
        closes_day = day if self.end > self.start else day + timedelta(days=1)
        closes = datetime.combine(closes_day, self.end, self.tz)
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def spans(self, after: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Service intervals that end after ``after``, in order (clipped to start no earlier than it)."""
        day = after.astimezone(self.tz).date() - timedelta(days=1)
        while True:
            lo, hi = self._span(day)
            day += timedelta(days=1)
            if hi <= after:
                continue
            yield max(lo, after), hi

    def is_open(self, at: datetime) -> bool:
        if self.always:
            return True
        lo, _hi = next(self.spans(at))
        return lo <= at

    def add(self, at: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of service time after ``at``."""
        if self.always:
            return at + timedelta(seconds=seconds)
        left = timedelta(seconds=max(seconds, 0))
        for lo, hi in self.spans(at):
            if lo + left <= hi:
                return lo + left
            left -= hi - lo
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, a: datetime, b: datetime) -> float:
        """Seconds of service time in ``[a, b]`` (0 when b is not after a)."""
        if b <= a:
            return 0.0
        if self.always:
            return (b - a).total_seconds()
        total = 0.0
        for lo, hi in self.spans(a):
            if lo >= b:
                break
            total += (min(hi, b) - lo).total_seconds()
        return total
