"""Issue 10: promises of the plans a policy can now express — a response target that depends on when the case
arrives (000 §1.1.6), a workaround and a permanent-fix clock (002 §3.1.4), the time allowed to hand a problem up
a tier (000 §1.1.8) — shipped as named policies on the working-day calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.errors import InvalidArgument
from sla_timer.domain import event_plan as ev
from sla_timer.domain.case_clocks import apply_commands
from sla_timer.domain.clock_model import ClockStatus, SlaClock
from sla_timer.domain.customer_terms import CustomerTerms
from sla_timer.domain.event_plan import plan_for_event
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.policy_yaml import dump_policy_set, load_policy_set
from sla_timer.domain.vocabulary import ClockKind, Priority

from .test_case_clocks import Case

M = timedelta(minutes=1)
H = timedelta(hours=1)
K = ClockKind


def cst(day: str, clock: str) -> datetime:
    """A Beijing wall time as UTC."""
    return datetime.fromisoformat(f"{day}T{clock}+08:00").astimezone(UTC)


@pytest.mark.parametrize(
    ("arrival", "allowed"),
    [
        (cst("2026-03-09", "10:00"), 10 * M),  # a Monday within 9:00-17:30
        (cst("2026-03-09", "17:25"), 10 * M),  # still within: 10 min on the 24x7 clock, past 17:30
        (cst("2026-03-09", "18:00"), 30 * M),  # the same Monday, after hours
        (cst("2026-03-14", "10:00"), 30 * M),  # a Saturday
        (cst("2026-02-17", "10:00"), 30 * M),  # Spring Festival, a Tuesday off
        (cst("2026-02-14", "10:00"), 10 * M),  # a Saturday worked in its place (调休)
    ],
)
def test_the_response_target_depends_on_when_the_case_arrives(
    defaults: PolicySet, arrival: datetime, allowed: timedelta
) -> None:
    case = Case(defaults, "plan-000-service-hours")
    case.on(ev.CASE_CREATED, arrival, priority="P3")
    response = case.clocks[K.FIRST_RESPONSE]
    assert response.deadline == arrival + allowed
    assert response.target is not None and response.target.office_hours is None  # resolved once, at arrival


def test_a_priority_change_keeps_the_arrival_judgement(defaults: PolicySet) -> None:
    case = Case(defaults, "plan-000-service-hours")
    arrival = cst("2026-03-09", "18:00")
    case.on(ev.CASE_CREATED, arrival, priority="P3")
    case.on(ev.CASE_PRIORITY_CHANGED, cst("2026-03-09", "18:10"), priority="P2")
    assert case.clocks[K.FIRST_RESPONSE].deadline == arrival + 30 * M


def test_the_hand_up_clock_runs_only_under_a_policy_that_promises_it(defaults: PolicySet) -> None:
    plain = Case(defaults)
    plain.on(ev.CASE_CREATED, cst("2026-03-09", "10:00"), priority="P2")
    assert K.HAND_UP not in plain.clocks and K.WORKAROUND not in plain.clocks
    handed = Case(defaults, "plan-000-emergency-response")
    start = cst("2026-03-09", "10:00")
    handed.on(ev.CASE_CREATED, start, priority="P2")
    assert handed.clocks[K.HAND_UP].deadline == start + 10 * M
    handed.on(ev.CASE_ESCALATED, start + 8 * M)
    assert handed.clocks[K.HAND_UP].status is ClockStatus.MET
    late = Case(defaults, "plan-000-emergency-response")
    late.on(ev.CASE_CREATED, start, priority="P3")
    assert (K.HAND_UP, "breach") in late.fire(start + 20 * M)


def test_restore_first_then_fix_for_good(defaults: PolicySet) -> None:
    case = Case(defaults, "plan-002-restore-first")
    start = cst("2026-03-09", "10:00")
    case.on(ev.CASE_CREATED, start, priority="P1")
    assert case.clocks[K.WORKAROUND].deadline == start + 2 * H
    assert case.clocks[K.PERMANENT_FIX].deadline == start + 12 * H
    case.on(ev.CASE_WORKAROUND, start + H)
    assert case.clocks[K.WORKAROUND].status is ClockStatus.MET
    assert case.clocks[K.PERMANENT_FIX].status is ClockStatus.RUNNING
    case.on(ev.CASE_RESOLVED, start + 10 * H)
    assert case.clocks[K.PERMANENT_FIX].status is ClockStatus.MET
    # the fix is rejected: the permanent fix runs on; the workaround that held stays met
    case.on(ev.CASE_REJECTED, start + 11 * H)
    assert case.clocks[K.PERMANENT_FIX].status is ClockStatus.RUNNING
    assert case.clocks[K.WORKAROUND].status is ClockStatus.MET


def test_arrival_dependent_targets_survive_export_and_import(defaults: PolicySet) -> None:
    again = load_policy_set(dump_policy_set(defaults))
    assert again == defaults
    row = again.policy("plan-000-service-hours").targets
    assert {t.off_hours_target for kinds in row.values() for k, t in kinds.items() if k is K.FIRST_RESPONSE} == {
        30 * M
    }


def test_an_office_hours_calendar_must_exist_and_come_with_its_off_hours_target() -> None:
    document = """
calendars:
  always: {time_zone: UTC, weekly: {mon: ["00:00-24:00"]}}
policies:
  p:
    targets:
      P1:
        FIRST_RESPONSE: {target: 10m, calendar: always, office_hours_calendar: nowhere, off_hours_target: 30m}
        RESTORE: {target: 1h, calendar: always, office_hours_calendar: always}
default_policy: p
"""
    with pytest.raises(InvalidArgument) as refused:
        load_policy_set(document)
    fields = {v.field for v in refused.value.violations}
    assert fields == {
        "policies.p.targets.P1.FIRST_RESPONSE.office_hours_calendar",
        "policies.p.targets.P1.RESTORE.off_hours_target",
    }


def _terms_case(defaults: PolicySet, policy: str, terms: CustomerTerms) -> dict[ClockKind, SlaClock]:
    outcome = apply_commands(
        {}, plan_for_event(ev.CASE_CREATED, occurred_at=START, priority="P3"), case_id="case-1",
        policy=defaults.policy(policy), calendars=defaults.calendars, now=START, terms=terms,
    )  # fmt: skip
    return outcome.clocks


START = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)


def test_the_customers_severity_counts_where_the_contract_honours_it(defaults: PolicySet) -> None:
    graver = CustomerTerms(severity=Priority.P2)
    honoured = _terms_case(defaults, "plan-003-severity", graver)
    # plan 003 §3: a serious fault (P2) gets its diagnosis within 24 h; the desk's P3 promises none
    assert honoured[K.DIAGNOSIS_REPORT].priority is Priority.P2
    assert honoured[K.DIAGNOSIS_REPORT].deadline == START + 24 * H
    ignored = _terms_case(defaults, "default", graver)
    assert ignored[K.RESTORE].priority is Priority.P3
    milder = _terms_case(defaults, "plan-003-severity", CustomerTerms(severity=Priority.P4))
    assert milder[K.FIRST_RESPONSE].priority is Priority.P3  # never milder than the desk's priority


def test_the_response_time_the_customer_asked_for_counts_where_the_contract_honours_it(defaults: PolicySet) -> None:
    asked = CustomerTerms(requested_response=15 * M)
    assert _terms_case(defaults, "plan-003-severity", asked)[K.FIRST_RESPONSE].deadline == START + 15 * M
    assert _terms_case(defaults, "default", asked)[K.FIRST_RESPONSE].deadline == START + 20 * M
    longer = CustomerTerms(requested_response=2 * H)  # never longer than the contract promises
    assert _terms_case(defaults, "plan-003-severity", longer)[K.FIRST_RESPONSE].deadline == START + 30 * M
