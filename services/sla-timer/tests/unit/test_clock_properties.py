"""Property: whatever events arrive and whenever we look, nothing fires early, twice, or out of order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sla_timer.domain.clock import change_priority, fire_due, pause_clock, resume_clock, start_clock, stop_clock
from sla_timer.domain.clock_model import ClockStatus
from sla_timer.domain.clock_timeline import elapsed, upcoming
from sla_timer.domain.defaults import load_default_policy_set
from sla_timer.domain.vocabulary import ClockKind, Priority

DEFAULTS = load_default_policy_set()
CALS = DEFAULTS.calendars
TIERS = DEFAULTS.policy("plan-003-service-tiers")  # mixes the 24x7 and 9:00-21:30 calendars
T0 = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)

steps = st.lists(
    st.tuples(
        st.sampled_from(["pause", "resume", "priority", "look"]),
        st.integers(min_value=0, max_value=6 * 3600),
        st.sampled_from([Priority.P1, Priority.P2]),
    ),
    max_size=12,
)


@settings(max_examples=120, deadline=None)
@given(steps=steps, stop_after=st.integers(min_value=0, max_value=48 * 3600))
def test_firings_are_never_early_never_twice_and_in_order(steps, stop_after: int) -> None:  # type: ignore[no-untyped-def]
    target = TIERS.target_for(Priority.P2, ClockKind.FIRST_RESPONSE)
    clock = start_clock(
        None, case_id="c", kind=ClockKind.FIRST_RESPONSE, at=T0, priority=Priority.P2, policy=TIERS.name,
        target=target, calendars=CALS,
    ).clock  # fmt: skip
    now = T0
    for action, seconds, priority in steps:
        now += timedelta(seconds=seconds)
        if action == "pause":
            clock = pause_clock(clock, at=now, calendars=CALS).clock
        elif action == "resume":
            clock = resume_clock(clock, at=now, calendars=CALS).clock
        elif action == "priority":
            new = TIERS.target_for(priority, ClockKind.FIRST_RESPONSE)
            clock = change_priority(
                clock, at=now, priority=priority, policy=TIERS.name, target=new, calendars=CALS
            ).clock
        result = fire_due(clock, now=now, calendars=CALS)
        for firing in result.fired:
            assert firing.due_at <= now  # never early
        assert [f.due_at for f in result.fired] == sorted(f.due_at for f in result.fired)
        clock = result.clock
        assert clock.next_due_at is None or clock.next_due_at > now or not clock.is_open
        # what firing takes from (without calendar arithmetic) is what the calendars say is still to come
        assert clock.upcoming == upcoming(clock, CALS)
        active_items = [f.item for f in clock.firings if f.active]
        assert len(active_items) == len(set(active_items))  # never twice
    stop_at = T0 + timedelta(seconds=stop_after)
    done = stop_clock(clock, at=stop_at, reason="acknowledged", calendars=CALS, now=max(now, stop_at))
    assert done.clock.status in (ClockStatus.MET, ClockStatus.BREACHED)
    assert all(f.due_at <= done.clock.stopped_at for f in done.clock.firings if f.active)  # type: ignore[operator]
    breach_due = [f for f in done.clock.firings if f.active and f.is_breach]
    assert (done.clock.status is ClockStatus.BREACHED) == bool(breach_due)
    assert done.business_elapsed == elapsed(done.clock, done.clock.stopped_at, CALS)  # type: ignore[arg-type]
