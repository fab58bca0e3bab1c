"""Choices a person makes go through routing's rules; teams feed routing; the original vendor's promise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aftercare_platform.errors import FailedPrecondition, InvalidArgument
from dispatch.domain.people import Team, field_team, panel_members, with_team_accounts
from dispatch.domain.routing import CaseToRoute, DutyView, Load, Workload, check_named, route
from dispatch.domain.vendor import engage, respond, vendor_contact
from dispatch.domain.vocabulary import EngineerTier, TeamKind

from .conftest import engineer

NOW = datetime(2026, 12, 3, 2, tzinfo=UTC)
CASE = CaseToRoute("c1", "east", company_id="acme", manufacturer="Hikvision")


def test_a_take_over_by_an_engineer_at_capacity_is_refused_with_the_rule() -> None:
    staff = [engineer("full", capacity=2), engineer("free")]
    load = Workload({"full": Load(open_cases=2)})
    refused = check_named(CASE, "full", staff, DutyView(frozenset()), load, NOW, rule="take-over")
    assert refused.chosen is None
    assert refused.rule == "refused"
    assert "capacity: 2 open cases, capacity 2" in refused.summary


def test_a_take_over_off_duty_is_allowed_and_the_explanation_notes_it() -> None:
    decision = check_named(CASE, "free", [engineer("free")], DutyView(frozenset()), Workload(), NOW, rule="take-over")
    assert decision.chosen == "free"
    assert decision.rule == "take-over"
    assert decision.candidates[0].failed == ("on_duty: not on duty now",)
    assert "noted: on_duty" in decision.summary


def test_a_supervisor_cannot_replace_the_assignee_with_the_assignee_or_a_stranger() -> None:
    staff = [engineer("a"), engineer("north", regions=("north",))]
    case = CaseToRoute("c1", "east", exclude=frozenset({"a"}))
    assert check_named(case, "a", staff, DutyView(frozenset({"a"})), Workload(), NOW, rule="s").chosen is None
    assert check_named(case, "north", staff, DutyView(frozenset()), Workload(), NOW, rule="s").chosen is None
    unknown = check_named(case, "ghost", staff, DutyView(frozenset()), Workload(), NOW, rule="s")
    assert unknown.chosen is None and unknown.candidates[0].failed == ("known: no such engineer",)


def test_a_key_account_team_member_is_chosen_first() -> None:
    staff = [engineer("a"), engineer("b")]
    load = Workload({"a": Load(open_cases=0), "b": Load(open_cases=3)})
    teams = [Team("acme-team", "Acme", TeamKind.KEY_ACCOUNT, company_id="acme", members=("b",))]
    decision = route(CASE, with_team_accounts(staff, teams), DutyView(frozenset({"a", "b"})), load, NOW)
    assert decision.chosen == "b"
    assert decision.rule == "key account"
    assert route(CASE, staff, DutyView(frozenset({"a", "b"})), load, NOW).chosen == "a"


def test_the_expert_panel_names_the_experts_routing_chooses_from() -> None:
    staff = [engineer("x1", tier=EngineerTier.EXPERT), engineer("x2", tier=EngineerTier.EXPERT), engineer("d")]
    assert {e.id for e in panel_members(staff, [])} == {"x1", "x2"}
    panel = [Team("panel", "Experts", TeamKind.EXPERT_PANEL, members=("x2", "d"))]
    assert [e.id for e in panel_members(staff, panel)] == ["x2"]


def test_the_vendor_contact_comes_from_the_manufacturers_vendor_team() -> None:
    staff = [engineer("hik-1", tier=EngineerTier.VENDOR_CONTACT), engineer("dahua-1", tier=EngineerTier.VENDOR_CONTACT),
             engineer("duty")]
    teams = [Team("hik", "Hikvision", TeamKind.VENDOR, manufacturer="Hikvision", members=("hik-1",)),
             Team("dahua", "Dahua", TeamKind.VENDOR, manufacturer="Dahua", members=("dahua-1",))]
    assert vendor_contact("hikvision", staff, teams).id == "hik-1"
    assert vendor_contact("Hikvision", staff, teams, named="dahua-1").id == "dahua-1"
    with pytest.raises(InvalidArgument) as named_wrong:
        vendor_contact("Hikvision", staff, teams, named="duty")
    assert str(named_wrong.value).startswith("vendor_contact_id:")
    with pytest.raises(FailedPrecondition):
        vendor_contact("Axis", staff, teams)


def test_a_vendor_answering_after_its_promise_is_late() -> None:
    contact = engineer("hik-1", tier=EngineerTier.VENDOR_CONTACT)
    engaged = engage(case_id="c1", manufacturer="Hikvision", contact=contact, ticket=" HK-778 ",
                     promised_response=timedelta(hours=4), at=NOW)
    assert engaged.ticket == "HK-778" and engaged.promised_at == NOW + timedelta(hours=4)
    assert not engaged.late(NOW + timedelta(hours=3))
    assert engaged.late(NOW + timedelta(hours=5))
    on_time = respond(engaged, "replace the board", NOW + timedelta(hours=2))
    assert not on_time.late(NOW + timedelta(days=2))
    assert respond(engaged, "firmware bug", NOW + timedelta(hours=6)).late(NOW + timedelta(hours=6))
    with pytest.raises(FailedPrecondition):
        respond(on_time, "again", NOW + timedelta(hours=3))


@pytest.mark.parametrize(("ticket", "promise", "field"), [
    ("", timedelta(hours=1), "vendor_ticket"),
    ("T-1", timedelta(0), "promised_response"),
    ("T-1", timedelta(days=400), "promised_response"),
])
def test_an_engagement_needs_a_ticket_and_a_sensible_promise(ticket: str, promise: timedelta, field: str) -> None:
    contact = engineer("hik-1", tier=EngineerTier.VENDOR_CONTACT)
    with pytest.raises(InvalidArgument) as bad:
        engage(case_id="c1", manufacturer="Hikvision", contact=contact, ticket=ticket, promised_response=promise,
               at=NOW)
    assert str(bad.value).startswith(f"{field}:")


def test_a_visit_goes_to_the_regions_field_team() -> None:
    staff = [engineer("f1", tier=EngineerTier.FIELD_ENGINEER), engineer("f2", tier=EngineerTier.FIELD_ENGINEER),
             engineer("f-north", tier=EngineerTier.FIELD_ENGINEER, regions=("north",)), engineer("duty")]
    assert {e.id for e in field_team(staff, [], "east")} == {"f1", "f2"}
    crews = [Team("east-field", "East", TeamKind.FIELD, region="east", members=("f2", "duty")),
             Team("north-field", "North", TeamKind.FIELD, region="north", members=("f1",))]
    assert [e.id for e in field_team(staff, crews, "east")] == ["f2"]
