"""What calendar arithmetic can refuse; maps to FAILED_PRECONDITION / 409 at the edge."""

from __future__ import annotations

from aftercare_platform.errors import FailedPrecondition


class CalendarHasNoWorkingTime(FailedPrecondition):
    """A deadline was asked of a calendar that never (or not within the search horizon) works."""

    code = "calendar-has-no-working-time"
