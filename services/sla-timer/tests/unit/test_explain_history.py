"""Issue 10: the explanation names the priority and target each cycle and breach ran under, and writes every
time in one zone (the calendar's), also for a clock the policy promises nothing for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sla_timer.domain import event_plan as ev
from sla_timer.domain.explain import explain
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.vocabulary import ClockKind

from .test_case_clocks import Case

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
M = timedelta(minutes=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_p1_breach_is_explained_as_p1_after_the_change_to_p2(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P1")  # first response P1: 5 min
    case.fire(T0 + 6 * M)
    case.on(ev.CASE_PRIORITY_CHANGED, T0 + 20 * M, priority="P2")
    case.on(ev.CASE_ACKNOWLEDGED, T0 + 30 * M)
    explained = explain(case.clocks[ClockKind.FIRST_RESPONSE], now=T0 + 40 * M, calendars=defaults.calendars)
    assert "Breached under P1 (5m first response target): the target ran out at 2026-03-09 10:05:00+08:00" in (
        explained.why
    )
    assert "Targets in force: P1 5m from 2026-03-09 10:00:00+08:00, P2 10m from 2026-03-09 10:20:00+08:00." in (
        explained.why
    )
    assert explained.breach is not None and (explained.breach.priority, explained.breach.target) == ("P1", 5 * M)
    assert [r.priority.value for r in explained.targets_in_force] == ["P1", "P2"]


def test_earlier_cycles_name_their_priority_and_target(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P1")  # restore P1: 2 h
    case.on(ev.CASE_RESOLVED, T0 + 30 * M)
    case.on(ev.CASE_CLOSED, T0 + 40 * M)
    case.on(ev.CASE_REOPENED, T0 + 60 * M, priority="P3")
    restore = case.clocks[ClockKind.RESTORE]
    assert restore.cycle == 2 and restore.history[0].revisions[-1].priority.value == "P1"
    explained = explain(restore, now=T0 + 70 * M, calendars=defaults.calendars)
    assert "Cycle 2; earlier: cycle 1 MET under P1 (2h restore target)." in explained.why


def test_every_time_of_a_case_is_written_in_one_zone(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P1")
    case.on(ev.CASE_WAITING_FOR_CUSTOMER, T0 + 1 * M)
    case.on(ev.CASE_RESOLVED, T0 + 3 * M)
    # the default policy promises no diagnosis report: that clock has no calendar of its own
    diagnosis = explain(
        case.clocks[ClockKind.DIAGNOSIS_REPORT], now=T0 + 5 * M, calendars=defaults.calendars, zone=SHANGHAI
    )
    assert "2026-03-09 10:03:00+08:00" in diagnosis.why and "+00:00" not in diagnosis.why
