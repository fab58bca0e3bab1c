"""The named errors of the SLA domain; each maps to one gRPC and one HTTP status at the edge."""

from __future__ import annotations

from aftercare_platform.calendar import CalendarHasNoWorkingTime
from aftercare_platform.errors import NotFound

# the calendar's own refusal lives with the shared calendar; named here for the domain's callers
__all__ = ["CalendarHasNoWorkingTime", "UnknownCalendar", "UnknownPolicy"]


class UnknownCalendar(NotFound):
    code = "unknown-calendar"


class UnknownPolicy(NotFound):
    code = "unknown-policy"
