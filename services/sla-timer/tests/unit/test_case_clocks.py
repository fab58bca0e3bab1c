"""A case's clocks driven end to end by its events (plan_for_event + apply_commands)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sla_timer.domain import event_plan as ev
from sla_timer.domain.case_clocks import CaseClocksOutcome, CasePriorityUnknown, apply_commands
from sla_timer.domain.clock import fire_due
from sla_timer.domain.clock_model import ClockStatus, SlaClock
from sla_timer.domain.event_plan import plan_for_event
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.vocabulary import ClockKind, Priority

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)
K = ClockKind


class Case:
    """One case's clocks, fed events the way the handler will."""

    def __init__(self, defaults: PolicySet, policy: str = "default") -> None:
        self.policy_set = defaults
        self.policy = defaults.policy(policy)
        self.clocks: dict[ClockKind, SlaClock] = {}

    def on(
        self, event_type: str, at: datetime, *, now: datetime | None = None, priority: str | None = None
    ) -> CaseClocksOutcome:
        outcome = apply_commands(
            self.clocks,
            plan_for_event(event_type, occurred_at=at, priority=priority),
            case_id="case-1",
            policy=self.policy,
            calendars=self.policy_set.calendars,
            now=now or at,
        )
        self.clocks = outcome.clocks
        return outcome

    def fire(self, now: datetime) -> list[tuple[ClockKind, str]]:
        fired = []
        for kind, clock in sorted(self.clocks.items()):
            result = fire_due(clock, now=now, calendars=self.policy_set.calendars)
            self.clocks[kind] = result.clock
            fired += [(kind, f.label) for f in result.fired]
        return fired

    def status(self) -> dict[ClockKind, ClockStatus]:
        return {k: c.status for k, c in self.clocks.items()}


@pytest.fixture
def case(defaults: PolicySet) -> Case:
    return Case(defaults)


def test_an_acknowledged_and_resolved_case(case: Case) -> None:
    created = case.on(ev.CASE_CREATED, T0, priority="P2")
    assert set(created.changed()) == {K.FIRST_RESPONSE, K.DIAGNOSIS_REPORT, K.RESTORE}
    # the default policy promises no diagnosis report: that clock runs without a deadline
    assert case.clocks[K.DIAGNOSIS_REPORT].target is None
    assert case.clocks[K.FIRST_RESPONSE].next_due_at == T0 + 5 * M  # 50 % of 10 min
    acknowledged = case.on(ev.CASE_ACKNOWLEDGED, T0 + 4 * M)
    (applied,) = acknowledged.applied
    assert applied.transition.verdict is ClockStatus.MET
    assert applied.transition.business_elapsed == 4 * M
    assert case.fire(T0 + 2 * H) == [(K.RESTORE, "50%")]  # 50 % of 4 h
    resolved = case.on(ev.CASE_RESOLVED, T0 + 3 * H)
    verdicts = {a.kind: a.transition.verdict for a in resolved.applied if a.transition.verdict}
    assert verdicts == {K.RESTORE: ClockStatus.MET, K.DIAGNOSIS_REPORT: ClockStatus.STOPPED}
    assert case.status() == {
        K.FIRST_RESPONSE: ClockStatus.MET,
        K.DIAGNOSIS_REPORT: ClockStatus.STOPPED,
        K.RESTORE: ClockStatus.MET,
    }


def test_an_unanswered_case_gets_both_reminders_then_the_breach(defaults: PolicySet) -> None:
    case = Case(defaults, "plan-001-engineer-response")
    case.on(ev.CASE_CREATED, T0, priority="P3")
    assert case.fire(T0 + 29 * M) == []
    assert case.fire(T0 + 30 * M) == [(K.FIRST_RESPONSE, "30m")]
    assert case.fire(T0 + 45 * M) == [(K.FIRST_RESPONSE, "45m")]
    assert case.fire(T0 + 59 * M) == []
    assert case.fire(T0 + 60 * M) == [(K.FIRST_RESPONSE, "breach")]
    assert case.fire(T0 + 2 * H) == []


def test_waiting_for_the_customer_pauses_every_clock(case: Case) -> None:
    case.on(ev.CASE_CREATED, T0, priority="P1")
    case.on(ev.VISIT_REQUESTED, T0 + 10 * M)
    assert case.clocks[K.ON_SITE].priority is Priority.P1  # taken from the case's other clocks
    case.on(ev.CASE_WAITING_FOR_CUSTOMER, T0 + 20 * M)
    assert set(case.status().values()) == {ClockStatus.PAUSED}
    assert case.fire(T0 + 10 * H) == [
        (K.FIRST_RESPONSE, "50%"),
        (K.FIRST_RESPONSE, "75%"),
        (K.FIRST_RESPONSE, "breach"),
    ]
    case.on(ev.CASE_RESUMED, T0 + 10 * H)
    # restore P1 2 h: 20 min used before the pause, 1h40 left
    restore = case.clocks[K.RESTORE]
    assert restore.status is ClockStatus.RUNNING
    assert case.fire(T0 + 10 * H + 100 * M)[-1] == (K.RESTORE, "breach")
    # on site P1 2 h: 10 min used before the pause
    checked_in = case.on(ev.VISIT_CHECKED_IN, T0 + 10 * H + 30 * M)
    assert checked_in.applied[0].transition.business_elapsed == 40 * M


def test_a_priority_change_reaches_every_running_clock(case: Case) -> None:
    case.on(ev.CASE_CREATED, T0, priority="P3")
    case.on(ev.CASE_ACKNOWLEDGED, T0 + 5 * M)
    changed = case.on(ev.CASE_PRIORITY_CHANGED, T0 + H, priority="P1")
    assert {a.kind for a in changed.applied if a.transition.applied} == {K.DIAGNOSIS_REPORT, K.RESTORE}
    # restore: 1 h used, P1 gives 2 h -> 1 h left
    assert case.clocks[K.RESTORE].priority is Priority.P1
    assert case.fire(T0 + 2 * H)[-1] == (K.RESTORE, "breach")


def test_reopen_restarts_the_response_and_restore_clocks(case: Case) -> None:
    case.on(ev.CASE_CREATED, T0, priority="P2")
    case.on(ev.CASE_ACKNOWLEDGED, T0 + 5 * M)
    case.on(ev.CASE_RESOLVED, T0 + 2 * H)
    case.on(ev.CASE_CLOSED, T0 + 3 * H)
    reopened = case.on(ev.CASE_REOPENED, T0 + 24 * H)
    assert {a.kind for a in reopened.applied} == {K.FIRST_RESPONSE, K.RESTORE}
    restore = case.clocks[K.RESTORE]
    assert (restore.cycle, restore.status, restore.history[0].status) == (2, ClockStatus.RUNNING, ClockStatus.MET)
    assert case.clocks[K.FIRST_RESPONSE].next_due_at == T0 + 24 * H + 5 * M
    assert case.clocks[K.DIAGNOSIS_REPORT].status is ClockStatus.STOPPED


def test_a_check_in_seen_before_the_visit_request_is_applied_when_the_request_comes(case: Case) -> None:
    case.on(ev.CASE_CREATED, T0, priority="P2")
    early = case.on(ev.VISIT_CHECKED_IN, T0 + 2 * H)
    assert case.clocks[K.ON_SITE].status is ClockStatus.NOT_STARTED
    assert early.applied[0].transition.note == "stop remembered until the clock starts"
    case.on(ev.VISIT_REQUESTED, T0 + 30 * M)
    on_site = case.clocks[K.ON_SITE]
    # P2 on site 3 h; the engineer was there 1h30 after the request
    assert on_site.status is ClockStatus.MET
    assert on_site.business_elapsed_at_stop == 90 * M


def test_an_acknowledgement_before_the_creation_event(case: Case) -> None:
    case.on(ev.CASE_ACKNOWLEDGED, T0 + 3 * M)
    case.on(ev.CASE_CREATED, T0, priority="P1")
    assert case.clocks[K.FIRST_RESPONSE].status is ClockStatus.MET
    assert case.clocks[K.RESTORE].status is ClockStatus.RUNNING
    assert case.fire(T0 + H) == [(K.RESTORE, "50%")]


def test_the_same_events_twice_have_one_effect(case: Case) -> None:
    case.on(ev.CASE_CREATED, T0, priority="P2")
    before = dict(case.clocks)
    again = case.on(ev.CASE_CREATED, T0, priority="P2")
    assert not any(a.transition.applied for a in again.applied)
    assert case.clocks == before
    case.on(ev.CASE_WAITING_FOR_CUSTOMER, T0 + M)
    paused = dict(case.clocks)
    assert not any(a.transition.applied for a in case.on(ev.CASE_WAITING_FOR_CUSTOMER, T0 + M).applied)
    assert case.clocks == paused


def test_cancel_closes_every_clock_uncounted(case: Case) -> None:
    case.on(ev.CASE_CREATED, T0, priority="P2")
    case.on(ev.CASE_CANCELLED, T0 + M)
    assert set(case.status().values()) == {ClockStatus.CANCELLED}
    assert case.fire(T0 + 10 * H) == []


def test_a_cancel_seen_before_the_creation_keeps_the_clocks_from_running(case: Case) -> None:
    cancelled = case.on(ev.CASE_CANCELLED, T0 + M)
    # every clock the policy may run (the default promises no workaround, permanent fix or hand-up)
    assert {a.kind for a in cancelled.applied} == set(ClockKind) - {K.WORKAROUND, K.PERMANENT_FIX, K.HAND_UP}
    created = case.on(ev.CASE_CREATED, T0, priority="P1")
    assert not any(a.transition.applied for a in created.applied)
    assert set(case.status().values()) == {ClockStatus.CANCELLED}
    assert case.fire(T0 + 10 * H) == []


def test_a_dispatch_event_for_a_case_never_seen_has_no_priority(case: Case) -> None:
    with pytest.raises(CasePriorityUnknown):
        case.on(ev.VISIT_REQUESTED, T0)
    assert case.on(ev.CASE_RESUMED, T0).applied == ()  # nothing to resume
    assert case.on(ev.CASE_REOPENED, T0).applied == ()  # nothing to reopen


def test_loaner_clock_follows_the_rma_events(case: Case) -> None:
    case.on(ev.CASE_CREATED, T0, priority="P3")
    case.on(ev.RMA_REPAIR_STARTED, T0 + H)
    assert case.clocks[K.LOANER].next_due_at == T0 + H + 3 * H  # 50 % of 6 h
    delivered = case.on(ev.LOANER_DELIVERED, T0 + 5 * H)
    assert delivered.applied[0].transition.verdict is ClockStatus.MET
    fixed = case.on(ev.RMA_FIXED, T0 + 8 * H)  # later: kept in case a next repair starts before it
    assert fixed.applied[0].transition.note == "already stopped; kept for a next cycle"
    assert case.clocks[K.LOANER].status is ClockStatus.MET
