"""Up the tiers with the real cases and sla-timer: an expert of the panel joins as a participant, the
original vendor is refused until an expert confirmed it, and a vendor that does not answer within
the underpinning contract breaches sla-timer's vendor-response clock. Take-over and a supervisor's
replacement go through routing's rules and are explained."""

from __future__ import annotations

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import events_pb2 as dispatch_events
from aftercare.sla.v1 import events_pb2 as sla_events
from aftercare.sla.v1 import sla_pb2
from aftercare_platform.testing.waiting import eventually

from .conftest import ADMIN, AGENT, SUPERVISOR, Stack, auth, engineer, p1_case, round_the_clock, seconds


async def _routed_p3_case(stack: Stack, request_id: str, company: str) -> cases_pb.Case:
    request = p1_case(request_id, company)
    request.priority = cases_pb.PRIORITY_P3  # no first-response clock in the seconds policy: nothing reassigns
    case = (await stack.cases_api.CreateCase(request, metadata=AGENT)).case

    async def assigned() -> bool:
        found = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
        return bool(found.assignee_id)

    await eventually(assigned, within=30, what="dispatch assigns the case")
    return (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case


async def test_the_vendor_needs_an_experts_confirmation_and_a_late_vendor_breaches(stack: Stack) -> None:
    people = [engineer("tier-duty"), engineer("tier-expert", tier=pb.ENGINEER_TIER_EXPERT),
              engineer("hik-contact", tier=pb.ENGINEER_TIER_VENDOR_CONTACT)]
    for person in people:
        await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=person), metadata=SUPERVISOR)
    await stack.dispatch_api.PutTeam(pb.PutTeamRequest(team=pb.Team(
        team_id="hik-vendor", name="Hikvision support", kind=pb.TEAM_KIND_VENDOR, manufacturer="Hikvision",
        member_ids=["hik-contact"])), metadata=SUPERVISOR)
    await stack.dispatch_api.PutTeam(pb.PutTeamRequest(team=pb.Team(
        team_id="panel", name="Expert panel", kind=pb.TEAM_KIND_EXPERT_PANEL, member_ids=["tier-expert"])),
        metadata=SUPERVISOR)
    await stack.dispatch_api.PutRoster(pb.PutRosterRequest(roster=round_the_clock("tier-duty", "tier-duty",
                                                                                  "tier-expert")), metadata=ADMIN)
    case = await _routed_p3_case(stack, "tiers-1", "bank-9")
    assert case.assignee_id == "tier-duty"

    await stack.cases_api.Escalate(cases_pb.EscalateRequest(
        case_id=case.case_id, to_tier=cases_pb.TIER_EXPERT_PANEL, reason="intermittent, needs an expert"),
        metadata=SUPERVISOR)
    added = (await stack.dispatch_api.AddExpert(pb.AddExpertRequest(case_id=case.case_id, reason="firmware"),
                                                metadata=SUPERVISOR)).decision
    assert added.chosen_engineer_id == "tier-expert" and added.state == "done"
    with_expert = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
    assert list(with_expert.participant_ids) == ["tier-expert"]
    assert with_expert.assignee_id == "tier-duty"  # the case keeps its engineer

    engage = pb.EngageVendorRequest(case_id=case.case_id, vendor_ticket="HK-2026-778",
                                    promised_response=seconds(3), reason="suspected firmware defect")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stack.dispatch_api.EngageVendor(engage, metadata=SUPERVISOR)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "expert's confirmation" in (refused.value.details() or "")
    with pytest.raises(grpc.aio.AioRpcError) as none_yet:
        await stack.dispatch_api.GetVendorEngagement(pb.GetVendorEngagementRequest(case_id=case.case_id),
                                                     metadata=SUPERVISOR)
    assert none_yet.value.code() == grpc.StatusCode.NOT_FOUND
    assert not stack.events.of(case.case_id, "aftercare.vendor.")

    await stack.cases_api.ConfirmVendorEscalation(cases_pb.ConfirmVendorEscalationRequest(
        case_id=case.case_id, reason="a firmware defect only the vendor can fix"),
        metadata=auth("tier-expert", "expert", regions=["east"]))
    engagement = (await stack.dispatch_api.EngageVendor(engage, metadata=SUPERVISOR)).engagement
    assert engagement.vendor_contact_id == "hik-contact"  # the manufacturer's vendor team
    assert engagement.vendor_ticket == "HK-2026-778"
    assert engagement.promised_time.ToDatetime() - engagement.engaged_time.ToDatetime() == seconds(3).ToTimedelta()
    at_vendor = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
    assert at_vendor.tier == cases_pb.TIER_ORIGINAL_VENDOR

    # the underpinning contract: the vendor's own 3 s promise (not the policy's row) runs out unanswered: a breach
    engaged = await stack.events.wait_for(case.case_id, "aftercare.vendor.engaged", 1, within=30)
    assert engaged[0].parsed(dispatch_events.VendorEngaged).vendor_ticket == "HK-2026-778"

    def vendor_breaches() -> list[sla_events.SlaBreached]:
        breaches = [e.parsed(sla_events.SlaBreached) for e in stack.events.of(case.case_id, "aftercare.sla.breached")]
        return [b for b in breaches if b.clock_kind == sla_pb2.CLOCK_KIND_VENDOR_RESPONSE]

    async def vendor_breached() -> bool:
        return bool(vendor_breaches())

    await eventually(vendor_breached, within=40, what="sla-timer breaches the vendor-response clock")
    assert vendor_breaches()[0].due_time == engagement.promised_time  # at the vendor's promise, never before
    answered = pb.RecordVendorResponseRequest(case_id=case.case_id, response="send the unit for replacement")
    late = (await stack.dispatch_api.RecordVendorResponse(answered, metadata=SUPERVISOR)).engagement
    assert late.response == "send the unit for replacement" and late.late  # after its own promise
    responded = await stack.events.wait_for(case.case_id, "aftercare.vendor.responded", 1, within=30)
    assert responded[0].parsed(dispatch_events.VendorResponded).vendor_contact_id == "hik-contact"


async def test_take_over_and_replacement_go_through_routing_rules(stack: Stack) -> None:
    for person in (engineer("to-a"), engineer("to-b"), engineer("to-full", capacity=0)):
        await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=person), metadata=SUPERVISOR)
    await stack.dispatch_api.PutRoster(pb.PutRosterRequest(roster=round_the_clock("to-duty", "to-a")), metadata=ADMIN)
    case = await _routed_p3_case(stack, "takeover-1", "hotel-2")
    assert case.assignee_id == "to-a"

    with pytest.raises(grpc.aio.AioRpcError) as full:
        await stack.dispatch_api.TakeOverCase(pb.TakeOverCaseRequest(case_id=case.case_id),
                                              metadata=auth("to-full", "engineer"))
    assert full.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "capacity" in (full.value.details() or "")

    taken = (await stack.dispatch_api.TakeOverCase(pb.TakeOverCaseRequest(
        case_id=case.case_id, reason="I know this site"), metadata=auth("to-b", "engineer"))).decision
    assert taken.chosen_engineer_id == "to-b" and taken.previous_engineer_id == "to-a" and taken.state == "done"
    now = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
    assert now.assignee_id == "to-b"

    # the supervisor replaces to-b; nobody named: routing picks among the others (to-a is on duty)
    replaced = (await stack.dispatch_api.ReplaceAssignee(pb.ReplaceAssigneeRequest(
        case_id=case.case_id, reason="customer asked for the regular engineer"), metadata=SUPERVISOR)).decision
    assert replaced.chosen_engineer_id == "to-a" and replaced.previous_engineer_id == "to-b"
    now = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
    assert now.assignee_id == "to-a"

    explained = (await stack.dispatch_api.ExplainAssignment(pb.ExplainAssignmentRequest(case_id=case.case_id),
                                                            metadata=SUPERVISOR)).decisions
    purposes = [(d.purpose, d.state, d.chosen_engineer_id) for d in explained]
    assert purposes == [("route", "done", "to-a"), ("take_over", "refused", ""), ("take_over", "done", "to-b"),
                        ("supervisor_replace", "done", "to-a")]
    assert "capacity" in explained[1].summary
