"""Quiet hours per recipient, in the recipient's own time zone: non-urgent messages wait for the morning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time  # local, e.g. 22:00
    end: time  # local, e.g. 07:00 (before start: the span crosses midnight)
    time_zone: str = "Asia/Shanghai"

    def _local(self, instant: datetime) -> datetime:
        return instant.astimezone(ZoneInfo(self.time_zone))

    def is_quiet(self, instant: datetime) -> bool:
        t = self._local(instant).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def ends_after(self, instant: datetime) -> datetime:
        """The first moment at or after `instant` that is not quiet (the instant itself when it is not)."""
        if not self.is_quiet(instant):
            return instant
        local = self._local(instant)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        # rebuilt from the wall time, so a daylight-saving change in between keeps the local hour
        wall = datetime(end.year, end.month, end.day, end.hour, end.minute, tzinfo=ZoneInfo(self.time_zone))
        return wall.astimezone(instant.tzinfo)

    @classmethod
    def parse(cls, span: str, time_zone: str = "Asia/Shanghai") -> QuietHours:
        """"22:00-07:00" → QuietHours(22:00, 07:00)."""
        start, _, end = span.partition("-")
        try:
            return cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()), time_zone)
        except ValueError as bad:
            raise ValueError(f"quiet hours {span!r} are not HH:MM-HH:MM") from bad


def release_time(quiet: QuietHours | None, now: datetime, *, urgent: bool) -> datetime | None:
    """None: send now. Otherwise when the held message may go."""
    if quiet is None or urgent or not quiet.is_quiet(now):
        return None
    return quiet.ends_after(now)
