"""Loaners: class check, reminders, and the 3-month transfer to the customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from dispatch.domain.loaners import (
    LoanerStatus,
    issue_loaner,
    loaner_actions,
    mark_reminded,
    return_loaner,
    transfer_to_customer,
)

REPAIR = datetime(2026, 11, 30, 8, tzinfo=UTC)
ISSUED = REPAIR + timedelta(hours=6, minutes=10)


def loaner(**changes: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = dict(loaner_id="l1", case_id="c1", serial_number="SN-L1", device_class=3,
                                     faulty_class=3, repair_started_at=REPAIR, at=ISSUED)
    fields.update(changes)
    return issue_loaner(**fields)  # type: ignore[arg-type]


def test_a_loaner_is_at_least_the_faulty_devices_class() -> None:
    with pytest.raises(InvalidArgument) as error:
        loaner(device_class=2)
    assert error.value.violations[0].field == "device_class"
    assert loaner(device_class=4).device_class == 4


def test_three_calendar_months_after_the_repair_started_the_loaner_passes_to_the_customer() -> None:
    issued = loaner()
    # 30 Nov + 3 months = 28 Feb (calendar months, clipped to the month's end)
    assert issued.transfer_due_at == datetime(2027, 2, 28, 8, tzinfo=UTC)
    assert loaner_actions(issued, datetime(2027, 1, 10, tzinfo=UTC)) == []
    assert loaner_actions(issued, datetime(2027, 2, 27, tzinfo=UTC)) == ["remind_due_back"]
    assert loaner_actions(issued, datetime(2027, 2, 28, 8, tzinfo=UTC)) == ["transfer_to_customer"]
    with pytest.raises(FailedPrecondition):
        transfer_to_customer(issued, datetime(2027, 2, 28, 7, 59, tzinfo=UTC))
    passed = transfer_to_customer(issued, datetime(2027, 2, 28, 8, tzinfo=UTC))
    assert passed.status is LoanerStatus.TRANSFERRED
    assert loaner_actions(passed, datetime(2027, 3, 1, tzinfo=UTC)) == []


def test_an_earlier_due_back_date_is_reminded_two_days_before() -> None:
    issued = loaner(due_back=datetime(2026, 12, 20, tzinfo=UTC))
    assert loaner_actions(issued, datetime(2026, 12, 17, 23, tzinfo=UTC)) == []
    assert loaner_actions(issued, datetime(2026, 12, 18, tzinfo=UTC)) == ["remind_due_back"]
    reminded = mark_reminded(issued, datetime(2026, 12, 18, tzinfo=UTC))
    assert loaner_actions(reminded, datetime(2026, 12, 19, tzinfo=UTC)) == []  # once


def test_a_returned_loaner_is_not_transferred() -> None:
    returned = return_loaner(loaner(), datetime(2026, 12, 5, tzinfo=UTC))
    assert returned.status is LoanerStatus.RETURNED
    assert loaner_actions(returned, datetime(2027, 6, 1, tzinfo=UTC)) == []
    with pytest.raises(FailedPrecondition):
        transfer_to_customer(returned, datetime(2027, 6, 1, tzinfo=UTC))
