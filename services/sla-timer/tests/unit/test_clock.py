"""The SLA clock state machine: warnings then breach on time, pauses, priority changes, late events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.calendar import Calendar
from aftercare_platform.clock import FakeClock
from sla_timer.domain.clock import (
    cancel_clock,
    change_priority,
    end_clock,
    fire_due,
    pause_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from sla_timer.domain.clock_model import ClockStatus, SlaClock
from sla_timer.domain.policy import Action, ClockTarget, PolicySet, WarningRule
from sla_timer.domain.vocabulary import ClockKind, Priority, Role

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Mon 10:00 in Beijing
M = timedelta(minutes=1)
S = timedelta(seconds=1)
H = timedelta(hours=1)
RESPONSE_1H = ClockTarget(
    target=H,
    calendar="24x7",
    warnings=(
        WarningRule(after=30 * M, actions=(Action.notify(Role.ASSIGNEE),)),
        WarningRule(after=45 * M, actions=(Action.reassign(),)),
    ),
    breach_actions=(Action.notify(Role.SUPERVISOR),),
)


@pytest.fixture
def calendars(defaults: PolicySet) -> dict[str, Calendar]:
    return dict(defaults.calendars)


def start(calendars, target: ClockTarget | None = RESPONSE_1H, at: datetime = T0, priority=Priority.P2) -> SlaClock:  # type: ignore[no-untyped-def]
    return start_clock(
        None,
        case_id="case-1",
        kind=ClockKind.FIRST_RESPONSE,
        at=at,
        priority=priority,
        policy="test",
        target=target,
        calendars=calendars,
    ).clock


def labels(fired) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.label for f in fired]


# ---- warnings then breach -------------------------------------------------------------------


def test_warnings_then_breach_fire_in_order_and_never_early(calendars) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T0)
    sla = start(calendars)
    assert sla.next_due_at == T0 + 30 * M
    seen: list[tuple[str, datetime, datetime]] = []
    # step second by second around each due instant
    for minute in (29, 30, 44, 45, 59, 60, 61):
        for second in (58, 59, 60, 61):
            moment = T0 + minute * M + (second - 60) * S
            if moment < clock.now():
                continue
            clock.set(moment)
            result = fire_due(sla, now=clock.now(), calendars=calendars)
            sla = result.clock
            seen += [(f.label, f.due_at, f.fired_at) for f in result.fired]
    assert [s[0] for s in seen] == ["30m", "45m", "breach"]
    for label, due, fired in seen:
        assert fired == due, label  # fired at the first look on or after the due instant
    assert sla.next_due is None
    assert sla.breached and sla.status is ClockStatus.RUNNING


def test_a_late_look_fires_everything_due_in_order_at_once(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = start(calendars)
    assert fire_due(sla, now=T0 + 30 * M - S, calendars=calendars).fired == ()
    result = fire_due(sla, now=T0 + 2 * H, calendars=calendars)
    assert labels(result.fired) == ["30m", "45m", "breach"]
    assert [f.due_at for f in result.fired] == [T0 + 30 * M, T0 + 45 * M, T0 + H]
    assert result.fired[1].actions == (Action.reassign(),)
    assert result.fired[2].is_breach
    # never twice
    assert fire_due(result.clock, now=T0 + 3 * H, calendars=calendars).fired == ()


def test_percentage_warnings(calendars) -> None:  # type: ignore[no-untyped-def]
    target = ClockTarget(20 * M, "24x7", warnings=(WarningRule(percent=50), WarningRule(percent=75)))  # type: ignore[arg-type]
    sla = start(calendars, target)
    result = fire_due(sla, now=T0 + 15 * M, calendars=calendars)
    assert [(f.label, f.due_at) for f in result.fired] == [("50%", T0 + 10 * M), ("75%", T0 + 15 * M)]
    assert result.next_due_at == T0 + 20 * M


def test_deadlines_on_the_working_day_calendar(calendars) -> None:  # type: ignore[no-untyped-def]
    # asked on Fri 13 Feb 2026 at 17:00 Beijing; 4 h on 9:00-17:30 working days:
    # 30m Friday, 3h30 on the swapped Saturday 14 Feb -> 12:30 Sat (04:30 UTC)
    target = ClockTarget(4 * H, "workdays-cn-0900-1730", warnings=(WarningRule(percent=50),))  # type: ignore[arg-type]
    friday = datetime(2026, 2, 13, 9, 0, tzinfo=UTC)
    sla = start(calendars, target, at=friday)
    assert sla.next_due_at == datetime(2026, 2, 14, 2, 30, tzinfo=UTC)  # 2h in: Sat 10:30 Beijing
    result = fire_due(sla, now=datetime(2026, 2, 14, 4, 30, tzinfo=UTC), calendars=calendars)
    assert labels(result.fired) == ["50%", "breach"]
    assert result.fired[-1].due_at == datetime(2026, 2, 14, 4, 30, tzinfo=UTC)


# ---- stop: met, breached, late ---------------------------------------------------------------


def test_a_stop_before_the_deadline_is_met_and_reports_business_time(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = fire_due(start(calendars), now=T0 + 31 * M, calendars=calendars).clock
    done = stop_clock(sla, at=T0 + 40 * M, reason="acknowledged", calendars=calendars)
    assert done.verdict is ClockStatus.MET
    assert done.business_elapsed == 40 * M
    assert done.clock.next_due is None
    assert done.withdrawn == ()  # the 30m warning was due before the stop: it stands
    assert fire_due(done.clock, now=T0 + 2 * H, calendars=calendars).fired == ()


def test_a_stop_at_the_deadline_is_breached(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = start(calendars)
    done = stop_clock(sla, at=T0 + H, reason="acknowledged", calendars=calendars, now=T0 + H)
    assert done.verdict is ClockStatus.BREACHED
    # the breach was due and not fired yet: the stop fires it; the unsent warnings are skipped
    assert labels(done.fired) == ["breach"]
    assert [s.label for s in done.clock.skipped] == ["30m", "45m"]


def test_a_late_acknowledgement_withdraws_the_breach_already_fired(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = fire_due(start(calendars), now=T0 + H + S, calendars=calendars).clock
    assert sla.breached
    # acknowledged at 59:59, delivered after the breach fired at 60:01
    late = stop_clock(sla, at=T0 + H - S, reason="acknowledged", calendars=calendars, now=T0 + H + 2 * S)
    assert late.verdict is ClockStatus.MET
    assert late.business_elapsed == H - S
    (withdrawn,) = late.withdrawn
    assert withdrawn.is_breach
    assert withdrawn.withdrawn_at == T0 + H + 2 * S
    assert "acknowledged at 2026-03-09T02:59:59+00:00" in withdrawn.withdrawn_reason
    # recorded, not dropped
    assert [(f.label, f.active) for f in late.clock.firings] == [("30m", True), ("45m", True), ("breach", False)]
    assert late.clock.breach is None and not late.clock.breached


def test_an_acknowledgement_at_44_59_delivered_at_45_01_withdraws_the_reassignment(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = fire_due(start(calendars), now=T0 + 45 * M, calendars=calendars).clock
    late = stop_clock(sla, at=T0 + 44 * M + 59 * S, reason="acknowledged", calendars=calendars, now=T0 + 45 * M + S)
    assert late.verdict is ClockStatus.MET
    assert labels(late.withdrawn) == ["45m"]


def test_the_earliest_of_two_stops_wins_whatever_their_order(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = fire_due(start(calendars), now=T0 + 2 * H, calendars=calendars).clock
    first = stop_clock(sla, at=T0 + 90 * M, reason="resolved", calendars=calendars)
    assert first.verdict is ClockStatus.BREACHED
    earlier = stop_clock(first.clock, at=T0 + 50 * M, reason="acknowledged", calendars=calendars)
    assert earlier.verdict is ClockStatus.MET
    assert earlier.note.startswith("re-judged")
    assert earlier.business_elapsed == 50 * M
    later = stop_clock(earlier.clock, at=T0 + 50 * M, reason="acknowledged", calendars=calendars)
    assert not later.applied  # a duplicate
    # the other order gives the same verdict
    other = stop_clock(sla, at=T0 + 50 * M, reason="acknowledged", calendars=calendars).clock
    assert stop_clock(other, at=T0 + 90 * M, reason="resolved", calendars=calendars).clock.status is ClockStatus.MET


# ---- pause and resume -----------------------------------------------------------------------


def test_pause_and_resume_push_the_deadline_by_the_pause(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = start(calendars)
    paused = pause_clock(sla, at=T0 + 20 * M, calendars=calendars).clock
    assert paused.status is ClockStatus.PAUSED and paused.next_due is None
    assert fire_due(paused, now=T0 + 5 * H, calendars=calendars).fired == ()
    resumed = resume_clock(paused, at=T0 + 50 * M, calendars=calendars).clock
    # 20 min used; 30m warning 10 min after resuming, breach 40 min after
    assert resumed.next_due_at == T0 + 60 * M
    result = fire_due(resumed, now=T0 + 90 * M, calendars=calendars)
    assert [(f.label, f.due_at) for f in result.fired] == [
        ("30m", T0 + 60 * M),
        ("45m", T0 + 75 * M),
        ("breach", T0 + 90 * M),
    ]
    done = stop_clock(result.clock, at=T0 + 100 * M, reason="acknowledged", calendars=calendars)
    assert done.business_elapsed == 70 * M


def test_a_pause_over_the_festival_on_the_working_day_calendar(calendars) -> None:  # type: ignore[no-untyped-def]
    target = ClockTarget(8 * H + 30 * M, "workdays-cn-0900-1730")
    friday = datetime(2026, 2, 13, 1, 0, tzinfo=UTC)  # Fri 9:00 Beijing
    sla = start(calendars, target, at=friday)
    assert sla.next_due_at == datetime(2026, 2, 13, 9, 30, tzinfo=UTC)  # Fri 17:30
    # waiting for the customer from Fri 12:00 to Sat 14 Feb 12:00 (a swapped working day)
    paused = pause_clock(sla, at=datetime(2026, 2, 13, 4, 0, tzinfo=UTC), calendars=calendars).clock
    resumed = resume_clock(paused, at=datetime(2026, 2, 14, 4, 0, tzinfo=UTC), calendars=calendars).clock
    # 3h used; 5h30 left from Sat 12:00: 12:00-17:30 is exactly 5h30 -> Sat 17:30
    assert resumed.next_due_at == datetime(2026, 2, 14, 9, 30, tzinfo=UTC)
    # resumed at Sat 16:00 instead: 1h30 on Saturday, then 4h from Tue 24 Feb 9:00 -> 13:00
    late = resume_clock(paused, at=datetime(2026, 2, 14, 8, 0, tzinfo=UTC), calendars=calendars).clock
    assert late.next_due_at == datetime(2026, 2, 24, 5, 0, tzinfo=UTC)


def test_a_late_pause_withdraws_a_warning_and_it_fires_again_after_resume(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = fire_due(start(calendars), now=T0 + 30 * M, calendars=calendars).clock
    # waiting for the customer since 29:00, delivered after the 30m warning fired
    paused = pause_clock(sla, at=T0 + 29 * M, calendars=calendars, now=T0 + 30 * M + S)
    assert paused.applied and labels(paused.withdrawn) == ["30m"]
    resumed = resume_clock(paused.clock, at=T0 + 40 * M, calendars=calendars).clock
    # 29 min used at resume: the 30m warning comes due again 1 min later
    again = fire_due(resumed, now=T0 + 41 * M, calendars=calendars)
    assert [(f.label, f.due_at) for f in again.fired] == [("30m", T0 + 41 * M)]
    assert [f.active for f in again.clock.firings] == [False, True]


def test_stale_and_duplicate_pauses_and_resumes_are_ignored(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = start(calendars)
    paused = pause_clock(sla, at=T0 + 20 * M, calendars=calendars).clock
    assert not pause_clock(paused, at=T0 + 25 * M, calendars=calendars).applied  # already paused
    resumed = resume_clock(paused, at=T0 + 30 * M, calendars=calendars).clock
    assert not resume_clock(resumed, at=T0 + 35 * M, calendars=calendars).applied  # not paused
    stale = pause_clock(resumed, at=T0 + 25 * M, calendars=calendars)  # older than the resume at 30
    assert not stale.applied and stale.note.startswith("stale")
    assert stale.clock is resumed
    assert not resume_clock(pause_clock(resumed, at=T0 + 40 * M, calendars=calendars).clock, at=T0 + 39 * M,
                            calendars=calendars).applied  # fmt: skip


def test_a_stop_during_a_pause_and_a_stop_older_than_a_pause(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = start(calendars)
    paused = pause_clock(sla, at=T0 + 20 * M, calendars=calendars).clock
    during = stop_clock(paused, at=T0 + 3 * H, reason="acknowledged", calendars=calendars)
    assert during.verdict is ClockStatus.MET and during.business_elapsed == 20 * M
    # acknowledged at 10 min, delivered after the pause at 20 min: applied by its own time
    older = stop_clock(paused, at=T0 + 10 * M, reason="acknowledged", calendars=calendars)
    assert older.verdict is ClockStatus.MET and older.business_elapsed == 10 * M
    assert older.clock.pauses == ()


# ---- priority changes -----------------------------------------------------------------------


def test_a_priority_change_keeps_the_business_time_already_elapsed(defaults: PolicySet, calendars) -> None:  # type: ignore[no-untyped-def]
    policy = defaults.policy("default")
    p3, p1 = (
        policy.target_for(Priority.P3, ClockKind.FIRST_RESPONSE),
        policy.target_for(Priority.P1, ClockKind.FIRST_RESPONSE),
    )
    sla = start(calendars, p1, priority=Priority.P1)  # 5 min, warnings at 2m30 and 3m45
    sla = fire_due(sla, now=T0 + 2 * M + 30 * S, calendars=calendars).clock
    # downgraded to P3 (20 min) at 3:00: 3 min used, 17 left; 50 % is at 10:00, 75 % at 15:00
    changed = change_priority(
        sla, at=T0 + 3 * M, priority=Priority.P3, policy="default", target=p3, calendars=calendars
    )
    assert changed.applied and changed.withdrawn == ()
    clock = changed.clock
    assert clock.priority is Priority.P3
    # the 50 % warning already went out under P1; it is not sent a second time
    assert clock.next_due is not None and (clock.next_due.label, clock.next_due_at) == ("75%", T0 + 15 * M)
    result = fire_due(clock, now=T0 + 20 * M, calendars=calendars)
    assert [(f.label, f.due_at) for f in result.fired] == [("75%", T0 + 15 * M), ("breach", T0 + 20 * M)]


def test_an_upgrade_past_the_new_target_makes_the_breach_due_at_once(defaults: PolicySet, calendars) -> None:  # type: ignore[no-untyped-def]
    policy = defaults.policy("default")
    p3, p1 = (
        policy.target_for(Priority.P3, ClockKind.FIRST_RESPONSE),
        policy.target_for(Priority.P1, ClockKind.FIRST_RESPONSE),
    )
    sla = start(calendars, p3, priority=Priority.P3)
    # 8 min in, upgraded to P1 (5 min): its warnings are already past and skipped, the breach is due now
    changed = change_priority(
        sla, at=T0 + 8 * M, priority=Priority.P1, policy="default", target=p1, calendars=calendars
    ).clock
    assert [s.label for s in changed.skipped] == ["50%", "75%"]
    assert changed.next_due is not None and changed.next_due.is_breach and changed.next_due_at == T0 + 8 * M
    assert fire_due(changed, now=T0 + 8 * M - S, calendars=calendars).fired == ()
    assert labels(fire_due(changed, now=T0 + 8 * M, calendars=calendars).fired) == ["breach"]


def test_a_priority_change_across_calendars(defaults: PolicySet, calendars) -> None:  # type: ignore[no-untyped-def]
    tiers = defaults.policy("plan-003-service-tiers")
    p2 = tiers.target_for(Priority.P2, ClockKind.FIRST_RESPONSE)  # 4 h on 9:00-21:30 daily
    p1 = tiers.target_for(Priority.P1, ClockKind.FIRST_RESPONSE)  # 2 h round the clock
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # Sat 20:00 Beijing
    sla = start(calendars, p2, at=saturday, priority=Priority.P2)
    # 50 % (2 h) at Sun 9:30 (1h30 Sat + 30m Sun); the breach at Sun 11:30 (1h30 Sat + 2h30 Sun)
    assert sla.next_due_at == datetime(2026, 3, 8, 1, 30, tzinfo=UTC)
    assert fire_due(sla, now=datetime(2026, 3, 8, 3, 30, tzinfo=UTC), calendars=calendars).fired[-1].due_at == (
        datetime(2026, 3, 8, 3, 30, tzinfo=UTC)
    )
    # at Sat 23:00 it becomes P1: 1h30 used on the daily calendar (20:00-21:30), 30 min left round the clock
    at = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    changed = change_priority(sla, at=at, priority=Priority.P1, policy=tiers.name, target=p1, calendars=calendars).clock
    # 50 % (1 h) was reached at Sat 21:00 and 75 % (1h30) at 21:30, both before the change: skipped
    assert [s.label for s in changed.skipped] == ["50%", "75%"]
    assert changed.next_due is not None and changed.next_due.is_breach
    assert changed.next_due_at == at + 30 * M
    result = fire_due(changed, now=at + 30 * M, calendars=calendars)
    assert [(f.label, f.due_at) for f in result.fired] == [("breach", at + 30 * M)]


def test_a_priority_without_a_target_suspends_the_count(defaults: PolicySet, calendars) -> None:  # type: ignore[no-untyped-def]
    policy = defaults.policy("default")
    restore = {p: policy.target_for(p, ClockKind.RESTORE) for p in Priority}
    assert restore[Priority.P4] is None
    sla = start(calendars, restore[Priority.P1], priority=Priority.P1)  # 2 h
    to_p4 = change_priority(sla, at=T0 + H, priority=Priority.P4, policy="default", target=None, calendars=calendars)
    assert to_p4.clock.next_due is None and to_p4.clock.target is None
    to_p2 = change_priority(
        to_p4.clock,
        at=T0 + 3 * H,
        priority=Priority.P2,
        policy="default",
        target=restore[Priority.P2],
        calendars=calendars,
    ).clock
    # 1 h counted under P1, nothing under P4; P2 has 4 h: 3 h left from T0+3h
    assert [s.label for s in to_p2.skipped] == []
    assert to_p2.next_due is not None and to_p2.next_due.label == "50%" and to_p2.next_due_at == T0 + 4 * H
    done = stop_clock(to_p2, at=T0 + 5 * H, reason="resolved", calendars=calendars)
    assert done.verdict is ClockStatus.MET and done.business_elapsed == 3 * H


def test_a_late_stop_rewinds_a_later_priority_change(defaults: PolicySet, calendars) -> None:  # type: ignore[no-untyped-def]
    policy = defaults.policy("default")
    p1, p3 = (
        policy.target_for(Priority.P1, ClockKind.FIRST_RESPONSE),
        policy.target_for(Priority.P3, ClockKind.FIRST_RESPONSE),
    )
    sla = start(calendars, p3, priority=Priority.P3)
    upgraded = change_priority(
        sla, at=T0 + 8 * M, priority=Priority.P1, policy="default", target=p1, calendars=calendars
    ).clock
    fired = fire_due(upgraded, now=T0 + 8 * M, calendars=calendars).clock
    assert fired.breached
    # acknowledged at 7 min under P3 (20 min): met; the P1 breach is withdrawn
    late = stop_clock(fired, at=T0 + 7 * M, reason="acknowledged", calendars=calendars, now=T0 + 9 * M)
    assert late.verdict is ClockStatus.MET
    assert late.clock.priority is Priority.P3
    assert labels(late.withdrawn) == ["breach"]


def test_stale_and_unchanged_priority_changes_are_ignored(defaults: PolicySet, calendars) -> None:  # type: ignore[no-untyped-def]
    sla = start(calendars)
    paused = pause_clock(sla, at=T0 + 10 * M, calendars=calendars).clock
    stale = change_priority(
        paused, at=T0 + 5 * M, priority=Priority.P1, policy="test", target=RESPONSE_1H, calendars=calendars
    )
    assert not stale.applied
    same = change_priority(
        paused, at=T0 + 20 * M, priority=Priority.P2, policy="test", target=RESPONSE_1H, calendars=calendars
    )
    assert not same.applied


# ---- other endings ---------------------------------------------------------------------------


def test_end_without_verdict_and_end_after_a_breach(calendars) -> None:  # type: ignore[no-untyped-def]
    ended = end_clock(start(calendars), at=T0 + 10 * M, reason="closed", calendars=calendars)
    assert ended.verdict is ClockStatus.STOPPED
    breached = fire_due(start(calendars), now=T0 + 2 * H, calendars=calendars).clock
    assert end_clock(breached, at=T0 + 3 * H, reason="closed", calendars=calendars).verdict is ClockStatus.BREACHED


def test_cancel_withdraws_what_was_not_yet_due_and_is_never_counted(calendars) -> None:  # type: ignore[no-untyped-def]
    sla = fire_due(start(calendars), now=T0 + 31 * M, calendars=calendars).clock
    cancelled = cancel_clock(sla, at=T0 + 20 * M, reason="duplicate", calendars=calendars, now=T0 + 32 * M)
    assert cancelled.verdict is ClockStatus.CANCELLED
    assert labels(cancelled.withdrawn) == ["30m"]
    assert fire_due(cancelled.clock, now=T0 + 5 * H, calendars=calendars).fired == ()
    met = stop_clock(start(calendars), at=T0 + M, reason="acknowledged", calendars=calendars).clock
    assert cancel_clock(met, at=T0 + H, reason="duplicate", calendars=calendars).clock.status is ClockStatus.CANCELLED


def test_restart_opens_a_new_cycle_and_keeps_the_old_one(calendars) -> None:  # type: ignore[no-untyped-def]
    met = stop_clock(start(calendars), at=T0 + 40 * M, reason="resolved", calendars=calendars).clock
    kwargs = dict(case_id="case-1", kind=ClockKind.FIRST_RESPONSE, priority=Priority.P2, policy="test",
                  target=RESPONSE_1H, calendars=calendars)  # fmt: skip
    stale = start_clock(met, at=T0 + 30 * M, **kwargs)  # type: ignore[arg-type]
    assert not stale.applied
    again = start_clock(met, at=T0 + 2 * H, **kwargs)  # type: ignore[arg-type]
    assert again.note == "restarted (cycle 2)"
    clock = again.clock
    assert (clock.cycle, clock.status, clock.started_at) == (2, ClockStatus.RUNNING, T0 + 2 * H)
    assert clock.next_due_at == T0 + 2 * H + 30 * M
    assert [(c.cycle, c.status, c.business_elapsed) for c in clock.history] == [(1, ClockStatus.MET, 40 * M)]
    assert not start_clock(clock, at=T0 + 3 * H, **kwargs).applied  # type: ignore[arg-type]
