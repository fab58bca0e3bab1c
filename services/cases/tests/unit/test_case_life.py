"""The case's life as a service desk found it (issue 10): a customer's answer ends the wait, a customer
comes back within the reopen window or gets a new linked case after it, the `created` entry names the
person a channel acted for, the suggestion is kept beside an explicit priority, breaches are flagged for
the supervisor's list, a customer reads a numbering of its own, and a fault report says whose fault it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aftercare_platform.errors import InvalidArgument, PermissionDenied
from cases.domain import commands
from cases.domain.actors import Actor, Role, system_actor
from cases.domain.case import FaultReport
from cases.domain.commands import ReplyPolicy
from cases.domain.lifecycle import InvalidTransition
from cases.domain.timeline import ChainHead, seal
from cases.domain.visibility import customer_sequence
from cases.domain.vocabulary import Channel, FaultParty, Priority, Status, Visibility

from .conftest import T0, new_case_report

LATER = T0 + timedelta(hours=3)
INTAKE = system_actor("intake")


def verbs(decision) -> list[str]:
    return [e.name for e in decision.events]


def kinds(decision) -> list[str]:
    return [e.kind for e in decision.entries]


# ---- a customer's answer ends "waiting for customer" -------------------------------------------


def test_a_customer_reply_resumes_a_waiting_case_and_its_clocks(case_in, people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    decision = commands.note(waiting, people.customer, LATER, text="Here are the logs you asked for")
    assert decision.case.status is Status.IN_PROGRESS
    assert verbs(decision) == ["note_added", "resumed"]  # sla-timer resumes the clocks on `resumed`
    assert kinds(decision) == ["note_added", "resumed"]
    assert decision.entries[1].actor["subject_id"] == people.customer.subject


def test_the_reply_resumes_only_where_the_policy_says_so(case_in, people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    kept = commands.note(waiting, people.customer, LATER, text="logs", policy=ReplyPolicy(reply_resumes=False))
    assert kept.case.status is Status.WAITING_CUSTOMER and verbs(kept) == ["note_added"]


def test_a_staff_note_or_an_internal_note_leaves_the_case_waiting(case_in, people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    assert commands.note(waiting, people.engineer, LATER, text="chased them").case.status is Status.WAITING_CUSTOMER
    internal = commands.note(waiting, people.agent, LATER, text="called", visibility=Visibility.INTERNAL)
    assert internal.case.status is Status.WAITING_CUSTOMER


def test_an_email_reply_passed_on_by_intake_counts_as_the_customers(case_in, people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    contact = Actor("company-a-K1", Role.CUSTOMER, company_id="company-a", name="Li Lei")
    decision = commands.note(waiting, INTAKE, LATER, text="Re: logs attached", on_behalf=contact)
    assert decision.case.status is Status.IN_PROGRESS
    assert [e.actor["subject_id"] for e in decision.entries] == ["company-a-K1", "company-a-K1"]


def test_only_a_service_speaks_for_someone_else(case_in, people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    with pytest.raises(PermissionDenied):
        commands.note(waiting, people.agent, LATER, text="x", on_behalf=people.customer)
    with pytest.raises(InvalidArgument) as bad:
        commands.note(waiting, INTAKE, LATER, text="x", on_behalf=people.admin)
    assert bad.value.violations[0].field == "on_behalf_of.role"


def test_a_service_cannot_speak_for_a_customer_of_another_company(case_in, people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    with pytest.raises(Exception) as refused:
        commands.note(waiting, INTAKE, LATER, text="x", on_behalf=people.other_customer)
    assert type(refused.value).__name__ == "CaseNotFound"


def test_a_customer_may_resume_itself(case_in, people: SimpleNamespace) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    assert commands.resume(waiting, people.customer, LATER).case.status is Status.IN_PROGRESS


# ---- coming back after closing -----------------------------------------------------------------


def test_a_reply_on_a_closed_case_within_the_window_reopens_it_with_the_reply_as_reason(
    case_in, people: SimpleNamespace
) -> None:
    closed = case_in(Status.CLOSED)
    at = closed.closed_at + timedelta(days=13)
    decision = commands.note(closed, people.customer, at, text="The camera is black again")
    assert decision.case.status is Status.REOPENED and decision.case.reopen_count == 1
    assert verbs(decision) == ["note_added", "reopened"]
    assert decision.event("reopened").payload["reason"] == "The camera is black again"
    assert decision.follow_up is None


def test_after_the_window_a_reply_asks_for_a_new_case_linked_to_the_old(case_in, people: SimpleNamespace) -> None:
    closed = case_in(Status.CLOSED)
    at = closed.closed_at + timedelta(days=14, seconds=1)
    decision = commands.note(closed, people.customer, at, text="The camera is black again")
    assert decision.case.status is Status.CLOSED and verbs(decision) == ["note_added"]
    follow_up = decision.follow_up
    assert follow_up is not None and follow_up.follows_case == closed.number
    assert (follow_up.company_id, follow_up.priority, follow_up.on_behalf) == ("company-a", closed.priority,
                                                                               people.customer)
    assert "The camera is black again" in follow_up.description and closed.number in follow_up.description


def test_the_window_is_configurable(case_in, people: SimpleNamespace) -> None:
    closed = case_in(Status.CLOSED)
    policy = ReplyPolicy(reopen_window=timedelta(days=2))
    late = commands.note(closed, people.customer, closed.closed_at + timedelta(days=3), text="again", policy=policy)
    assert late.follow_up is not None


def test_a_customer_reopens_within_the_window_and_gets_a_follow_up_after_it(case_in, people: SimpleNamespace) -> None:
    closed = case_in(Status.CLOSED)
    inside = commands.customer_reopen(closed, people.customer, closed.closed_at + timedelta(days=1), reason="again")
    assert inside.case.status is Status.REOPENED and verbs(inside) == ["reopened"]
    after = commands.customer_reopen(closed, people.customer, closed.closed_at + timedelta(days=20), reason="again")
    assert after.case.status is Status.CLOSED and after.follow_up is not None and after.events == ()


def test_staff_reopen_any_closed_case(case_in, people: SimpleNamespace) -> None:
    closed = case_in(Status.CLOSED)
    late = closed.closed_at + timedelta(days=60)
    assert commands.customer_reopen(closed, people.agent, late, reason="survey").case.status is Status.REOPENED


def test_a_customer_still_cannot_reopen_an_open_case(case_in, people: SimpleNamespace) -> None:
    with pytest.raises(InvalidTransition):
        commands.customer_reopen(case_in(Status.IN_PROGRESS), people.customer, LATER, reason="x")


def test_the_old_case_records_its_follow_up(case_in, people: SimpleNamespace) -> None:
    closed = case_in(Status.CLOSED)
    noted = commands.follow_up_opened(closed, people.customer, LATER, number="EA-20261121-000043", reason="again")
    assert noted.case.status is Status.CLOSED and noted.case.version == closed.version + 1
    assert noted.entries[0].kind == "follow_up_opened"
    assert noted.entries[0].payload["follow_up_case_number"] == "EA-20261121-000043"


def test_a_follow_up_case_opens_linked_and_names_the_customer(people: SimpleNamespace) -> None:
    report = new_case_report(on_behalf=people.customer, follows_case="EA-20261121-000042", channel=Channel.WEB)
    opened = commands.open_case(report, case_id="case-2", number="EA-20261205-000001",
                                actor=system_actor("cases"), at=LATER)
    assert opened.case.follows_case == "EA-20261121-000042"
    assert opened.event("created").payload["follows_case_number"] == "EA-20261121-000042"
    assert opened.entries[0].actor["subject_id"] == people.customer.subject


# ---- who took the call, and the priority they chose ------------------------------------------------


def test_the_created_entry_names_the_agent_a_channel_acted_for(people: SimpleNamespace) -> None:
    agent = Actor("desk-7", Role.AGENT, name="Zhang Wei")
    report = new_case_report(on_behalf=agent, channel=Channel.HOTLINE)
    opened = commands.open_case(report, case_id="c", number="EA-20261121-000001", actor=INTAKE, at=T0)
    assert opened.entries[0].actor == {"subject_id": "desk-7", "role": "agent", "display_name": "Zhang Wei"}
    assert opened.entries[0].payload["channel"] == "hotline"
    assert opened.entries[0].payload["recorded_by"] == "service:intake"
    assert opened.event("created").payload["actor"]["subject_id"] == "desk-7"


def test_a_caller_who_is_not_a_service_acts_as_itself(people: SimpleNamespace) -> None:
    report = new_case_report(on_behalf=Actor("desk-7", Role.AGENT))
    with pytest.raises(PermissionDenied):
        commands.open_case(report, case_id="c", number="EA-20261121-000001", actor=people.agent, at=T0)


def test_an_explicit_priority_wins_and_the_suggestion_is_kept(people: SimpleNamespace) -> None:
    report = new_case_report(priority=Priority.P1, suggested_priority=Priority.P3)
    opened = commands.open_case(report, case_id="c", number="EA-20261121-000001", actor=INTAKE, at=T0)
    assert (opened.case.priority, opened.case.suggested_priority) == (Priority.P1, Priority.P3)
    assert opened.entries[0].payload["suggested_priority"] == "P3"
    same = commands.open_case(replace(report, suggested_priority=Priority.P1), case_id="c",
                              number="EA-20261121-000001", actor=INTAKE, at=T0)
    assert same.case.suggested_priority is None  # nothing to keep when the agent took the suggestion


# ---- the supervisor's lists ---------------------------------------------------------------------


def test_a_breach_flags_the_case_and_a_withdrawal_clears_it(case_in) -> None:
    case = case_in(Status.IN_PROGRESS)
    sla = system_actor("sla-timer")
    breached = commands.record_fact(case, sla, LATER, kind="sla.breached", payload={"clock_kind": "RESTORE"}).case
    assert breached.flags.sla_breached
    withdrawn = commands.record_fact(breached, sla, LATER, kind="sla.breach_withdrawn", payload={}).case
    assert not withdrawn.flags.sla_breached
    warned = commands.record_fact(case, sla, LATER, kind="sla.warning", payload={}).case
    assert not warned.flags.sla_breached


# ---- a customer's own numbering -------------------------------------------------------------------


def test_a_customer_reads_its_public_entries_numbered_without_gaps(case_in, people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    drafts = [
        commands.note(case, people.agent, LATER, text="public 1").entries[0],
        commands.note(case, people.agent, LATER, text="secret", visibility=Visibility.INTERNAL).entries[0],
        commands.note(case, people.agent, LATER, text="public 2").entries[0],
        commands.note(case, people.agent, LATER, text="secret 2", visibility=Visibility.INTERNAL).entries[0],
    ]
    entries, _ = seal(ChainHead.genesis(case.id), drafts)
    fixed, _ = seal(ChainHead(case.id, entries[-1].position, entries[-1].hash), [
        replace(commands.note(case, people.agent, LATER, text="public 2, corrected").entries[0],
                kind="correction", corrects_position=3)])
    public = [e for e in [*entries, *fixed] if e.is_public]
    seen = customer_sequence(public)
    assert [e.position for e in seen] == [1, 2, 3]
    assert seen[2].corrects_position == 2  # entry 3 is the customer's entry 2
    assert all(e.previous_hash == "" for e in seen)


# ---- whose fault, and the outage -----------------------------------------------------------------


def test_a_fault_report_records_whose_fault_and_the_outage(case_in, people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    start, restored = T0 + timedelta(minutes=30), T0 + timedelta(hours=2)
    report = FaultReport("firmware bug", "upgraded to v2.3.1", "restored", "keep firmware current",
                         fault_party=FaultParty.VENDOR, outage_started_at=start, restored_at=restored)
    resolved = commands.resolve(case, people.engineer, LATER, fault_report=report)
    payload = resolved.event("resolved").payload["fault_report"]
    assert payload["fault_party"] == "vendor"
    assert (payload["outage_started_at"], payload["restored_at"]) == (start.isoformat(timespec="microseconds"),
                                                                      restored.isoformat(timespec="microseconds"))
    assert resolved.case.fault_report.vendor_outage == (start, restored)
    customer_fault = replace(report, fault_party=FaultParty.CUSTOMER)
    assert customer_fault.vendor_outage is None


@pytest.mark.parametrize(
    ("started", "restored", "field"),
    [
        (T0, None, "fault_report.restored_at"),
        (None, T0, "fault_report.outage_started_at"),
        (T0 + timedelta(hours=1), T0, "fault_report.restored_at"),
        (T0, LATER + timedelta(days=1), "fault_report.restored_at"),
    ],
)
def test_an_outage_has_a_start_and_an_earlier_restoration(case_in, people, started, restored, field) -> None:
    case = case_in(Status.IN_PROGRESS)
    report = FaultReport("c", "m", "r", "p", fault_party=FaultParty.VENDOR, outage_started_at=started,
                         restored_at=restored)
    with pytest.raises(InvalidArgument) as bad:
        commands.resolve(case, people.engineer, LATER, fault_report=report)
    assert bad.value.violations[0].field == field
