"""explain(): the data GetCaseSla shows for a clock, and the sentence saying why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sla_timer.domain.clock import fire_due, pause_clock, resume_clock, start_clock, stop_clock
from sla_timer.domain.clock_model import ClockStatus
from sla_timer.domain.explain import explain
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.vocabulary import ClockKind, Priority

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Mon 10:00 Beijing
M = timedelta(minutes=1)
H = timedelta(hours=1)


def started(defaults: PolicySet, policy: str = "plan-001-engineer-response"):  # type: ignore[no-untyped-def]
    target = defaults.policy(policy).target_for(Priority.P2, ClockKind.FIRST_RESPONSE)
    return start_clock(
        None,
        case_id="case-1",
        kind=ClockKind.FIRST_RESPONSE,
        at=T0,
        priority=Priority.P2,
        policy=policy,
        target=target,
        calendars=defaults.calendars,
    ).clock


def test_a_running_clock(defaults: PolicySet) -> None:
    clock = fire_due(started(defaults), now=T0 + 31 * M, calendars=defaults.calendars).clock
    report = explain(clock, now=T0 + 40 * M, calendars=defaults.calendars)
    assert (report.status, report.target, report.calendar, report.time_zone) == (
        ClockStatus.RUNNING,
        H,
        "24x7",
        "Asia/Shanghai",
    )
    assert report.business_elapsed == 40 * M and report.remaining == 20 * M
    assert report.deadline == T0 + H
    assert report.next_due is not None and report.next_due.label == "45m"
    assert [(w.label, w.state) for w in report.warnings] == [("30m", "fired"), ("45m", "pending")]
    assert report.breach is not None and report.breach.state == "pending"
    assert report.why == (
        "P2 first response under policy 'plan-001-engineer-response': 1h of business time on calendar '24x7' "
        "(Asia/Shanghai); 40m used. Running since 2026-03-09 10:00:00+08:00, 20m left. "
        "Next: 45m at 2026-03-09 10:45:00+08:00."
    )


def test_a_paused_clock_shows_its_pauses(defaults: PolicySet) -> None:
    clock = started(defaults)
    clock = pause_clock(clock, at=T0 + 10 * M, calendars=defaults.calendars).clock
    clock = resume_clock(clock, at=T0 + 20 * M, calendars=defaults.calendars).clock
    clock = pause_clock(clock, at=T0 + 25 * M, calendars=defaults.calendars).clock
    report = explain(clock, now=T0 + 2 * H, calendars=defaults.calendars)
    assert report.business_elapsed == 15 * M
    assert [(p.start, p.end) for p in report.pauses] == [(T0 + 10 * M, T0 + 20 * M), (T0 + 25 * M, None)]
    assert report.deadline is None and report.next_due is None
    assert "Paused since 2026-03-09 10:25:00+08:00 (waiting_for_customer)" in report.why
    assert "Paused 1 time(s) before, 10m in all." in report.why


def test_a_met_clock_with_a_withdrawn_breach(defaults: PolicySet) -> None:
    clock = fire_due(started(defaults), now=T0 + H, calendars=defaults.calendars).clock
    late = stop_clock(clock, at=T0 + 59 * M, reason="acknowledged", calendars=defaults.calendars, now=T0 + H + M)
    report = explain(late.clock, now=T0 + 2 * H, calendars=defaults.calendars)
    assert report.status is ClockStatus.MET
    assert report.business_elapsed == 59 * M
    assert [f.label for f in report.withdrawn] == ["breach"]
    assert report.breach is not None and report.breach.state == "unreachable"
    assert "Met: stopped at 2026-03-09 10:59:00+08:00 (acknowledged) before the deadline." in report.why
    assert "The breach fired at 2026-03-09 11:00:00+08:00 was withdrawn: acknowledged at" in report.why


def test_a_breached_clock(defaults: PolicySet) -> None:
    clock = fire_due(started(defaults), now=T0 + 2 * H, calendars=defaults.calendars).clock
    report = explain(clock, now=T0 + 2 * H, calendars=defaults.calendars)
    assert report.breach is not None and (report.breach.state, report.breach.due_at) == ("fired", T0 + H)
    assert "Breached under P2 (1h first response target) at 2026-03-09 11:00:00+08:00; still counting." in report.why
    done = stop_clock(clock, at=T0 + 3 * H, reason="acknowledged", calendars=defaults.calendars)
    closed = explain(done.clock, now=T0 + 4 * H, calendars=defaults.calendars)
    assert closed.status is ClockStatus.BREACHED and closed.business_elapsed == 3 * H
    assert "Breached under P2 (1h first response target): the target ran out at 2026-03-09 11:00:00+08:00" in closed.why


def test_a_clock_without_a_target(defaults: PolicySet) -> None:
    clock = start_clock(
        None,
        case_id="case-1",
        kind=ClockKind.RESTORE,
        at=T0,
        priority=Priority.P4,
        policy="default",
        target=None,
        calendars=defaults.calendars,
    ).clock
    report = explain(clock, now=T0 + H, calendars=defaults.calendars)
    assert report.target is None and report.deadline is None
    assert report.why.startswith("Policy 'default' promises no restore time at P4")


def test_placeholders_explain_themselves(defaults: PolicySet) -> None:
    from sla_timer.domain.clock import cancelled_before_start, not_started

    waiting = not_started("case-1", ClockKind.ON_SITE, at=T0, reason="engineer checked in on site")
    assert "has not started" in explain(waiting, now=T0, calendars=defaults.calendars).why
    tomb = cancelled_before_start("case-1", ClockKind.RESTORE, at=T0, reason="cancelled")
    assert (
        "cancelled (cancelled) before the restore clock started"
        in explain(tomb, now=T0, calendars=defaults.calendars).why
    )
