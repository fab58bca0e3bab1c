"""A request sent twice at once (a client retrying while its first call is still running, on two replicas)
records once: one vendor engagement, one loaner, one visit per key, each announced once; and a case's
loaners are found through their own index."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import httpx
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.dispatch.v1 import dispatch_pb2 as pb
from aftercare.dispatch.v1 import dispatch_pb2_grpc
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import upgrade
from dispatch.bootstrap import definition
from sqlalchemy import text

from .conftest import (
    ADMIN,
    AGENT,
    CHANNEL_OPTIONS,
    SUPERVISOR,
    Stack,
    auth,
    engineer,
    p1_case,
    round_the_clock,
    seconds,
)
from .test_http import bearer


async def _case_the_vendor_may_take(stack: Stack) -> cases_pb.Case:
    """A P3 case escalated to the expert panel, whose expert confirmed that only the vendor can fix it."""
    for person in (engineer("once-duty"), engineer("once-expert", tier=pb.ENGINEER_TIER_EXPERT),
                   engineer("once-hik", tier=pb.ENGINEER_TIER_VENDOR_CONTACT)):
        await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=person), metadata=SUPERVISOR)
    await stack.dispatch_api.PutTeam(pb.PutTeamRequest(team=pb.Team(
        team_id="once-vendor", name="Hikvision support", kind=pb.TEAM_KIND_VENDOR, manufacturer="Hikvision",
        member_ids=["once-hik"])), metadata=SUPERVISOR)
    await stack.dispatch_api.PutTeam(pb.PutTeamRequest(team=pb.Team(
        team_id="once-panel", name="Expert panel", kind=pb.TEAM_KIND_EXPERT_PANEL, member_ids=["once-expert"])),
        metadata=SUPERVISOR)
    await stack.dispatch_api.PutRoster(pb.PutRosterRequest(roster=round_the_clock("once-duty", "once-duty",
                                                                                  "once-expert")), metadata=ADMIN)
    request = p1_case("once-vendor-1", "bank-11")
    request.priority = cases_pb.PRIORITY_P3
    case = (await stack.cases_api.CreateCase(request, metadata=AGENT)).case
    await stack.cases_api.Assign(cases_pb.AssignRequest(case_id=case.case_id, assignee_id="once-duty"),
                                 metadata=AGENT)
    await stack.cases_api.Escalate(cases_pb.EscalateRequest(
        case_id=case.case_id, to_tier=cases_pb.TIER_EXPERT_PANEL, reason="needs an expert"), metadata=SUPERVISOR)
    await stack.dispatch_api.AddExpert(pb.AddExpertRequest(case_id=case.case_id, reason="firmware"),
                                       metadata=SUPERVISOR)
    await stack.cases_api.ConfirmVendorEscalation(cases_pb.ConfirmVendorEscalationRequest(
        case_id=case.case_id, reason="a firmware defect only the vendor can fix"),
        metadata=auth("once-expert", "expert", regions=["east"]))
    return case


async def test_twice_at_once_records_once(stack: Stack) -> None:
    async with grpc.aio.insecure_channel(stack.dispatchers[1].target, options=CHANNEL_OPTIONS) as channel:
        replicas: list[Any] = [stack.dispatch_api, dispatch_pb2_grpc.DispatchServiceStub(channel)]

        # the original vendor: one engagement per case, the same answer to both calls, one `vendor.engaged`
        case = await _case_the_vendor_may_take(stack)
        engage = pb.EngageVendorRequest(case_id=case.case_id, vendor_ticket="HK-ONCE-1",
                                        promised_response=seconds(3600), reason="firmware defect")
        answers = await asyncio.gather(*(api.EngageVendor(engage, metadata=SUPERVISOR) for api in replicas))
        assert answers[0].engagement == answers[1].engagement
        again = (await stack.dispatch_api.EngageVendor(engage, metadata=SUPERVISOR)).engagement
        assert again == answers[0].engagement  # a later retry too
        assert await stack.events.emitted(case.case_id, "aftercare.vendor.engaged.v1") == 1
        other = pb.EngageVendorRequest(case_id=case.case_id, vendor_ticket="HK-OTHER", promised_response=seconds(60),
                                       reason="x")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stack.dispatch_api.EngageVendor(other, metadata=SUPERVISOR)
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        # a loaner issued under one request key: one loaner, one `loaner.delivered`, one entry on the case
        issue = pb.IssueLoanerRequest(case_id=case.case_id, serial_number="NVR-ONCE-1", device_class=3,
                                      faulty_class=3, request_id="desk-1/loaner/1")
        issue.repair_started_time.FromDatetime(case.created_at.ToDatetime())
        issued = await asyncio.gather(*(api.IssueLoaner(issue, metadata=AGENT) for api in replicas))
        assert issued[0].loaner.loaner_id == issued[1].loaner.loaner_id
        rows = await stack.query("SELECT id FROM dispatch.loaners WHERE case_id = $1", case.case_id)
        assert [r["id"] for r in rows] == [issued[0].loaner.loaner_id]
        assert await stack.events.emitted(case.case_id, "aftercare.loaner.delivered.v1") == 1
        shown = (await stack.cases_api.GetCase(cases_pb.GetCaseRequest(case_id=case.case_id), metadata=AGENT)).case
        assert list(shown.open_loaner_serials) == ["NVR-ONCE-1"]
        listed = (await stack.dispatch_api.ListLoaners(pb.ListLoanersRequest(case_id=case.case_id),
                                                       metadata=AGENT)).loaners
        assert [loaner.loaner_id for loaner in listed] == [issued[0].loaner.loaner_id]
        elsewhere = (await stack.cases_api.CreateCase(p1_case("once-vendor-2", "bank-11"), metadata=AGENT)).case
        await stack.cases_api.Assign(cases_pb.AssignRequest(case_id=elsewhere.case_id, assignee_id="once-duty"),
                                     metadata=AGENT)
        reused = pb.IssueLoanerRequest(case_id=elsewhere.case_id, serial_number="NVR-ONCE-2", device_class=3,
                                       faulty_class=3, request_id="desk-1/loaner/1")
        reused.repair_started_time.FromDatetime(case.created_at.ToDatetime())
        with pytest.raises(grpc.aio.AioRpcError) as wrong_case:
            await stack.dispatch_api.IssueLoaner(reused, metadata=AGENT)
        assert wrong_case.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "request_id" in (wrong_case.value.details() or "")

    # a visit over REST takes the request key as RequestVisit does: twice at once, one visit
    desk = bearer("desk-1", "agent")
    body = {"case_id": case.case_id, "reason": "replace the board", "request_id": "desk-1/visit/1"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.dispatchers[0].http_port}", timeout=30) as one, \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.dispatchers[1].http_port}", timeout=30) as two:
        made = await asyncio.gather(one.post("/v1/visits", headers=desk, json=body),
                                    two.post("/v1/visits", headers=desk, json=body))
        assert [m.status_code for m in made] == [201, 201], [m.text for m in made]
        assert made[0].json()["visit_id"] == made[1].json()["visit_id"]
        too_long = await one.post("/v1/visits", headers=desk, json={**body, "request_id": "k" * 201})
        assert too_long.status_code == 400 and "request_id" in too_long.text
    by_grpc = (await stack.dispatch_api.RequestVisit(pb.RequestVisitRequest(
        case_id=case.case_id, reason="replace the board", request_id="desk-1/visit/1"), metadata=AGENT)).visit
    assert by_grpc.visit_id == made[0].json()["visit_id"]
    assert await stack.events.emitted(case.case_id, "aftercare.visit.requested.v1") == 1


async def test_a_cases_loaners_are_read_through_an_index(database_url: str) -> None:
    engine = create_engine(database_url, definition.schema)
    try:
        # a schema from before revision 0004 (whose 0001 made `loaners` without the index)
        await upgrade(engine, definition.migrations, definition.schema, revision="0003")
        async with engine.begin() as connection:
            await connection.execute(text("DROP INDEX IF EXISTS dispatch.ix_loaners_case"))
        await upgrade(engine, definition.migrations, definition.schema)
        async with engine.begin() as connection:
            indexes = (await connection.execute(text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'dispatch' AND tablename = 'loaners'"))).scalars()
            assert "ix_loaners_case" in set(indexes)
            await connection.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: make the choice plain
            plan = "\n".join((await connection.execute(text(
                "EXPLAIN SELECT id FROM dispatch.loaners WHERE case_id = 'c-1'"))).scalars())
        assert "ix_loaners_case" in plan
    finally:
        await engine.dispose()
