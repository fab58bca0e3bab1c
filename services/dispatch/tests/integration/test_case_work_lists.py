"""A case's visits and loaners, listed: the customer whose case it is sees them, a customer of another
company gets NOT_FOUND (never the rows), staff of another region are refused, pages never repeat a row."""

from __future__ import annotations

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.common.v1 import common_pb2
from aftercare.dispatch.v1 import dispatch_pb2 as pb

from .conftest import AGENT, SUPERVISOR, Stack, auth, engineer, p1_case


async def test_a_cases_visits_and_loaners_listed_for_its_own_customer_only(stack: Stack) -> None:
    await stack.dispatch_api.PutEngineer(pb.PutEngineerRequest(engineer=engineer("field-9")), metadata=SUPERVISOR)
    case = (await stack.cases_api.CreateCase(p1_case("lists-1", "mall-7"), metadata=AGENT)).case
    requested = []
    for reason in ("the recorder does not boot", "the camera at gate 3 is dark", "replace the disk"):
        requested.append((await stack.dispatch_api.RequestVisit(pb.RequestVisitRequest(
            case_id=case.case_id, reason=reason), metadata=AGENT)).visit.visit_id)
    # a loaner goes out on a case someone works: the desk assigns it by hand
    await stack.cases_api.Assign(cases_pb.AssignRequest(case_id=case.case_id, assignee_id="field-9"), metadata=AGENT)
    issue = pb.IssueLoanerRequest(case_id=case.case_id, serial_number="NVR-L-77", device_class=3, faulty_class=3)
    issue.repair_started_time.FromDatetime(case.created_at.ToDatetime())
    loaner = (await stack.dispatch_api.IssueLoaner(issue, metadata=AGENT)).loaner

    own = auth("cust-mall-7", "customer", company="mall-7")
    # two to a page: every visit once, and the last page says there is no more
    seen: list[str] = []
    token, tokens = "", []
    for _ in range(3):
        page = await stack.dispatch_api.ListVisits(pb.ListVisitsRequest(
            case_id=case.case_id, page=common_pb2.PageRequest(page_size=2, page_token=token)), metadata=own)
        seen += [v.visit_id for v in page.visits]
        token = page.page.next_page_token
        tokens.append(token)
        if not token:
            break
    assert sorted(seen) == sorted(requested) and len(seen) == 3
    assert not token
    listed = await stack.dispatch_api.ListVisits(pb.ListVisitsRequest(case_id=case.case_id), metadata=own)
    assert {v.reason for v in listed.visits} >= {"replace the disk"}
    assert all(v.status == pb.VISIT_STATUS_REQUESTED for v in listed.visits)
    loaners = await stack.dispatch_api.ListLoaners(pb.ListLoanersRequest(case_id=case.case_id), metadata=own)
    assert [(x.loaner_id, x.serial_number) for x in loaners.loaners] == [(loaner.loaner_id, "NVR-L-77")]
    assert loaners.loaners[0].due_back_time.seconds > 0

    # another company's customer: the case looks absent, nothing of it leaks
    other = auth("cust-other", "customer", company="mall-8")
    for call, request in ((stack.dispatch_api.ListVisits, pb.ListVisitsRequest(case_id=case.case_id)),
                          (stack.dispatch_api.ListLoaners, pb.ListLoanersRequest(case_id=case.case_id))):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await call(request, metadata=other)
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    # staff limited to another region do not see it either
    with pytest.raises(grpc.aio.AioRpcError) as elsewhere:
        await stack.dispatch_api.ListVisits(pb.ListVisitsRequest(case_id=case.case_id),
                                            metadata=auth("desk-west", "agent", regions=["west"]))
    assert elsewhere.value.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)
    # the desk sees it all
    assert len((await stack.dispatch_api.ListVisits(pb.ListVisitsRequest(case_id=case.case_id),
                                                    metadata=AGENT)).visits) == 3

    # bad input names the field: no case, a negative page size, a token of another case's list
    for bad, field in ((pb.ListVisitsRequest(case_id=" "), "case_id"),
                       (pb.ListVisitsRequest(case_id=case.case_id, page=common_pb2.PageRequest(page_size=-1)),
                        "page.page_size"),
                       (pb.ListVisitsRequest(case_id="another-case", page=common_pb2.PageRequest(
                           page_token=tokens[0])), "page.page_token"),
                       (pb.ListVisitsRequest(case_id=case.case_id, page=common_pb2.PageRequest(
                           page_token="forged")), "page.page_token")):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stack.dispatch_api.ListVisits(bad, metadata=AGENT)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in str(refused.value.details())
