"""Loaners over time (a FakeClock): a reminder before it is due, then — 3 calendar months after the
repair started, the fault not fixed — the loaner passes to the customer: an event, the record and a
note on the case's timeline, each once however often the sweep runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftercare_platform.auth.principal import Principal, Role
from aftercare_platform.clock import FakeClock
from aftercare_platform.db.unit_of_work import Database
from dispatch.domain.loaners import LoanerStatus
from dispatch.loaner_handlers import LoanerHandlers

from .test_decisions_once import RecordingCases, _outbox, clock, database  # noqa: F401  (fixtures)

RMA_ADMIN = Principal("rma-1", Role.ENGINEER)
REPAIR_STARTED = datetime(2026, 11, 30, 8, tzinfo=UTC)


async def test_an_unrepaired_loaner_passes_to_the_customer_after_three_months(
    database: Database, clock: FakeClock  # noqa: F811
) -> None:
    cases = RecordingCases()
    loaners = LoanerHandlers(database, cases)
    clock.advance(timedelta(hours=6, minutes=5))  # the loaner clock ran out: a loaner goes out
    loaner = await loaners.issue(RMA_ADMIN, case_id="case-9", serial_number="NVR-L-7", device_class=3,
                                 faulty_class=3, repair_started_at=REPAIR_STARTED, due_back=None)
    assert loaner.transfer_due_at == datetime(2027, 2, 28, 8, tzinfo=UTC)
    assert cases.calls == [("loaner_issued", "NVR-L-7", f"loaner/{loaner.id}/issued")]
    assert await _outbox(database, "aftercare.loaner.delivered.v1") == 1

    assert await loaners.sweep() == 0  # nothing due yet
    clock.advance(datetime(2027, 2, 26, 9, tzinfo=UTC) - clock.now())
    assert await loaners.sweep() == 1  # two days before: the reminder
    assert await loaners.sweep() == 0
    assert await _outbox(database, "aftercare.loaner.due_soon.v1") == 1

    clock.advance(datetime(2027, 2, 28, 8, tzinfo=UTC) - clock.now())
    assert await loaners.sweep() == 1
    assert await loaners.sweep() == 0
    passed = await loaners.get(RMA_ADMIN, loaner.id)
    assert passed.status is LoanerStatus.TRANSFERRED and passed.closed_at == clock.now()
    assert await _outbox(database, "aftercare.loaner.transferred.v1") == 1
    notes = [c for c in cases.calls if c[0] == "note"]
    assert len(notes) == 1 and "passes to the customer" in notes[0][1]


async def test_a_returned_loaner_is_neither_reminded_nor_transferred(
    database: Database, clock: FakeClock  # noqa: F811
) -> None:
    cases = RecordingCases()
    loaners = LoanerHandlers(database, cases)
    clock.advance(timedelta(hours=7))
    loaner = await loaners.issue(RMA_ADMIN, case_id="case-10", serial_number="CAM-L-1", device_class=2,
                                 faulty_class=1, repair_started_at=REPAIR_STARTED, due_back=None)
    clock.advance(timedelta(days=3))
    back = await loaners.give_back(RMA_ADMIN, loaner.id)
    assert back.status is LoanerStatus.RETURNED
    clock.advance(timedelta(days=120))
    assert await loaners.sweep() == 0
    assert await _outbox(database, "aftercare.loaner.returned.v1") == 1
    assert await _outbox(database, "aftercare.loaner.transferred.v1") == 0
