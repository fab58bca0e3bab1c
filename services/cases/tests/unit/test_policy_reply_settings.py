"""The reply settings of the case's own SLA policy (issue 10: per policy, announced by sla-timer) decide
what a customer's word does; until sla-timer has spoken, the service's settings do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aftercare.sla.v1 import events_pb2
from aftercare_platform.bus.consumer import PermanentError
from aftercare_platform.bus.envelope import payload_to_dict
from aftercare_platform.errors import PermissionDenied
from cases.adapters.case_codec import case_from_document, case_to_document
from cases.domain import commands
from cases.domain.actors import system_actor
from cases.domain.case import Case, CasePolicy
from cases.domain.commands import ReplyPolicy
from cases.domain.references import CaseRef
from cases.domain.vocabulary import Status, Visibility
from cases.entrypoints.consumers import sla_events

from .conftest import CasesBench, new_case_report

QUIET = CasePolicy("quiet", reply_resumes=False, reopen_window=timedelta(days=14))
THREE_DAYS = CasePolicy("three-days", reply_resumes=True, reopen_window=timedelta(days=3))
SLA_TIMER = system_actor("sla-timer")


def under(case: Case, policy: CasePolicy) -> Case:
    return commands.apply_policy(case, SLA_TIMER, case.updated_at, policy=policy).case


def test_under_a_policy_whose_replies_do_not_resume_a_customer_reply_keeps_the_case_waiting(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    waiting = under(case_in(Status.WAITING_CUSTOMER), QUIET)
    kept = commands.note(waiting, people.customer, waiting.updated_at + timedelta(hours=1), text="logs attached")
    assert kept.case.status is Status.WAITING_CUSTOMER
    assert [e.name for e in kept.events] == ["note_added"]


def test_the_cases_policy_wins_over_the_services_settings_both_ways(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    waiting = case_in(Status.WAITING_CUSTOMER)
    service_says_no = ReplyPolicy(reply_resumes=False)
    at = waiting.updated_at + timedelta(hours=1)
    # no word from sla-timer yet: the service's settings
    assert commands.note(waiting, people.customer, at, text="x", policy=service_says_no).case.status is (
        Status.WAITING_CUSTOMER)
    resuming = under(waiting, CasePolicy("default", True, timedelta(days=14)))
    assert commands.note(resuming, people.customer, at, text="x", policy=service_says_no).case.status is (
        Status.IN_PROGRESS)


def test_a_3_day_window_reopens_on_day_2_and_opens_a_linked_case_on_day_4(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    closed = under(case_in(Status.CLOSED), THREE_DAYS)
    assert closed.closed_at is not None
    day_2 = commands.note(closed, people.customer, closed.closed_at + timedelta(days=2), text="black again")
    assert day_2.case.status is Status.REOPENED and day_2.follow_up is None
    day_4 = commands.note(closed, people.customer, closed.closed_at + timedelta(days=4), text="black again")
    assert day_4.case.status is Status.CLOSED
    assert day_4.follow_up is not None and day_4.follow_up.follows_case == closed.number
    # a reopen request reads the same window
    asked = commands.customer_reopen(closed, people.customer, closed.closed_at + timedelta(days=4), reason="again")
    assert asked.case.status is Status.CLOSED and asked.follow_up is not None
    # the service's 14 days would have reopened it
    assert commands.note(replace(closed, policy=None), people.customer, closed.closed_at + timedelta(days=4),
                         text="again").case.status is Status.REOPENED


def test_the_policy_is_kept_with_an_internal_entry_and_the_same_word_again_changes_nothing(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS)
    decision = commands.apply_policy(case, SLA_TIMER, case.updated_at, policy=QUIET)
    assert decision.case.policy == QUIET and decision.case.version == case.version + 1
    assert [(e.kind, e.visibility) for e in decision.entries] == [("sla.policy_applied", Visibility.INTERNAL)]
    assert decision.entries[0].payload == {"policy": "quiet", "customer_reply_resumes": False,
                                           "reopen_window_days": 14}
    assert decision.events == ()
    again = commands.apply_policy(decision.case, SLA_TIMER, case.updated_at, policy=QUIET)
    assert again.case is decision.case and again.entries == ()
    with pytest.raises(PermissionDenied):
        commands.apply_policy(case, people.agent, case.updated_at, policy=QUIET)


def test_the_stored_case_keeps_its_policy_and_an_old_document_reads_as_none(case_in: Callable[..., Case]) -> None:
    case = under(case_in(Status.CLOSED), THREE_DAYS)
    assert case_from_document(case_to_document(case)) == case
    old = case_to_document(case)
    del old["policy"]  # stored before cases knew of policies
    assert case_from_document(old).policy is None


def policy_applied(bench: CasesBench, case_id: str, *, resumes: bool, days: int):
    message = events_pb2.SlaPolicyApplied(case_id=case_id, policy="quiet", customer_reply_resumes=resumes,
                                          reopen_window_days=days)
    return bench.bench.event("aftercare.sla.policy_applied.v1", subject=case_id, data=payload_to_dict(message),
                             source="/services/sla-timer")


async def test_the_consumer_keeps_the_announced_settings_once_however_often_delivered(
    cases: CasesBench, people: SimpleNamespace
) -> None:
    case = (await cases.handlers.create_case(people.agent, "req-p", new_case_report())).case
    subscription = sla_events(cases.handlers)
    event = policy_applied(cases, case.id, resumes=False, days=0)
    assert await cases.bench.deliver(subscription, event)
    assert not await cases.bench.deliver(subscription, event), "a redelivery is absorbed by the inbox"
    # another event with the same settings: no second entry
    assert await cases.bench.deliver(subscription, policy_applied(cases, case.id, resumes=False, days=0))
    page = await cases.reads.timeline(people.agent, CaseRef(case_id=case.id), after=0, page_size=50)
    assert [e.kind for e in page.entries if e.kind.startswith("sla.")] == ["sla.policy_applied"]
    stored = await cases.reads.get(people.agent, CaseRef(case_id=case.id))
    assert stored.policy == CasePolicy("quiet", reply_resumes=False, reopen_window=timedelta(0))
    customer_view = await cases.reads.timeline(people.customer, CaseRef(case_id=case.id), after=0, page_size=50)
    assert "sla.policy_applied" not in [e.kind for e in customer_view.entries]
    assert (await cases.reads.verify(people.agent, CaseRef(case_id=case.id))).ok


async def test_a_policy_for_an_unknown_case_is_parked(cases: CasesBench) -> None:
    with pytest.raises(PermanentError):
        await cases.bench.deliver(sla_events(cases.handlers), policy_applied(cases, "no-such", resumes=True, days=14))
