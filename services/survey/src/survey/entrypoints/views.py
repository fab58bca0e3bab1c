"""What staff may ask for, and the one reading of a dimension and a period from either interface."""

from __future__ import annotations

from aftercare_platform.auth.access import require_role
from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.errors import InvalidArgument

from survey.domain.statistics import Dimension

# the desk, its supervisors and admins read the figures and make the return-visit calls
STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
STATUSES = ("open", "done", "unreachable")
# a case's survey: the staff above, and a customer for its own company's cases (reads checks which)
CASE_SURVEY_READERS = (*STAFF, Role.CUSTOMER)


def require_staff(principal: Principal) -> None:
    require_role(principal, *STAFF)


def require_case_survey_reader(principal: Principal) -> None:
    require_role(principal, *CASE_SURVEY_READERS)


def dimension_of(value: str) -> Dimension:
    try:
        return Dimension(value.strip().lower())
    except ValueError:
        allowed = ", ".join(d.value for d in Dimension)
        raise InvalidArgument.for_field("dimension", f"must be one of {allowed}") from None


def status_filter(value: str | None) -> str | None:
    if value and value not in STATUSES:
        raise InvalidArgument.for_field("status", f"must be one of {', '.join(STATUSES)}")
    return value or None
