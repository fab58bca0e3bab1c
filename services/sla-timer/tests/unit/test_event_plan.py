"""Case and dispatch events map to clock commands at the event's own time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aftercare_platform.errors import InvalidArgument
from sla_timer.domain import event_plan as ev
from sla_timer.domain.commands import ClockCommand, ClockOp
from sla_timer.domain.event_plan import event_time, plan_for_event
from sla_timer.domain.vocabulary import ClockKind, Priority

AT = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
K = ClockKind


def ops(commands: list[ClockCommand]) -> list[tuple[ClockOp, ClockKind | None]]:
    return [(c.op, c.kind) for c in commands]


def test_a_new_case_starts_its_three_case_clocks() -> None:
    commands = plan_for_event(ev.CASE_CREATED, occurred_at=AT, priority="P2")
    assert ops(commands) == [
        (ClockOp.START, K.FIRST_RESPONSE),
        (ClockOp.START, K.DIAGNOSIS_REPORT),
        (ClockOp.START, K.RESTORE),
        # started only under a policy that promises them (apply_commands decides)
        (ClockOp.START, K.WORKAROUND),
        (ClockOp.START, K.PERMANENT_FIX),
        (ClockOp.START, K.HAND_UP),
    ]
    assert {c.priority for c in commands} == {Priority.P2}
    assert {c.at for c in commands} == {AT}


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        (ev.CASE_ACKNOWLEDGED, [(ClockOp.STOP, K.FIRST_RESPONSE)]),
        (ev.CASE_WAITING_FOR_CUSTOMER, [(ClockOp.PAUSE, None)]),
        (ev.CASE_RESUMED, [(ClockOp.RESUME, None)]),
        (ev.CASE_DIAGNOSIS_REPORTED, [(ClockOp.STOP, K.DIAGNOSIS_REPORT)]),
        (
            ev.CASE_RESOLVED,
            [
                (ClockOp.STOP, K.FIRST_RESPONSE),
                (ClockOp.STOP, K.RESTORE),
                (ClockOp.STOP, K.WORKAROUND),
                (ClockOp.STOP, K.PERMANENT_FIX),
                (ClockOp.END, K.DIAGNOSIS_REPORT),
                (ClockOp.END, K.ON_SITE),
                (ClockOp.END, K.LOANER),
                (ClockOp.END, K.HAND_UP),
                (ClockOp.END, K.VENDOR_RESPONSE),
            ],
        ),
        (
            ev.CASE_REOPENED,
            [
                (ClockOp.REOPEN, K.FIRST_RESPONSE),
                (ClockOp.REOPEN, K.RESTORE),
                (ClockOp.REOPEN, K.WORKAROUND),
                (ClockOp.REOPEN, K.PERMANENT_FIX),
            ],
        ),
        (ev.CASE_REJECTED, [(ClockOp.CONTINUE, K.RESTORE), (ClockOp.CONTINUE, K.WORKAROUND),
                            (ClockOp.CONTINUE, K.PERMANENT_FIX)]),
        (ev.CASE_WORKAROUND, [(ClockOp.STOP, K.WORKAROUND)]),
        (ev.CASE_ESCALATED, [(ClockOp.STOP, K.HAND_UP)]),
        (ev.CASE_CLOSED, [(ClockOp.END, None)]),
        (ev.CASE_CANCELLED, [(ClockOp.CANCEL, None)]),
        (ev.VISIT_REQUESTED, [(ClockOp.START, K.ON_SITE)]),
        (ev.VISIT_CHECKED_IN, [(ClockOp.STOP, K.ON_SITE)]),
        (ev.RMA_REPAIR_STARTED, [(ClockOp.START, K.LOANER)]),
        (ev.LOANER_DELIVERED, [(ClockOp.STOP, K.LOANER)]),
        (ev.RMA_FIXED, [(ClockOp.STOP, K.LOANER)]),
        (ev.VENDOR_ENGAGED, [(ClockOp.START, K.VENDOR_RESPONSE)]),
        (ev.VENDOR_RESPONDED, [(ClockOp.STOP, K.VENDOR_RESPONSE)]),
        ("aftercare.case.note_added.v1", []),
        ("aftercare.survey.answered.v1", []),
    ],
)
def test_each_event_type(event_type: str, expected: list[tuple[ClockOp, ClockKind | None]]) -> None:
    commands = plan_for_event(event_type, occurred_at=AT)
    assert ops(commands) == expected
    assert all(c.at == AT for c in commands)


def test_a_priority_change_applies_to_every_clock() -> None:
    (command,) = plan_for_event(ev.CASE_PRIORITY_CHANGED, occurred_at=AT, priority=Priority.P1)
    assert (command.op, command.kind, command.priority) == (ClockOp.CHANGE_PRIORITY, None, Priority.P1)


def test_a_visit_request_carries_the_priority_when_the_event_has_one() -> None:
    (command,) = plan_for_event(ev.VISIT_REQUESTED, occurred_at=AT, priority="P3")
    assert command.priority is Priority.P3
    (command,) = plan_for_event(ev.VISIT_REQUESTED, occurred_at=AT)
    assert command.priority is None


def test_bad_events_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidArgument) as missing:
        plan_for_event(ev.CASE_CREATED, occurred_at=AT)
    assert missing.value.violations[0].field == "data.priority"
    with pytest.raises(InvalidArgument) as naive:
        plan_for_event(ev.CASE_ACKNOWLEDGED, occurred_at=datetime(2026, 3, 9))
    assert naive.value.violations[0].field == "time"


def test_a_cloudevent_is_judged_by_its_own_time() -> None:
    envelope = {
        "type": ev.CASE_CREATED,
        "time": "2026-03-09T02:00:05Z",  # when it was published
        "data": {"case_id": "c1", "priority": "P1", "occurred_at": "2026-03-09T02:00:00.250Z"},
    }
    commands = plan_for_event(ev.CASE_CREATED, occurred_at=event_time(envelope), priority=envelope["data"]["priority"])
    assert commands[0].at == datetime(2026, 3, 9, 2, 0, 0, 250000, tzinfo=UTC)
    assert commands[0].priority is Priority.P1
    published_only = {"time": "2026-03-09T10:00:00+08:00", "data": {}}
    without = plan_for_event(ev.CASE_ACKNOWLEDGED, occurred_at=event_time(published_only))
    assert without[0].at == AT
    with pytest.raises(InvalidArgument):
        event_time({"type": ev.CASE_ACKNOWLEDGED, "data": {}})
