"""Every (status, action) pair of the status machine: allowed ones land where domain.md says,
refused ones raise InvalidTransition naming the current status and the allowed actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import FailedPrecondition
from cases.domain import commands
from cases.domain.activities import Activity, ActivityKind
from cases.domain.case import Case
from cases.domain.decisions import Decision
from cases.domain.lifecycle import Action, InvalidTransition, allowed_actions
from cases.domain.vocabulary import CancelReason, ComplaintAbout, Priority, Status, Tier

S = Status
A = Action
WORKING = (S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.REOPENED)

# the specification, written out from domain.md (not derived from the code's table)
EXPECTED: dict[Action, dict[Status, Status]] = {
    A.ASSIGN: {S.NEW: S.ASSIGNED},
    A.REASSIGN: {s: s for s in WORKING},
    A.TAKE_OVER: {S.NEW: S.ASSIGNED, **{s: s for s in WORKING}},
    A.ACKNOWLEDGE: {S.ASSIGNED: S.IN_PROGRESS, S.REOPENED: S.IN_PROGRESS},
    A.CHANGE_PRIORITY: {s: s for s in (S.NEW, *WORKING, S.RESOLVED)},
    A.ESCALATE: {s: s for s in (S.NEW, *WORKING)},
    A.CONFIRM_VENDOR_ESCALATION: {s: s for s in WORKING},
    A.SET_WAITING: {S.IN_PROGRESS: S.WAITING_CUSTOMER},
    A.RESUME: {S.WAITING_CUSTOMER: S.IN_PROGRESS},
    A.RECORD_ACTIVITY: {s: s for s in (*WORKING, S.RESOLVED, S.CLOSED)},
    A.ADD_NOTE: {s: s for s in Status},
    A.CORRECT_ENTRY: {s: s for s in Status},
    A.FILE_COMPLAINT: {s: s for s in Status if s is not S.CANCELLED},
    A.RESOLVE: {S.IN_PROGRESS: S.RESOLVED},
    A.CONFIRM: {S.RESOLVED: S.CLOSED},
    A.REJECT: {S.RESOLVED: S.IN_PROGRESS},
    A.CLOSE: {S.RESOLVED: S.CLOSED},
    A.REOPEN: {S.CLOSED: S.REOPENED},
    A.CANCEL: {s: S.CANCELLED for s in (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER)},
}


def run(action: Action, case: Case, people: SimpleNamespace, at: datetime) -> Decision:
    """Run `action` with valid arguments, as the admin (who holds every role)."""
    admin = people.admin
    if action is A.ASSIGN:
        return commands.assign(case, admin, at, assignee="eng-2")
    if action is A.REASSIGN:
        return commands.reassign(case, admin, at, assignee="eng-2", reason="on leave")
    if action is A.TAKE_OVER:
        return commands.take_over(case, admin, at)
    if action is A.ACKNOWLEDGE:
        return commands.acknowledge(case, admin, at)
    if action is A.CHANGE_PRIORITY:
        return commands.change_priority(case, admin, at, priority=Priority.P1, reason="hospital down")
    if action is A.ESCALATE:
        return commands.escalate(case, admin, at, reason="needs an engineer")
    if action is A.CONFIRM_VENDOR_ESCALATION:
        return commands.confirm_vendor_escalation(
            replace(case, tier=Tier.EXPERT_PANEL), admin, at, reason="firmware bug"
        )
    if action is A.SET_WAITING:
        return commands.set_waiting_for_customer(case, admin, at, reason="need logs")
    if action is A.RESUME:
        return commands.resume(case, admin, at)
    if action is A.RECORD_ACTIVITY:
        step = Activity(ActivityKind.RMA_STEP, "board received", rma_step="received", rma_number="RMA-1")
        return commands.record_activity(replace(case, rma=True), admin, at, activity=step)
    if action is A.ADD_NOTE:
        return commands.add_note(case, admin, at, text="called the site")
    if action is A.CORRECT_ENTRY:
        from cases.domain.timeline import ChainHead, seal

        first = commands.add_note(case, admin, at, text="typo").entries
        entries, _ = seal(ChainHead.genesis(case.id), first)
        return commands.correct_entry(case, admin, at, original=entries[0], text="fixed")
    if action is A.FILE_COMPLAINT:
        return commands.file_complaint(case, admin, at, about=ComplaintAbout.FIX, text="still broken")
    if action is A.RESOLVE:
        from cases.domain.case import FaultReport

        report = FaultReport(cause="c", method="m", result="r", prevention="p")
        return commands.resolve(case, admin, at, fault_report=report)
    if action is A.CONFIRM:
        return commands.confirm(case, admin, at)
    if action is A.REJECT:
        return commands.reject(case, admin, at, reason="still no picture")
    if action is A.CLOSE:
        return commands.close(case, admin, at, reason="customer confirmed by phone")
    if action is A.REOPEN:
        return commands.reopen(case, admin, at, reason="unsatisfied")
    if action is A.CANCEL:
        return commands.cancel(case, admin, at, reason=CancelReason.NOT_OURS, text="other vendor's system")
    raise AssertionError(action)


def test_the_expected_table_covers_every_action() -> None:
    assert set(EXPECTED) == set(Action)


PAIRS = [(status, action) for status in Status for action in Action]


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s.value}-{a.value}" for s, a in PAIRS])
def test_transition(status: Status, action: Action, case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(status)
    at = case.updated_at + timedelta(minutes=5)
    target = EXPECTED[action].get(status)
    if target is None:
        with pytest.raises(InvalidTransition) as refused:
            run(action, case, people, at)
        error = refused.value
        assert isinstance(error, FailedPrecondition)
        assert f"that is {status.value}" in error.detail
        allowed = [a for a in Action if status in EXPECTED[a]]
        assert error.allowed == tuple(allowed)
        for name in allowed:
            assert name.value in error.detail
        assert error.extra["current_status"] == status.value
        assert error.extra["allowed_actions"] == [a.value for a in allowed]
    else:
        decision = run(action, case, people, at)
        assert decision.case.status is target
        assert decision.case.version == case.version + 1
        assert decision.case.updated_at == at
        assert decision.entries, "every change is on the timeline"
        assert decision.events, "every change is announced"


@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_match_the_specification(status: Status) -> None:
    assert set(allowed_actions(status)) == {a for a in Action if status in EXPECTED[a]}


def test_a_refused_transition_reads_well(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    closed = case_in(Status.CLOSED)
    with pytest.raises(InvalidTransition) as refused:
        commands.resolve(closed, people.admin, closed.updated_at, fault_report=None)  # type: ignore[arg-type]
    assert refused.value.detail.startswith("cannot resolve a case that is closed; allowed in closed: ")
    assert "reopen" in refused.value.detail
    assert refused.value.code == "invalid-transition"


def test_the_whole_happy_path_and_back(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    reopened = case_in(Status.REOPENED)
    assert reopened.reopen_count == 1
    assert reopened.closed_at is None and reopened.resolved_at is None
    assert reopened.assignee == "eng-1", "the reopened case goes back to its engineer"
    again = commands.acknowledge(reopened, people.engineer, reopened.updated_at + timedelta(minutes=1))
    assert again.case.status is Status.IN_PROGRESS
    assert again.event("acknowledged").payload["first_response"] is False
    assert again.case.acknowledged_at == reopened.acknowledged_at, "the first response time is kept"


def test_waiting_pauses_and_resume_restarts(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    assert waiting.status.clocks_paused
    resumed = commands.resume(waiting, people.engineer, waiting.updated_at + timedelta(hours=2))
    assert resumed.case.status is Status.IN_PROGRESS
    assert resumed.event("resumed").payload["status"] == "in_progress"


def test_reject_sends_the_case_back_to_work(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    resolved = case_in(Status.RESOLVED)
    rejected = commands.reject(resolved, people.customer, resolved.updated_at, reason="still black")
    assert rejected.case.status is Status.IN_PROGRESS
    assert rejected.case.resolved_at is None
    assert rejected.event("rejected").payload["reason"] == "still black"


def test_confirm_closes_and_announces_both(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    resolved = case_in(Status.RESOLVED)
    at = resolved.updated_at + timedelta(minutes=3)
    confirmed = commands.confirm(resolved, people.agent, at, comment="customer said yes on the phone")
    assert confirmed.case.closed_at == at
    assert [e.name for e in confirmed.events] == ["confirmed", "closed"]
    assert confirmed.event("confirmed").payload["on_behalf_of_customer"] is True
    assert confirmed.event("closed").payload["confirmed_by_customer"] is True
