"""Return-visit calls (回访): a task for the specialist, each call's outcome, retries when unreachable."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from aftercare_platform.errors import FailedPrecondition, InvalidArgument


class ReturnVisitStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    UNREACHABLE = "unreachable"  # retries used up


# after the 1st, 2nd, 3rd unanswered call: when to call again; then the task ends unreachable
RETRY_SCHEDULE = (timedelta(hours=4), timedelta(days=1), timedelta(days=2))


@dataclass(frozen=True)
class Outcome:
    reached: bool
    satisfaction: int | None = None  # 1..5 when reached
    comments: str = ""
    follow_up: bool = False


@dataclass(frozen=True)
class ReturnVisit:
    id: str
    case_id: str
    case_number: str
    company_id: str
    engineer_id: str
    reason: str  # "repair" or "unsatisfied"
    status: ReturnVisitStatus
    due_at: datetime
    attempts: int = 0
    outcome: Outcome | None = None
    region: str = ""

    def record(self, outcome: Outcome, now: datetime) -> ReturnVisit:
        if self.status is not ReturnVisitStatus.OPEN:
            raise FailedPrecondition(f"return visit {self.id} is {self.status}")
        if outcome.reached and outcome.satisfaction is None:
            raise InvalidArgument.for_field("satisfaction", "is required when the customer was reached")
        if outcome.satisfaction is not None and not 1 <= outcome.satisfaction <= 5:
            raise InvalidArgument.for_field("satisfaction", "must be from 1 to 5")
        attempts = self.attempts + 1
        if outcome.reached:
            return replace(self, status=ReturnVisitStatus.DONE, attempts=attempts, outcome=outcome)
        if attempts > len(RETRY_SCHEDULE):
            return replace(self, status=ReturnVisitStatus.UNREACHABLE, attempts=attempts, outcome=outcome)
        return replace(self, attempts=attempts, outcome=outcome, due_at=now + RETRY_SCHEDULE[attempts - 1])
