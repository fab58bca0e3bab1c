"""A customer of company B never learns of company A's cases, by any method, over gRPC or HTTP:
the answer is NOT_FOUND / 404, worded as for a case that does not exist."""

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as pb

from .conftest import AGENT, create_request

SECRET_WORD = "flamingo"
INTERNAL_WORD = "kiwi"


async def _case_of_company_a(cases) -> pb.Case:
    agent = cases.auth(*AGENT)
    case = (await cases.stub.CreateCase(create_request("acl-1", description=f"{SECRET_WORD} camera down"),
                                        metadata=agent)).case
    await cases.stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text=f"the {INTERNAL_WORD} router",
                                               visibility=pb.VISIBILITY_INTERNAL), metadata=agent)
    await cases.stub.Assign(pb.AssignRequest(case_id=case.case_id, assignee_id="eng-1"), metadata=agent)
    return case


async def _not_found(call) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND, refused.value.details()
    return refused.value.details()


async def test_a_customer_cannot_reach_another_companys_case_over_grpc(cases):
    case = await _case_of_company_a(cases)
    stranger = cases.auth("cust-9", "customer", "company-b")
    by_id, by_number = {"case_id": case.case_id}, {"case_number": case.case_number}
    stub = cases.stub
    calls = [
        stub.GetCase(pb.GetCaseRequest(**by_id), metadata=stranger),
        stub.GetCase(pb.GetCaseRequest(**by_number), metadata=stranger),
        stub.GetTimeline(pb.GetTimelineRequest(**by_id), metadata=stranger),
        stub.VerifyTimeline(pb.VerifyTimelineRequest(**by_number), metadata=stranger),
        stub.AddNote(pb.AddNoteRequest(**by_id, text="hello?"), metadata=stranger),
        stub.FileComplaint(pb.FileComplaintRequest(**by_number, about=pb.COMPLAINT_ABOUT_FIX, text="slow"),
                           metadata=stranger),
        stub.Confirm(pb.ConfirmRequest(**by_id), metadata=stranger),
        stub.Reject(pb.RejectRequest(**by_id, reason="no"), metadata=stranger),
        stub.Acknowledge(pb.AcknowledgeRequest(**by_id), metadata=stranger),
    ]
    for call in calls:
        await _not_found(call)
    never_issued = await _not_found(stub.GetCase(pb.GetCaseRequest(case_number="EA-20200101-999999"),
                                                 metadata=stranger))
    hidden = await _not_found(stub.GetCase(pb.GetCaseRequest(case_number=case.case_number), metadata=stranger))
    assert hidden == never_issued.replace("EA-20200101-999999", case.case_number)

    watch = stub.WatchCase(pb.WatchCaseRequest(**by_id), metadata=stranger)
    await _not_found(watch.read())

    listed = await stub.ListCases(pb.ListCasesRequest(filter=pb.CaseFilter(company_ids=["company-a"])),
                                  metadata=stranger)
    everything = await stub.ListCases(pb.ListCasesRequest(), metadata=stranger)
    found = await stub.SearchCases(pb.SearchCasesRequest(query=SECRET_WORD), metadata=stranger)
    assert list(listed.cases) == [] and list(everything.cases) == [] and list(found.cases) == []


async def test_the_owner_sees_its_case_without_internal_entries_and_staff_see_everything(cases):
    case = await _case_of_company_a(cases)
    owner = cases.auth("cust-1", "customer", "company-a")
    got = await cases.stub.GetCase(pb.GetCaseRequest(case_id=case.case_id), metadata=owner)
    assert got.case.case_number == case.case_number
    timeline = await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id), metadata=owner)
    assert [e.kind for e in timeline.entries] == ["created", "assigned"]
    staff_timeline = await cases.stub.GetTimeline(pb.GetTimelineRequest(case_id=case.case_id),
                                                  metadata=cases.auth(*AGENT))
    assert [e.kind for e in staff_timeline.entries] == ["created", "note_added", "assigned"]
    assert [c.case_id for c in (await cases.stub.ListCases(pb.ListCasesRequest(), metadata=owner)).cases] == [
        case.case_id
    ]
    # search: the description's words for the owner; the internal note's words only for staff
    assert len((await cases.stub.SearchCases(pb.SearchCasesRequest(query=SECRET_WORD), metadata=owner)).cases) == 1
    assert len((await cases.stub.SearchCases(pb.SearchCasesRequest(query=INTERNAL_WORD), metadata=owner)).cases) == 0
    staff_found = await cases.stub.SearchCases(pb.SearchCasesRequest(query=INTERNAL_WORD), metadata=cases.auth(*AGENT))
    assert [c.case_id for c in staff_found.cases] == [case.case_id]


async def test_partners_and_regional_staff_reach_only_their_companies_and_regions(cases):
    case = await _case_of_company_a(cases)
    ref = pb.GetCaseRequest(case_id=case.case_id)
    assert (await cases.stub.GetCase(ref, metadata=cases.auth("key-1", "partner", companies=["company-a"]))).case
    await _not_found(cases.stub.GetCase(ref, metadata=cases.auth("key-2", "partner", companies=["company-b"])))
    await _not_found(cases.stub.GetCase(ref, metadata=cases.auth("key-3", "partner", companies=["company-a"],
                                                                 regions=["west"])))
    west_agent = cases.auth("agent-w", "agent", regions=["west"])
    await _not_found(cases.stub.GetCase(ref, metadata=west_agent))
    assert list((await cases.stub.ListCases(pb.ListCasesRequest(), metadata=west_agent)).cases) == []
    assert (await cases.stub.GetCase(ref, metadata=cases.auth("agent-e", "agent", regions=["east"]))).case


async def test_a_customer_cannot_reach_another_companys_case_over_http(cases):
    case = await _case_of_company_a(cases)
    stranger = cases.headers("cust-9", "customer", "company-b")
    http = cases.http
    for path in (case.case_id, case.case_number):
        for method, url, body in (
            ("GET", f"/v1/cases/{path}", None),
            ("GET", f"/v1/cases/{path}/timeline", None),
            ("GET", f"/v1/cases/{path}/timeline/verification", None),
            ("POST", f"/v1/cases/{path}/notes", {"text": "hello?"}),
            ("POST", f"/v1/cases/{path}/complaints", {"about": "fix", "text": "slow"}),
            ("POST", f"/v1/cases/{path}/actions/confirm", {}),
            ("POST", f"/v1/cases/{path}/timeline/1/corrections", {"text": "no"}),
        ):
            reply = await http.request(method, url, json=body, headers=stranger)
            assert reply.status_code == 404, (method, url, reply.text)
            problem = reply.json()
            assert reply.headers["content-type"].startswith("application/problem+json")
            assert problem["status"] == 404 and problem["type"].endswith("/case-not-found")
    for url in ("/v1/cases?company_id=company-a", "/v1/cases", f"/v1/cases?q={SECRET_WORD}", "/v1/me/cases"):
        reply = await http.get(url, headers=stranger)
        assert reply.status_code == 200 and reply.json()["cases"] == [], url

    owner = cases.headers("cust-1", "customer", "company-a")
    mine = (await http.get("/v1/me/cases", headers=owner)).json()["cases"]
    assert [c["case_number"] for c in mine] == [case.case_number]
    history = (await http.get(f"/v1/cases/{case.case_number}/timeline", headers=owner)).json()["entries"]
    assert [e["kind"] for e in history] == ["created", "assigned"]
