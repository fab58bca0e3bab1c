"""A clock survives the JSON round trip the repository will use."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sla_timer.adapters.clock_codec import clock_from_dict, clock_to_dict
from sla_timer.domain.clock import change_priority, fire_due, pause_clock, resume_clock, start_clock, stop_clock
from sla_timer.domain.clock_model import ClockStatus, SlaClock
from sla_timer.domain.clock_timeline import elapsed
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.vocabulary import ClockKind, Priority

T0 = datetime(2026, 3, 9, 2, 0, 0, 123456, tzinfo=UTC)
M = timedelta(minutes=1)


def test_a_clock_with_a_full_history_round_trips(defaults: PolicySet) -> None:
    policy = defaults.policy("default")
    cals = defaults.calendars

    def begin(clock: SlaClock | None, at: datetime, priority: Priority) -> SlaClock:
        target = policy.target_for(priority, ClockKind.RESTORE)
        return start_clock(
            clock, case_id="case-9", kind=ClockKind.RESTORE, at=at, priority=priority, policy="default",
            target=target, calendars=cals,
        ).clock  # fmt: skip

    clock = begin(None, T0, Priority.P1)
    clock = fire_due(clock, now=T0 + 61 * M, calendars=cals).clock
    clock = pause_clock(clock, at=T0 + 59 * M, calendars=cals, now=T0 + 62 * M).clock  # withdraws the 50 % warning
    clock = resume_clock(clock, at=T0 + 70 * M, calendars=cals).clock
    clock = change_priority(
        clock, at=T0 + 80 * M, priority=Priority.P4, policy="default", target=None, calendars=cals
    ).clock
    clock = stop_clock(clock, at=T0 + 90 * M, reason="resolved", calendars=cals).clock
    clock = begin(clock, T0 + 200 * M, Priority.P2)
    assert clock.cycle == 2 and clock.history[0].status is ClockStatus.STOPPED
    assert any(not f.active for f in clock.history[0].firings)
    data = json.loads(json.dumps(clock_to_dict(clock)))
    again = clock_from_dict(data)
    assert again == clock
    assert again.version == clock.version
    assert elapsed(again, T0 + 300 * M, cals) == 100 * M
