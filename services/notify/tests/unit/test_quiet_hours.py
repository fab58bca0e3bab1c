from datetime import UTC, datetime, time

import pytest
from notify.domain.quiet_hours import QuietHours, release_time


def shanghai(hour: int, minute: int = 0, day: int = 21) -> datetime:
    return datetime(2026, 11, day, (hour - 8) % 24, minute, tzinfo=UTC) if hour >= 8 else \
        datetime(2026, 11, day - 1, hour + 16, minute, tzinfo=UTC)


def test_span_across_midnight_in_the_recipients_zone() -> None:
    quiet = QuietHours.parse("22:00-07:00")
    assert quiet.is_quiet(shanghai(23))
    assert quiet.is_quiet(shanghai(6, 59))
    assert not quiet.is_quiet(shanghai(7))
    assert not quiet.is_quiet(shanghai(21, 59))


def test_held_until_the_morning_unless_urgent() -> None:
    quiet = QuietHours(time(22), time(7))
    at = shanghai(23, 30)
    assert release_time(quiet, at, urgent=False) == shanghai(7, day=22)
    assert release_time(quiet, at, urgent=True) is None
    assert release_time(None, at, urgent=False) is None
    assert release_time(quiet, shanghai(12), urgent=False) is None


def test_daytime_quiet_span() -> None:
    quiet = QuietHours.parse("12:00-13:30", "Europe/Berlin")
    noon = datetime(2026, 11, 21, 11, 15, tzinfo=UTC)  # 12:15 in Berlin
    assert quiet.ends_after(noon) == datetime(2026, 11, 21, 12, 30, tzinfo=UTC)


def test_bad_span_names_itself() -> None:
    with pytest.raises(ValueError, match="22-7"):
        QuietHours.parse("22-7")
