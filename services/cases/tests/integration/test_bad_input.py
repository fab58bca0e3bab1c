"""Bad input is named: INVALID_ARGUMENT for the field, NOT_FOUND for the case, FAILED_PRECONDITION for the
status and what it allows; over HTTP the matching RFC 9457 problem. Never INTERNAL, never a 500."""

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare.common.v1 import common_pb2
from aftercare_platform.servers.grpc_errors import domain_error_from_rpc_error

from .conftest import AGENT, create_request


async def _refused(call, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    assert refused.value.code() == code, refused.value.details()
    return refused.value


async def _invalid(call, field: str) -> None:
    error = await _refused(call, grpc.StatusCode.INVALID_ARGUMENT)
    rebuilt = domain_error_from_rpc_error(error)
    assert rebuilt is not None and [v.field for v in rebuilt.violations] == [field], error.details()
    assert field in error.details()


async def test_grpc_names_the_bad_field_the_missing_case_and_the_refusing_status(cases):
    agent, stub = cases.auth(*AGENT), cases.stub
    await _invalid(stub.CreateCase(create_request(""), metadata=agent), "request_id")
    await _invalid(stub.CreateCase(create_request("b-1", description=" "), metadata=agent), "description")
    await _invalid(stub.CreateCase(create_request("b-2", description="x" * 20_001), metadata=agent), "description")
    await _invalid(stub.CreateCase(create_request("b-3", priority=99), metadata=agent), "priority")
    await _invalid(stub.CreateCase(create_request("b-nul", description="no\x00picture"), metadata=agent),
                   "description")
    await _invalid(stub.CreateCase(create_request("b-4", category=pb.CATEGORY_UNSPECIFIED), metadata=agent),
                   "category")
    await _invalid(stub.CreateCase(create_request("b-5", region="East Side"), metadata=agent), "region")
    await _invalid(stub.CreateCase(create_request("b-6", caller=pb.Caller(name="Li", email="not-mail")),
                                   metadata=agent), "caller.email")
    await _invalid(stub.GetCase(pb.GetCaseRequest(case_number="EA-2026-42"), metadata=agent), "case_number")
    await _invalid(stub.GetCase(pb.GetCaseRequest(case_id="42"), metadata=agent), "case_id")
    await _invalid(stub.GetCase(pb.GetCaseRequest(), metadata=agent), "case_id")
    await _invalid(stub.ListCases(pb.ListCasesRequest(page=common_pb2.PageRequest(page_size=-1)), metadata=agent),
                   "page.page_size")
    await _invalid(stub.ListCases(pb.ListCasesRequest(page=common_pb2.PageRequest(page_token="forged")),
                                  metadata=agent), "page.page_token")
    await _invalid(stub.ListCases(pb.ListCasesRequest(filter=pb.CaseFilter(statuses=[42])), metadata=agent),
                   "filter.statuses")
    await _invalid(stub.SearchCases(pb.SearchCasesRequest(query=""), metadata=agent), "query")
    await _invalid(stub.ListCases(pb.ListCasesRequest(filter=pb.CaseFilter(company_ids=["a\x00"])), metadata=agent),
                   "filter.company_ids")

    missing = await _refused(stub.GetCase(pb.GetCaseRequest(case_number="EA-20260101-000077"), metadata=agent),
                             grpc.StatusCode.NOT_FOUND)
    assert "EA-20260101-000077" in missing.details()

    case = (await stub.CreateCase(create_request("b-ok"), metadata=agent)).case
    await _invalid(stub.Assign(pb.AssignRequest(case_id=case.case_id, assignee_id=""), metadata=agent),
                   "assignee_id")
    await _invalid(stub.AddNote(pb.AddNoteRequest(case_id=case.case_id, text="\x00"), metadata=agent), "text")
    await _invalid(stub.ChangePriority(pb.ChangePriorityRequest(case_id=case.case_id, priority=pb.PRIORITY_P1),
                                       metadata=agent), "reason")
    await _invalid(stub.Resolve(pb.ResolveRequest(case_id=case.case_id), metadata=cases.auth("eng-1", "engineer")),
                   "fault_report")
    wrong_state = await _refused(stub.Close(pb.CloseRequest(case_id=case.case_id), metadata=agent),
                                 grpc.StatusCode.FAILED_PRECONDITION)
    assert "new" in wrong_state.details() and "assign" in wrong_state.details()
    rebuilt = domain_error_from_rpc_error(wrong_state)
    assert rebuilt is not None and rebuilt.code == "invalid-transition"
    assert rebuilt.extra["current_status"] == "new"
    await _refused(stub.Acknowledge(pb.AcknowledgeRequest(case_id=case.case_id),
                                    metadata=cases.auth("cust-1", "customer", "company-a")),
                   grpc.StatusCode.PERMISSION_DENIED)
    await _refused(stub.GetCase(pb.GetCaseRequest(case_id=case.case_id)), grpc.StatusCode.UNAUTHENTICATED)


async def test_http_answers_problems_naming_the_field_the_case_and_the_status(cases):
    http, agent = cases.http, cases.headers(*AGENT)
    body = {"request_id": "h-1", "region": "east", "company_id": "company-a",
            "caller": {"name": "Li Lei", "phone": "123"}, "description": "no picture",
            "category": "A", "kind": "defect", "priority": "P9"}
    unknown = await http.post("/v1/cases", json=body, headers=agent)
    assert unknown.status_code == 400 and unknown.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in unknown.json()["errors"]] == ["body.priority"]

    empty = await http.post("/v1/cases", json={**body, "priority": "P2", "description": ""}, headers=agent)
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "description"

    created = await http.post("/v1/cases", json={**body, "priority": "P2"}, headers=agent)
    assert created.status_code == 201 and created.json()["created"] is True
    replay = await http.post("/v1/cases", json={**body, "priority": "P2"}, headers=agent)
    assert replay.status_code == 200 and replay.json()["case"]["case_id"] == created.json()["case"]["case_id"]
    number = created.json()["case"]["case_number"]

    missing = await http.get("/v1/cases/EA-20260101-000077", headers=agent)
    assert missing.status_code == 404 and "EA-20260101-000077" in missing.json()["detail"]
    malformed = await http.get("/v1/cases/not-a-case", headers=agent)
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "case"

    refused = await http.post(f"/v1/cases/{number}/actions/close", json={}, headers=agent)
    problem = refused.json()
    assert refused.status_code == 409 and problem["type"].endswith("/invalid-transition")
    assert problem["current_status"] == "new" and "assign" in problem["allowed_actions"]
    no_reason = await http.post(f"/v1/cases/{number}/actions/change_priority", json={"priority": "P1"},
                                headers=agent)
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "body.reason"
    anonymous = await http.get(f"/v1/cases/{number}")
    assert anonymous.status_code == 401
