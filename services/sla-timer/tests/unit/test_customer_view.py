"""Issue 10: a customer sees the promised target, the deadline and met/breached per clock; never the internal
warnings, the breach actions or who was alerted (docs/customers-and-slas.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sla_timer.domain import event_plan as ev
from sla_timer.domain.clock_model import ClockStatus
from sla_timer.domain.customer_view import for_customer
from sla_timer.domain.explain import explain
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.vocabulary import ClockKind

from .test_case_clocks import Case

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def test_a_customer_sees_the_promise_and_the_verdict_not_the_warnings(defaults: PolicySet) -> None:
    case = Case(defaults, "plan-001-engineer-response")  # 1 h; reminders at 30 and 45 min, reassign at 45
    case.on(ev.CASE_CREATED, T0, priority="P2")
    case.fire(T0 + 50 * M)
    staff = explain(case.clocks[ClockKind.FIRST_RESPONSE], now=T0 + 50 * M, calendars=defaults.calendars)
    assert [w.state for w in staff.warnings] == ["fired", "fired"] and "Next: breach" in staff.why
    seen = for_customer(staff, ZoneInfo("Asia/Shanghai"))
    assert seen.warnings == () and seen.withdrawn == ()
    assert seen.deadline == T0 + 60 * M and seen.target == 60 * M and seen.status is ClockStatus.RUNNING
    assert seen.next_due is not None and seen.next_due.is_breach  # the deadline, not the next reminder
    assert seen.why == (
        "P2 first response: 1h of business time on calendar '24x7' (Asia/Shanghai). "
        "Deadline 2026-03-09 11:00:00+08:00. Status: running."
    )
    for word in ("warning", "30m", "45m", "reassign", "assignee", "desk", "supervisor"):
        assert word not in seen.why


def test_earlier_cycles_keep_their_breach_but_not_their_warnings(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P1")  # restore P1: 2 h, warnings at 50 and 75 %
    case.fire(T0 + 3 * 60 * M)
    case.on(ev.CASE_RESOLVED, T0 + 3 * 60 * M)
    case.on(ev.CASE_CLOSED, T0 + 4 * 60 * M)
    case.on(ev.CASE_REOPENED, T0 + 5 * 60 * M)
    staff = explain(case.clocks[ClockKind.RESTORE], now=T0 + 5 * 60 * M, calendars=defaults.calendars)
    assert [f.label for f in staff.previous_cycles[0].firings] == ["50%", "75%", "breach"]
    seen = for_customer(staff, None)
    assert [f.label for f in seen.previous_cycles[0].firings] == ["breach"]
