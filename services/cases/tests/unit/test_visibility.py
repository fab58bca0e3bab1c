"""Who sees what: a customer sees its own company's cases and their public entries only."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from cases.domain import commands
from cases.domain.actors import ANY, Actor, Role
from cases.domain.case import Case
from cases.domain.decisions import EntryDraft
from cases.domain.timeline import ChainHead, seal
from cases.domain.visibility import event_for_customers, timeline_for, visible_to
from cases.domain.vocabulary import Status, Visibility


def test_who_sees_the_case(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    assert visible_to(case, people.customer)
    assert not visible_to(case, people.other_customer)
    for staff in (people.agent, people.engineer, people.expert, people.supervisor, people.admin, people.system):
        assert visible_to(case, staff)
    assert visible_to(case, people.partner)
    assert not visible_to(case, Actor("k", Role.PARTNER, company_id="company-b"))
    assert visible_to(case, Actor("k", Role.PARTNER, companies=frozenset({"company-a"})))
    assert visible_to(case, Actor("k", Role.PARTNER, companies=frozenset({ANY})))
    assert not visible_to(case, Actor("k", Role.PARTNER))
    assert not visible_to(case, Actor("k", Role.PARTNER, company_id="company-a", regions=frozenset({"west"})))
    assert visible_to(case, Actor("k", Role.PARTNER, company_id="company-a", regions=frozenset({"east"})))


def test_an_unidentified_callers_case_is_staff_only(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.NEW, company_id=None, unidentified=True)
    assert not visible_to(case, people.customer)
    assert not visible_to(case, Actor("k", Role.PARTNER, companies=frozenset({ANY})))
    assert visible_to(case, people.agent)


def test_customers_never_see_internal_entries(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    case = case_in(Status.IN_PROGRESS)
    drafts: list[EntryDraft] = []
    decision = commands.add_note(
        case, people.engineer, case.updated_at, text="customer's admin is difficult", visibility=Visibility.INTERNAL
    )
    drafts += decision.entries
    decision = commands.add_note(decision.case, people.engineer, case.updated_at, text="we are on it")
    drafts += decision.entries
    decision = commands.add_note(decision.case, people.customer, case.updated_at, text="thanks")
    drafts += decision.entries
    entries, _ = seal(ChainHead.genesis(case.id), drafts)

    mine = timeline_for(people.customer, entries)
    assert [e.payload["text"] for e in mine] == ["we are on it", "thanks"]
    assert [e.payload["text"] for e in timeline_for(people.partner, entries)] == ["we are on it", "thanks"]
    assert len(timeline_for(people.agent, entries)) == 3
    assert len(timeline_for(people.engineer, entries)) == 3


def test_an_internal_note_event_is_flagged_and_carries_no_text(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS)
    internal = commands.add_note(case, people.engineer, case.updated_at, text="secret", visibility=Visibility.INTERNAL)
    event = internal.event("note_added")
    assert event.payload["internal"] is True and event.payload["visibility"] == "internal"
    assert event.payload["text"] is None
    assert "secret" not in repr(event.payload)
    assert not event_for_customers(event)

    public = commands.add_note(case, people.engineer, case.updated_at, text="on site at 3pm")
    event = public.event("note_added")
    assert event.payload["internal"] is False and event.payload["text"] == "on site at 3pm"
    assert event_for_customers(event)


def test_internal_activities_stay_internal(case_in: Callable[..., Case], people: SimpleNamespace) -> None:
    from cases.domain.activities import Activity, ActivityKind

    case = case_in(Status.IN_PROGRESS)
    call = Activity(ActivityKind.PHONE_CALL, "called the vendor hotline", visibility=Visibility.INTERNAL)
    decision = commands.record_activity(case, people.engineer, case.updated_at, activity=call)
    assert decision.entries[0].visibility is Visibility.INTERNAL
    assert not decision.event("activity_recorded").customer_visible


def test_regional_staff_see_their_regions_only_and_customers_ignore_regions(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    case = case_in(Status.IN_PROGRESS)  # in east
    assert visible_to(case, Actor("a", Role.AGENT, regions=frozenset({"east", "west"})))
    assert not visible_to(case, Actor("a", Role.AGENT, regions=frozenset({"west"})))
    assert not visible_to(case, Actor("e", Role.ENGINEER, regions=frozenset({"south"})))
    assert visible_to(case, Actor("s", Role.SUPERVISOR, regions=frozenset({ANY})))
    assert visible_to(case, Actor("c", Role.CUSTOMER, company_id="company-a", regions=frozenset({"west"})))


def test_a_partner_follows_the_case_it_reported_while_its_company_is_unknown(
    case_in: Callable[..., Case], people: SimpleNamespace
) -> None:
    from dataclasses import replace

    case = replace(case_in(Status.NEW, company_id=None, unidentified=True), reported_by="nms")
    assert visible_to(case, Actor("nms", Role.PARTNER, companies=frozenset({"company-x"})))
    assert not visible_to(case, Actor("itsm", Role.PARTNER, companies=frozenset({ANY})))
    assert not visible_to(case, Actor("nms", Role.PARTNER, regions=frozenset({"west"})))
    assert not visible_to(case, people.customer)
