"""Issue 12: the original vendor's own promised answer is the vendor-response clock's deadline (elapsed time)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sla_timer.domain import event_plan as ev
from sla_timer.domain.case_clocks import apply_commands
from sla_timer.domain.clock import fire_due
from sla_timer.domain.clock_model import ClockStatus, SlaClock
from sla_timer.domain.event_plan import plan_for_event
from sla_timer.domain.explain import explain
from sla_timer.domain.policy import ClockTarget, Policy, PolicySet
from sla_timer.domain.vocabulary import ClockKind, Priority

# Friday 2026-03-13 17:00 Beijing time: a business-hours calendar would stop over the weekend
T0 = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
S = timedelta(seconds=1)
V = ClockKind.VENDOR_RESPONSE


def run(policy_set: PolicySet, policy: Policy, clocks: dict[ClockKind, SlaClock], event_type: str, at: datetime,
        **kw: object) -> dict[ClockKind, SlaClock]:
    commands = plan_for_event(event_type, occurred_at=at, priority="P2", **kw)  # type: ignore[arg-type]
    outcome = apply_commands(clocks, commands, case_id="case-1", policy=policy,
                             calendars=policy_set.calendars, now=at)
    return outcome.clocks


def breaches(policy_set: PolicySet, clock: SlaClock, now: datetime) -> tuple[SlaClock, list[str]]:
    result = fire_due(clock, now=now, calendars=policy_set.calendars)
    return result.clock, [f.label for f in result.fired if f.is_breach]


@pytest.fixture
def hours_policy(defaults: PolicySet) -> Policy:
    """A policy whose rows count working hours only (and promise nothing for the vendor)."""
    return defaults.policy("plan-003-service-tiers")


def test_the_deadline_is_the_vendors_promise_in_elapsed_time_never_early(defaults: PolicySet,
                                                                         hours_policy: Policy) -> None:
    clocks = run(defaults, hours_policy, {}, ev.VENDOR_ENGAGED, T0, promised_by=T0 + 20 * H)
    clock = clocks[V]
    assert clock.target is not None
    assert (clock.target.target, clock.target.calendar) == (20 * H, "24x7")
    assert clock.breach is None and clock.next_due is not None
    clock, fired = breaches(defaults, clock, T0 + 20 * H - S)
    assert fired == []
    clock, fired = breaches(defaults, clock, T0 + 20 * H)
    assert fired == ["breach"]
    assert clock.breach is not None and clock.breach.due_at == T0 + 20 * H


def test_an_answer_in_time_is_met_and_a_late_one_breached(defaults: PolicySet) -> None:
    policy = defaults.policy("default")
    clocks = run(defaults, policy, {}, ev.VENDOR_ENGAGED, T0, promised_by=T0 + 2 * H)
    met = run(defaults, policy, clocks, ev.VENDOR_RESPONDED, T0 + 2 * H - S)
    assert met[V].status is ClockStatus.MET
    late = run(defaults, policy, clocks, ev.VENDOR_RESPONDED, T0 + 2 * H + S)
    assert late[V].status is ClockStatus.BREACHED


def test_our_customers_silence_does_not_pause_the_vendors_promise(defaults: PolicySet) -> None:
    policy = defaults.policy("default")
    clocks = run(defaults, policy, {}, ev.CASE_CREATED, T0)
    clocks = run(defaults, policy, clocks, ev.VENDOR_ENGAGED, T0, promised_by=T0 + 2 * H)
    clocks = run(defaults, policy, clocks, ev.CASE_WAITING_FOR_CUSTOMER, T0 + H)
    assert clocks[ClockKind.RESTORE].status is ClockStatus.PAUSED
    assert clocks[V].status is ClockStatus.RUNNING
    _, fired = breaches(defaults, clocks[V], T0 + 2 * H)
    assert fired == ["breach"]


def test_a_priority_change_keeps_what_the_vendor_promised(defaults: PolicySet) -> None:
    policy = defaults.policy("default")
    clocks = run(defaults, policy, {}, ev.VENDOR_ENGAGED, T0, promised_by=T0 + 3 * H)
    commands = plan_for_event(ev.CASE_PRIORITY_CHANGED, occurred_at=T0 + H, priority="P1")
    clocks = apply_commands(clocks, commands, case_id="case-1", policy=policy, calendars=defaults.calendars,
                            now=T0 + H).clocks
    assert clocks[V].priority is Priority.P1
    assert clocks[V].target is not None and clocks[V].target.target == 3 * H


def test_warnings_take_the_policys_fractions_and_only_notify(defaults: PolicySet) -> None:
    policy = defaults.policy("default")  # first response warns at 50 % and 75 %, breach escalates
    clock = run(defaults, policy, {}, ev.VENDOR_ENGAGED, T0, promised_by=T0 + 4 * H)[V]
    assert clock.target is not None
    assert clock.target.warning_offsets() == (2 * H, 3 * H)
    assert all(a.kind.value == "notify" for w in clock.target.warnings for a in w.actions)
    assert clock.target.breach_actions == ()  # never escalates our case on the vendor's lateness
    result = fire_due(clock, now=T0 + 2 * H, calendars=defaults.calendars)
    assert [f.label for f in result.fired] == ["50%"]


def test_without_a_promise_the_policys_row_applies(defaults: PolicySet) -> None:
    base = defaults.policy("default")
    row = ClockTarget(target=6 * H, calendar="24x7")
    targets = {p: {**rows, V: row} for p, rows in base.targets.items()}
    policy = replace(base, targets=targets)
    clock = run(defaults, policy, {}, ev.VENDOR_ENGAGED, T0)[V]
    assert clock.target == row
    promised = run(defaults, policy, {}, ev.VENDOR_ENGAGED, T0, promised_by=T0 + H)[V]
    assert promised.target is not None and promised.target.target == H


def test_neither_a_promise_nor_a_policy_row_is_said_on_the_explanation(defaults: PolicySet) -> None:
    policy = defaults.policy("default")
    clock = run(defaults, policy, {}, ev.VENDOR_ENGAGED, T0)[V]
    assert clock.target is None
    why = explain(clock, now=T0 + 100 * H, calendars=defaults.calendars).why
    assert "promised no answer time" in why and "can never breach" in why
    promised = run(defaults, policy, {}, ev.VENDOR_ENGAGED, T0, promised_by=T0 + H)[V]
    said = explain(promised, now=T0, calendars=defaults.calendars).why
    assert "the original vendor's own promised answer" in said


def test_the_promise_rides_only_on_the_engagement() -> None:
    (start,) = plan_for_event(ev.VENDOR_ENGAGED, occurred_at=T0, promised_by=T0 + H)
    assert start.promised_by == T0 + H
    (stop,) = plan_for_event(ev.VENDOR_RESPONDED, occurred_at=T0, promised_by=T0 + H)
    assert stop.promised_by is None
