"""Who may do what: the role table and the rules that depend on the case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import PermissionDenied
from aftercare_platform.servers.error_statuses import statuses_of
from cases.domain import commands
from cases.domain.actors import Actor, Role
from cases.domain.case import Case, FaultReport
from cases.domain.commands import NewCase
from cases.domain.lifecycle import Action
from cases.domain.permissions import Command, may
from cases.domain.visibility import CaseNotFound
from cases.domain.vocabulary import CancelReason, ComplaintAbout, Priority, Status, Visibility

A = Action
EVERYONE_ON_THE_RECORD = {A.ADD_NOTE, A.CORRECT_ENTRY}
ENGINEERING = {A.TAKE_OVER, A.ACKNOWLEDGE, A.ESCALATE, A.SET_WAITING, A.RESUME, A.RECORD_ACTIVITY, A.RESOLVE}

# from the brief and domain.md, role by role
SPEC: dict[Role, set[Action | Command]] = {
    # a customer's answer resumes a waiting case; within the reopen window it reopens a closed one
    Role.CUSTOMER: {*EVERYONE_ON_THE_RECORD, A.CONFIRM, A.REJECT, A.FILE_COMPLAINT, A.RESUME, A.REOPEN},
    Role.PARTNER: {*EVERYONE_ON_THE_RECORD, Command.OPEN, A.CONFIRM, A.REJECT, A.FILE_COMPLAINT, A.RESUME, A.REOPEN},
    Role.AGENT: {
        *EVERYONE_ON_THE_RECORD,
        Command.OPEN,
        A.ASSIGN,
        A.REASSIGN,
        A.CHANGE_PRIORITY,
        A.CLOSE,
        A.CONFIRM,
        A.REJECT,
        A.FILE_COMPLAINT,
        A.SET_WAITING,
        A.RESUME,
        A.REOPEN,
        A.CANCEL,
    },
    Role.ENGINEER: {*EVERYONE_ON_THE_RECORD, *ENGINEERING},
    Role.EXPERT: {*EVERYONE_ON_THE_RECORD, *ENGINEERING, A.CONFIRM_VENDOR_ESCALATION},
    Role.SUPERVISOR: {
        *EVERYONE_ON_THE_RECORD,
        Command.OPEN,
        A.ASSIGN,
        A.REASSIGN,
        A.CHANGE_PRIORITY,
        A.ESCALATE,
        A.FILE_COMPLAINT,
        A.CLOSE,
        A.REOPEN,
        A.CANCEL,
    },
    Role.SYSTEM: {
        *EVERYONE_ON_THE_RECORD,
        Command.OPEN,
        A.ASSIGN,
        A.REASSIGN,
        A.ESCALATE,
        A.RESUME,
        A.RECORD_ACTIVITY,
        A.REOPEN,
        A.CANCEL,
    },
    Role.ADMIN: {*Action, Command.OPEN},
}

ROLE_PAIRS = [(role, what) for role in Role for what in (*Action, Command.OPEN)]


@pytest.mark.parametrize(("role", "what"), ROLE_PAIRS, ids=[f"{r.value}-{w.value}" for r, w in ROLE_PAIRS])
def test_role_table(role: Role, what: Action | Command) -> None:
    actor = Actor("someone", role, company_id="company-a")
    assert may(actor, what) is (what in SPEC[role])


def test_a_customer_may_not_assign(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.NEW)
    with pytest.raises(PermissionDenied, match="a customer may not assign"):
        commands.assign(case, people.customer, case.updated_at, assignee="eng-1")


def test_a_customer_may_not_open_a_case(report: Callable[..., NewCase], people: SimpleNamespace, t0) -> None:
    with pytest.raises(PermissionDenied):
        commands.open_case(report(), case_id="c", number="EA-20261121-000001", actor=people.customer, at=t0)


def test_another_companys_customer_cannot_tell_the_case_exists(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.RESOLVED)
    for attempt in (
        lambda: commands.add_note(case, people.other_customer, case.updated_at, text="hello?"),
        lambda: commands.confirm(case, people.other_customer, case.updated_at),
        lambda: commands.reject(case, people.other_customer, case.updated_at, reason="no"),
        lambda: commands.file_complaint(
            case, people.other_customer, case.updated_at, about=ComplaintAbout.FIX, text="x"
        ),
    ):
        with pytest.raises(CaseNotFound) as hidden:
            attempt()
        assert hidden.value.detail == f"case {case.number} not found"
        assert statuses_of(hidden.value).grpc.name == "NOT_FOUND"


def test_a_partner_acts_within_its_key_only(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    noted = commands.add_note(case, people.partner, case.updated_at, text="our monitoring sees it too")
    assert noted.case.version == case.version + 1
    elsewhere = Actor("partner-key-2", Role.PARTNER, company_id="company-b")
    with pytest.raises(CaseNotFound):
        commands.add_note(case, elsewhere, case.updated_at, text="?")
    wrong_region = Actor("partner-key-3", Role.PARTNER, company_id="company-a", regions=frozenset({"west"}))
    with pytest.raises(CaseNotFound):
        commands.add_note(case, wrong_region, case.updated_at, text="?")


def test_a_partner_opens_cases_only_for_its_companies(
    report: Callable[..., NewCase], people: SimpleNamespace, t0
) -> None:
    opened = commands.open_case(report(), case_id="c", number="EA-20261121-000001", actor=people.partner, at=t0)
    assert opened.case.company_id == "company-a"
    with pytest.raises(PermissionDenied):
        commands.open_case(
            report(company_id="company-b"), case_id="c", number="EA-20261121-000002", actor=people.partner, at=t0
        )


def test_only_the_assignee_acknowledges_and_resolves(
    case_in: Callable[..., Case], people: SimpleNamespace, fault_report: FaultReport
) -> None:
    assigned = case_in(Status.ASSIGNED)
    with pytest.raises(PermissionDenied, match="only the assignee"):
        commands.acknowledge(assigned, people.engineer2, assigned.updated_at)
    working = case_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied, match="only the assignee"):
        commands.resolve(working, people.engineer2, working.updated_at, fault_report=fault_report)


def test_any_engineer_may_take_over_and_then_act(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    assigned = case_in(Status.ASSIGNED)
    at = assigned.updated_at + timedelta(minutes=46)
    taken = commands.take_over(assigned, people.engineer2, at, reason="45 minutes without an answer")
    assert taken.case.assignee == "eng-2"
    assert taken.case.status is Status.ASSIGNED
    event = taken.event("assigned").payload
    assert (
        event["method"] == "take_over" and event["previous_assignee_id"] == "eng-1" and event["assignee_id"] == "eng-2"
    )
    acknowledged = commands.acknowledge(taken.case, people.engineer2, at + timedelta(minutes=1))
    assert acknowledged.case.status is Status.IN_PROGRESS


def test_an_engineer_escalates_only_its_own_case(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        commands.escalate(case, people.engineer2, case.updated_at, reason="too hard")
    assert commands.escalate(case, people.engineer, case.updated_at, reason="too hard").case.tier.value == "engineer"


def test_customers_write_public_notes_only(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        commands.add_note(case, people.customer, case.updated_at, text="x", visibility=Visibility.INTERNAL)
    public = commands.add_note(case, people.customer, case.updated_at, text="it flickers at night")
    assert public.entries[0].visibility is Visibility.PUBLIC


def test_the_agent_changes_priority_the_engineer_does_not(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        commands.change_priority(case, people.engineer, case.updated_at, priority=Priority.P1, reason="x")
    changed = commands.change_priority(case, people.supervisor, case.updated_at, priority=Priority.P1, reason="ICU")
    assert changed.case.priority is Priority.P1
    payload = changed.event("priority_changed").payload
    assert payload["previous_priority"] == "P3" and payload["priority"] == "P1" and payload["reason"] == "ICU"


def test_the_engineer_may_not_cancel(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.ASSIGNED)
    with pytest.raises(PermissionDenied):
        commands.cancel(case, people.engineer, case.updated_at, reason=CancelReason.NOT_OURS, text="x")


def test_only_services_record_other_services_facts(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.ASSIGNED)
    with pytest.raises(PermissionDenied):
        commands.record_fact(case, people.engineer, case.updated_at, kind="sla.warning", payload={})
    fact = commands.record_fact(
        case,
        Actor("service:sla-timer", Role.SYSTEM),
        case.updated_at,
        kind="sla.warning",
        payload={"clock": "first_response", "elapsed_minutes": 30},
    )
    assert fact.events == () and fact.entries[0].kind == "sla.warning"
    assert fact.entries[0].visibility is Visibility.INTERNAL
