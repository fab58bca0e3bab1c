"""The case's life on PostgreSQL through the real gRPC and HTTP ports (issue 10): a customer's e-mail
reply (passed on by intake) resumes a waiting case, a reply or reopen within the window reopens, after it
a new case is opened and linked, Reopen takes a request id, the `created` entry names the agent, the
supervisor's filters, fault reports found by a version string, and similar resolved cases offered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.cases.v1 import cases_pb2_grpc
from aftercare.common.v1 import common_pb2
from aftercare_platform.bus.ports import Broker
from aftercare_platform.db.engine import create_engine
from aftercare_platform.db.migrations import upgrade
from aftercare_platform.testing.harness import open_broker
from aftercare_platform.testing.in_process import service_in_process
from aftercare_platform.testing.ports import free_port
from cases.bootstrap import definition
from cases.settings import CasesSettings
from sqlalchemy import text

from .conftest import AGENT, ENGINEER, Cases, create_request, eventually
from .test_sla_facts import breached, publish

INTAKE = ("service:intake", "system")
FAULT = pb.FaultReport(cause="firmware 5.4.1 leaks memory in the RTSP server",
                       method="upgraded the NVR firmware to v2.3.1-rc2", result="stream stable for 48 h",
                       prevention="keep NVR firmware current", fault_party=pb.FAULT_PARTY_VENDOR)


def contact(company: str = "company-a") -> common_pb2.Actor:
    return common_pb2.Actor(subject_id=f"{company}-K1", role=common_pb2.ACTOR_ROLE_CUSTOMER, company_id=company,
                            display_name="Li Lei")


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[Broker]:
    opened = await open_broker(amqp_url, name="cases-test-life")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def no_window(database_url: str, amqp_url: str) -> AsyncIterator[Cases]:
    """The service with a reopen window of 0 days: every reply after closing is after the window."""
    http_port, grpc_port = free_port(), free_port()
    settings = CasesSettings(
        database_url=database_url, amqp_url=amqp_url, http_port=http_port, grpc_port=grpc_port,
        http_host="127.0.0.1", grpc_host="127.0.0.1", shutdown_grace_seconds=2, log_json=False,
        reopen_window_days=0,
    )
    async with service_in_process(definition, settings) as http, \
            grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        yield Cases(settings, f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{http_port}",
                    cases_pb2_grpc.CaseServiceStub(channel), http)


async def _in_progress(cases: Cases, request_id: str, **fields: Any) -> pb.Case:
    agent, engineer = cases.auth(*AGENT), cases.auth(*ENGINEER)
    case = (await cases.stub.CreateCase(create_request(request_id, **fields), metadata=agent)).case
    ref = {"case_id": case.case_id}
    await cases.stub.Assign(pb.AssignRequest(**ref, assignee_id="eng-1"), metadata=agent)
    return (await cases.stub.Acknowledge(pb.AcknowledgeRequest(**ref), metadata=engineer)).case


async def _closed(cases: Cases, request_id: str, **fields: Any) -> pb.Case:
    case = await _in_progress(cases, request_id, **fields)
    ref = {"case_id": case.case_id}
    await cases.stub.Resolve(pb.ResolveRequest(**ref, fault_report=FAULT), metadata=cases.auth(*ENGINEER))
    return (await cases.stub.Close(pb.CloseRequest(**ref), metadata=cases.auth(*AGENT))).case


async def _kinds(cases: Cases, case_id: str) -> list[str]:
    entries = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case_id), metadata=cases.auth(*AGENT)))
    return [e.kind for e in entries.entries]


async def test_an_email_reply_passed_on_by_intake_resumes_the_waiting_case(cases: Cases) -> None:
    case = await _in_progress(cases, "life-reply-1")
    await cases.stub.SetWaitingForCustomer(pb.SetWaitingForCustomerRequest(case_id=case.case_id, reason="logs?"),
                                           metadata=cases.auth(*ENGINEER))
    reply = await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="Re: logs attached",
                                                       request_id="receipt-1", on_behalf_of=contact()),
                                     metadata=cases.auth(*INTAKE))
    assert reply.case.status == pb.CASE_STATUS_IN_PROGRESS
    assert (reply.entry.actor.subject_id, reply.entry.actor.role) == ("company-a-K1", common_pb2.ACTOR_ROLE_CUSTOMER)
    assert (await _kinds(cases, case.case_id))[-2:] == ["note_added", "resumed"]


async def test_only_a_service_passes_on_someone_elses_words(cases: Cases) -> None:
    case = await _in_progress(cases, "life-reply-2")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="x", on_behalf_of=contact()),
                                 metadata=cases.auth(*AGENT))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="x", on_behalf_of=contact("company-b")),
                                 metadata=cases.auth(*INTAKE))
    assert other.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as nameless:
        await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="x", on_behalf_of=common_pb2.Actor(
            subject_id="k", role=common_pb2.ACTOR_ROLE_CUSTOMER)), metadata=cases.auth(*INTAKE))
    assert nameless.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "on_behalf_of.company_id" in (nameless.value.details() or "")


async def test_a_customer_reopens_within_the_window_once_per_request_id(cases: Cases) -> None:
    case = await _closed(cases, "life-reopen-1")
    customer = cases.auth("cust-1", "customer", "company-a")
    request = pb.ReopenRequest(case_id=case.case_id, reason="black again", request_id="reopen-1")
    first = await cases.stub.Reopen(request, metadata=customer)
    again = await cases.stub.Reopen(request, metadata=customer)  # a retry after a lost answer
    assert first.case.status == again.case.status == pb.CASE_STATUS_REOPENED
    assert not first.HasField("follow_up")
    assert (await _kinds(cases, case.case_id)).count("reopened") == 1
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await cases.stub.Reopen(pb.ReopenRequest(case_id=case.case_id, reason="other", request_id="reopen-1"),
                                metadata=customer)
    assert reused.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_reply_on_a_closed_case_within_the_window_reopens_it(cases: Cases) -> None:
    case = await _closed(cases, "life-reopen-2")
    reply = await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="Still no picture",
                                                       on_behalf_of=contact()), metadata=cases.auth(*INTAKE))
    assert reply.case.status == pb.CASE_STATUS_REOPENED and reply.case.reopen_count == 1


async def test_after_the_window_a_reply_opens_a_new_case_linked_to_the_old(no_window: Cases) -> None:
    cases = no_window
    case = await _closed(cases, "life-follow-1")
    reply = await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="Still no picture",
                                                       on_behalf_of=contact()), metadata=cases.auth(*INTAKE))
    assert reply.case.status == pb.CASE_STATUS_CLOSED
    follow_up = reply.follow_up
    assert follow_up.follows_case_number == case.case_number and follow_up.status == pb.CASE_STATUS_NEW
    assert (follow_up.company_id, follow_up.priority) == (case.company_id, case.priority)
    assert (await _kinds(cases, case.case_id))[-2:] == ["note_added", "follow_up_opened"]
    created = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=follow_up.case_id),
                                            metadata=cases.auth(*AGENT))).entries[0]
    assert created.kind == "created" and created.actor.subject_id == "company-a-K1"
    assert json.loads(created.payload_json)["follows_case_number"] == case.case_number
    # the customer sees both, and asking to reopen the old one opens another follow-up
    customer = cases.auth("cust-1", "customer", "company-a")
    asked = await cases.stub.Reopen(pb.ReopenRequest(case_id=case.case_id, reason="please"), metadata=customer)
    assert asked.case.status == pb.CASE_STATUS_CLOSED and asked.follow_up.follows_case_number == case.case_number
    over_http = await cases.http.post(f"/v1/cases/{case.case_id}/actions/reopen", json={"reason": "again"},
                                      headers=cases.headers("cust-1", "customer", "company-a"))
    assert over_http.status_code == 200, over_http.text
    assert over_http.json()["follow_up"]["follows_case_number"] == case.case_number


async def test_the_created_entry_names_the_agent_intake_acted_for(cases: Cases) -> None:
    agent = common_pb2.Actor(subject_id="desk-7", role=common_pb2.ACTOR_ROLE_AGENT, display_name="Zhang Wei")
    request = create_request("life-created-1", on_behalf_of=agent, priority=pb.PRIORITY_P1,
                             suggested_priority=pb.PRIORITY_P3)
    case = (await cases.stub.CreateCase(request, metadata=cases.auth(*INTAKE))).case
    assert (case.priority, case.suggested_priority) == (pb.PRIORITY_P1, pb.PRIORITY_P3)
    created = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id),
                                            metadata=cases.auth(*AGENT))).entries[0]
    assert (created.actor.subject_id, created.actor.role) == ("desk-7", common_pb2.ACTOR_ROLE_AGENT)
    payload = json.loads(created.payload_json)
    assert (payload["channel"], payload["recorded_by"], payload["suggested_priority"]) == (
        "hotline", "service:intake", "P3")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await cases.stub.CreateCase(create_request("life-created-2", on_behalf_of=agent), metadata=cases.auth(*AGENT))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_the_supervisor_lists_complaints_awaiting_review_and_breached_cases(cases: Cases, broker) -> None:
    agent = cases.auth(*AGENT)
    plain = await _in_progress(cases, "life-filter-plain")
    complained = await _in_progress(cases, "life-filter-complaint")
    late = await _in_progress(cases, "life-filter-breach")
    await cases.stub.FileComplaint(pb.FileComplaintRequest(
        case_id=complained.case_id, about=pb.COMPLAINT_ABOUT_ENGINEER, text="rude on the phone"),
        metadata=cases.auth("cust-1", "customer", "company-a"))
    await publish(broker, breached(late))

    async def listed(**wanted: bool) -> set[str]:
        found = await cases.stub.ListCases(pb.ListCasesRequest(filter=pb.CaseFilter(**wanted)), metadata=agent)
        return {c.case_id for c in found.cases} & {plain.case_id, complained.case_id, late.case_id}

    async def breach_flagged() -> bool:
        return await listed(sla_breached=True) == {late.case_id}

    await eventually(breach_flagged, what="the breached case in the sla_breached list")
    assert await listed(supervisor_review=True) == {complained.case_id}
    assert await listed() == {plain.case_id, complained.case_id, late.case_id}
    over_http = await cases.http.get("/v1/cases", params={"supervisor_review": "true"}, headers=cases.headers(*AGENT))
    assert complained.case_id in {c["case_id"] for c in over_http.json()["cases"]}
    assert plain.case_id not in {c["case_id"] for c in over_http.json()["cases"]}


async def test_a_version_string_from_a_fault_report_finds_the_case(cases: Cases) -> None:
    case = await _closed(cases, "life-search-1", company="company-search")
    agent = cases.auth(*AGENT)
    for words in ("v2.3.1-rc2", "5.4.1", "RTSP"):
        found = await cases.stub.SearchCases(pb.SearchCasesRequest(query=words), metadata=agent)
        assert case.case_id in {c.case_id for c in found.cases}, words
    stored = (await cases.stub.GetCase(pb.GetCaseRequest(case_id=case.case_id), metadata=agent)).case
    assert stored.fault_report.fault_party == pb.FAULT_PARTY_VENDOR


async def test_a_new_case_is_offered_the_most_similar_resolved_cases(cases: Cases) -> None:
    agent = cases.auth(*AGENT)
    solved = await _closed(cases, "life-similar-old", company="company-sim",
                           description="NVR drops the RTSP stream every few hours", error_codes=["NVR-77"])
    unrelated = await _closed(cases, "life-similar-other", company="company-sim",
                              description="Door controller beeps", error_codes=["ACS-1"])
    fresh = (await cases.stub.CreateCase(create_request(
        "life-similar-new", company="company-sim", description="The RTSP stream of the NVR stops",
        error_codes=["NVR-77"]), metadata=agent)).case
    offered = await cases.stub.FindSimilarCases(pb.FindSimilarCasesRequest(case_id=fresh.case_id), metadata=agent)
    ids = [s.case.case_id for s in offered.cases]
    assert ids and ids[0] == solved.case_id and fresh.case_id not in ids
    assert unrelated.case_id not in ids[:1]
    assert offered.cases[0].case.fault_report.method.startswith("upgraded the NVR firmware")
    over_http = await cases.http.get(f"/v1/cases/{fresh.case_id}/similar", params={"limit": 2},
                                     headers=cases.headers(*AGENT))
    assert over_http.status_code == 200, over_http.text
    assert over_http.json()["cases"][0]["case"]["case_id"] == solved.case_id
    # another company's customer is offered nothing of company-sim's
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await cases.stub.FindSimilarCases(pb.FindSimilarCasesRequest(case_id=fresh.case_id),
                                          metadata=cases.auth("cust-9", "customer", "company-b"))
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await cases.stub.FindSimilarCases(pb.FindSimilarCasesRequest(case_id=fresh.case_id, limit=99),
                                          metadata=agent)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_customer_reads_a_numbering_of_its_own(cases: Cases) -> None:
    case = await _in_progress(cases, "life-numbering-1")
    agent = cases.auth(*AGENT)
    await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="staff only",
                                               visibility=pb.VISIBILITY_INTERNAL), metadata=agent)
    await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="we are on it"), metadata=agent)
    customer = cases.auth("cust-1", "customer", "company-a")
    seen = (await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id), metadata=customer)).entries
    assert [e.position for e in seen] == list(range(1, len(seen) + 1))
    assert seen[-1].payload["text"] == "we are on it"
    page = await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id, after_position=len(seen) - 1),
                                        metadata=customer)
    assert [e.payload["text"] for e in page.entries] == ["we are on it"]


async def test_fault_reports_written_before_the_upgrade_become_searchable(database_url: str) -> None:
    engine = create_engine(database_url, definition.schema)
    document = {"fault_report": {"cause": "fan seized", "method": "replaced the fan with FAN-8812",
                                 "result": "ok", "prevention": "clean yearly"}}
    try:
        await upgrade(engine, definition.migrations, definition.schema, "0002")
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO cases.cases (id, number, region, status, priority, category, kind, tier, created_at, "
                "updated_at, version, head_position, head_hash, search_text, internal_text, document) VALUES "
                "('old-1', 'EA-20250101-000001', 'east', 'closed', 'P2', 'A', 'defect', 'engineer', now(), now(), "
                "9, 0, 'h', 'EA-20250101-000001 server loud', '', CAST(:document AS jsonb))"),
                {"document": json.dumps(document)})
        await upgrade(engine, definition.migrations, definition.schema)
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT search_text FROM cases.cases WHERE id = 'old-1'"))
            searched = found.scalar()
        assert "FAN-8812" in searched and searched.startswith("EA-20250101-000001 server loud")
    finally:
        await engine.dispose()
