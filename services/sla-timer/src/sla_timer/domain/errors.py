"""The named errors of the SLA domain; each maps to one gRPC and one HTTP status at the edge."""

from __future__ import annotations

from aftercare_platform.errors import FailedPrecondition, NotFound


class CalendarHasNoWorkingTime(FailedPrecondition):
    """A deadline was asked of a calendar that never (or not within the search horizon) works."""

    code = "calendar-has-no-working-time"


class UnknownCalendar(NotFound):
    code = "unknown-calendar"


class UnknownPolicy(NotFound):
    code = "unknown-policy"
