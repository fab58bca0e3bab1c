"""A rejected fix (issue 10): no first-response cycle starts, the restore clock runs on in its cycle, and the
resolution it rejected is no longer counted as a restore; compliance facts keep the priority of their time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftercare.sla.v1 import events_pb2
from google.protobuf import json_format
from sla_timer.adapters.compliance import BREACHED, fact_of
from sla_timer.adapters.sla_events import MET, MET_WITHDRAWN, CaseRef, transition_events
from sla_timer.domain import event_plan as ev
from sla_timer.domain.clock_model import ClockStatus
from sla_timer.domain.policy import PolicySet
from sla_timer.domain.vocabulary import ClockKind

from .test_case_clocks import Case

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)
K = ClockKind


def test_a_rejected_fix_starts_no_first_response_cycle(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P2")
    case.on(ev.CASE_ACKNOWLEDGED, T0 + 5 * M)
    case.on(ev.CASE_RESOLVED, T0 + H)
    rejected = case.on(ev.CASE_REJECTED, T0 + 90 * M)
    first = case.clocks[K.FIRST_RESPONSE]
    assert (first.status, first.cycle) == (ClockStatus.MET, 1)
    assert {a.kind for a in rejected.applied if a.transition.applied} == {K.RESTORE}


def test_the_restore_clock_runs_on_in_its_cycle_counting_the_time_since_the_resolution(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P2")  # restore P2: 4 h
    case.on(ev.CASE_ACKNOWLEDGED, T0 + 5 * M)
    case.on(ev.CASE_RESOLVED, T0 + H)
    assert fact_of(case.clocks[K.RESTORE], defaults.calendars) is not None  # counted as met
    case.on(ev.CASE_REJECTED, T0 + 3 * H)
    restore = case.clocks[K.RESTORE]
    assert (restore.status, restore.cycle, restore.history) == (ClockStatus.RUNNING, 1, ())
    # the outage was never restored: the breach comes 4 h after creation, not 4 h after the rejection
    assert restore.deadline == T0 + 4 * H
    # and the rejected resolution is not a restore: no verdict until the case is resolved again
    assert fact_of(restore, defaults.calendars) is None
    # the warnings that fell due while it looked resolved are not sent late
    assert [s.label for s in restore.skipped] == ["50%"]
    assert case.fire(T0 + 4 * H) == [(K.RESTORE, "75%"), (K.RESTORE, "breach")]


def test_the_met_the_rejected_resolution_announced_is_withdrawn(defaults: PolicySet) -> None:
    case = Case(defaults)
    ref = CaseRef("EA-20260309-000001", "east", "company-a")
    case.on(ev.CASE_CREATED, T0, priority="P2")
    before = dict(case.clocks)
    resolved = case.on(ev.CASE_RESOLVED, T0 + H)
    restore_met = next(a.transition for a in resolved.applied if a.kind is K.RESTORE)
    assert [t for t, _ in transition_events(before[K.RESTORE], restore_met, ref, T0 + H)] == [MET]
    met_restore = case.clocks[K.RESTORE]
    rejected = case.on(ev.CASE_REJECTED, T0 + 3 * H)
    continued = next(a.transition for a in rejected.applied if a.kind is K.RESTORE)
    events = transition_events(met_restore, continued, ref, T0 + 3 * H)
    assert [t for t, _ in events] == [MET_WITHDRAWN]
    payload = events[0][1]
    # what the proto says, field for field
    assert json_format.MessageToDict(json_format.ParseDict(payload, events_pb2.SlaMetWithdrawn())) == payload
    assert (payload["clockKind"], payload["cycle"], payload["priority"]) == ("CLOCK_KIND_RESTORE", 1, "PRIORITY_P2")
    assert (payload["stoppedTime"], payload["metReason"], payload["reason"]) == (
        "2026-03-09T03:00:00Z", "resolved", "resolution rejected")
    assert (payload["occurredAt"], payload["deadline"]) == ("2026-03-09T05:00:00Z", "2026-03-09T06:00:00Z")
    assert payload["businessElapsed"] == "3600s"


def test_a_rejection_after_a_breached_restore_withdraws_nothing(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P2")  # restore P2: 4 h
    case.fire(T0 + 5 * H)
    case.on(ev.CASE_RESOLVED, T0 + 5 * H)
    breached = case.clocks[K.RESTORE]
    rejected = case.on(ev.CASE_REJECTED, T0 + 6 * H)
    continued = next(a.transition for a in rejected.applied if a.kind is K.RESTORE)
    assert continued.applied and continued.voided is None
    assert transition_events(breached, continued, CaseRef("n", "east", "c"), T0 + 6 * H) == []


def test_a_rejection_older_than_the_resolution_is_stale(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P2")
    case.on(ev.CASE_RESOLVED, T0 + H)
    stale = case.on(ev.CASE_REJECTED, T0 + 30 * M)
    assert not any(a.transition.applied for a in stale.applied)
    assert case.clocks[K.RESTORE].status is ClockStatus.MET


def test_a_breach_counts_under_the_priority_in_force_when_it_happened(defaults: PolicySet) -> None:
    case = Case(defaults)
    case.on(ev.CASE_CREATED, T0, priority="P1")  # first response P1: 5 min
    case.fire(T0 + 6 * M)
    case.on(ev.CASE_PRIORITY_CHANGED, T0 + 20 * M, priority="P2")
    case.on(ev.CASE_ACKNOWLEDGED, T0 + 30 * M)
    fact = fact_of(case.clocks[K.FIRST_RESPONSE], defaults.calendars)
    assert fact is not None
    assert (fact["outcome"], fact["priority"], fact["target_seconds"]) == (BREACHED, "P1", 300.0)
