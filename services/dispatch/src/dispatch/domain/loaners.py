"""Loaner devices (备用设备): issued when a hardware repair overruns, reminded before they are due
back, and — if the fault is still not fixed 3 months after the repair started — passed to the
customer for good (plan 000 §1.1; "The case" in the domain notes)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from dateutil.relativedelta import relativedelta

# calendar months, not 90 days: "3 months" in the plans
TRANSFER_AFTER = relativedelta(months=3)
REMIND_BEFORE_DUE = timedelta(days=2)


class LoanerStatus(StrEnum):
    ISSUED = "issued"
    RETURNED = "returned"
    TRANSFERRED = "transferred"  # passed to the customer


@dataclass(frozen=True)
class Loaner:
    id: str
    case_id: str
    serial_number: str
    device_class: int  # higher is better; at least the faulty device's class
    repair_started_at: datetime
    issued_at: datetime
    due_back: datetime
    status: LoanerStatus = LoanerStatus.ISSUED
    closed_at: datetime | None = None
    reminded_at: datetime | None = None  # the reminder goes once

    @property
    def transfer_due_at(self) -> datetime:
        due: datetime = self.repair_started_at + TRANSFER_AFTER
        return due

    @property
    def remind_at(self) -> datetime:
        return max(self.issued_at, min(self.due_back, self.transfer_due_at) - REMIND_BEFORE_DUE)


def issue_loaner(
    *,
    loaner_id: str,
    case_id: str,
    serial_number: str,
    device_class: int,
    faulty_class: int,
    repair_started_at: datetime,
    at: datetime,
    due_back: datetime | None = None,
) -> Loaner:
    if device_class < faulty_class:
        raise InvalidArgument.for_field(
            "device_class", f"a loaner must be at least the faulty device's class {faulty_class}, got {device_class}"
        )
    if at < repair_started_at:
        raise InvalidArgument.for_field("issued_at", "a loaner is issued after the repair started")
    due = due_back or repair_started_at + TRANSFER_AFTER
    if due <= at:
        raise InvalidArgument.for_field("due_back", "must be after the loaner is issued")
    return Loaner(loaner_id, case_id, serial_number, device_class, repair_started_at, at, due)


def loaner_actions(loaner: Loaner, now: datetime) -> list[str]:
    """What is due for an issued loaner at `now`: "transfer_to_customer" or "remind_due_back"."""
    if loaner.status is not LoanerStatus.ISSUED:
        return []
    if now >= loaner.transfer_due_at:
        return ["transfer_to_customer"]
    if now >= loaner.remind_at and loaner.reminded_at is None:
        return ["remind_due_back"]
    return []


def mark_reminded(loaner: Loaner, at: datetime) -> Loaner:
    return replace(loaner, reminded_at=at)


def return_loaner(loaner: Loaner, at: datetime) -> Loaner:
    if loaner.status is not LoanerStatus.ISSUED:
        raise FailedPrecondition(f"loaner {loaner.id} is already {loaner.status.value}")
    return replace(loaner, status=LoanerStatus.RETURNED, closed_at=at)


def transfer_to_customer(loaner: Loaner, at: datetime) -> Loaner:
    """After 3 months unrepaired the loaner stays with the customer: not a day earlier."""
    if loaner.status is not LoanerStatus.ISSUED:
        raise FailedPrecondition(f"loaner {loaner.id} is already {loaner.status.value}")
    if at < loaner.transfer_due_at:
        raise FailedPrecondition(
            f"loaner {loaner.id} passes to the customer only from {loaner.transfer_due_at.isoformat()}"
        )
    return replace(loaner, status=LoanerStatus.TRANSFERRED, closed_at=at)
