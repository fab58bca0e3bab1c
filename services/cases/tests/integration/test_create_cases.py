"""CreateCases: several creations in one call, each answered as CreateCase alone would answer it."""

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as pb
from aftercare_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from aftercare_platform.servers.grpc_errors import domain_error_from_status_message
from cases.domain.case_numbers import parse_case_number
from google.rpc import status_pb2

from .conftest import AGENT, create_request


def refusal(result: pb.CreateCaseResult):  # type: ignore[no-untyped-def]
    assert result.WhichOneof("result") == "error", result
    return domain_error_from_status_message(status_pb2.Status.FromString(result.error))


async def test_a_batch_opens_each_case_in_order_and_refuses_only_what_alone_would_refuse(cases):
    agent = cases.auth(*AGENT)
    earlier = await cases.stub.CreateCase(create_request("seen-before"), metadata=agent)
    requests = [create_request(f"batch-{i}") for i in range(6)]
    requests.insert(2, create_request("no-priority", priority=pb.PRIORITY_UNSPECIFIED))
    requests.insert(4, create_request("seen-before"))
    requests.insert(5, create_request("seen-before", description="another fault"))

    reply = await cases.stub.CreateCases(pb.CreateCasesRequest(requests=requests), metadata=agent)

    assert len(reply.results) == len(requests)
    invalid = refusal(reply.results[2])
    assert isinstance(invalid, InvalidArgument) and [v.field for v in invalid.violations] == ["priority"]
    repeated = reply.results[4].created
    assert repeated.case.case_id == earlier.case.case_id and not repeated.created
    changed = refusal(reply.results[5])
    assert isinstance(changed, FailedPrecondition) and [v.field for v in changed.violations] == ["request_id"]
    opened = [r.created for i, r in enumerate(reply.results) if i not in (2, 4, 5)]
    assert all(o.created for o in opened) and len({o.case.case_id for o in opened}) == 6
    # numbered after the earlier case, gap-free, in the order sent
    assert [parse_case_number(o.case.case_number).sequence for o in opened] == [2, 3, 4, 5, 6, 7]
    got = await cases.stub.GetCase(pb.GetCaseRequest(case_number=opened[0].case.case_number), metadata=agent)
    assert got.case.description == "Camera 12 shows no picture since 08:00"

    again = await cases.stub.CreateCases(pb.CreateCasesRequest(requests=requests[:2]), metadata=agent)
    assert [r.created.case.case_id for r in again.results] == [o.case.case_id for o in opened[:2]]
    assert not any(r.created.created for r in again.results)


async def test_a_partner_key_opens_only_within_its_reach_and_takes_no_number_for_the_rest(cases):
    partner = cases.auth("partner-key-1", "partner", companies=["company-z"])
    reply = await cases.stub.CreateCases(pb.CreateCasesRequest(requests=[
        create_request("mine", company="company-z"), create_request("theirs", company="company-a"),
        create_request("mine-too", company="company-z"),
    ]), metadata=partner)
    assert isinstance(refusal(reply.results[1]), PermissionDenied)
    mine = [reply.results[0].created.case, reply.results[2].created.case]
    assert {c.company_id for c in mine} == {"company-z"}
    assert [parse_case_number(c.case_number).sequence for c in mine] == [1, 2]
    listed = await cases.stub.ListCases(pb.ListCasesRequest(), metadata=cases.auth(*AGENT))
    assert {c.company_id for c in listed.cases} == {"company-z"}


async def test_a_customer_cannot_open_another_companys_case_in_a_batch(cases):
    customer = cases.auth("contact-1", "customer", company="company-a")
    reply = await cases.stub.CreateCases(pb.CreateCasesRequest(requests=[
        create_request("other", company="company-b")]), metadata=customer)
    error = refusal(reply.results[0])
    assert isinstance(error, PermissionDenied)
    listed = await cases.stub.ListCases(pb.ListCasesRequest(), metadata=cases.auth(*AGENT))
    assert not [c for c in listed.cases if c.company_id == "company-b"]


@pytest.mark.parametrize("count", [0, 101])
async def test_a_call_with_no_creation_or_too_many_is_refused_naming_the_field(cases, count):
    requests = [create_request(f"n-{i}") for i in range(count)]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await cases.stub.CreateCases(pb.CreateCasesRequest(requests=requests), metadata=cases.auth(*AGENT))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "requests" in (refused.value.details() or "")


async def test_without_a_token_nothing_is_opened(cases):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await cases.stub.CreateCases(pb.CreateCasesRequest(requests=[create_request("anon")]))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    listed = await cases.stub.ListCases(pb.ListCasesRequest(), metadata=cases.auth(*AGENT))
    assert not listed.cases


async def test_a_nul_byte_in_one_creation_is_refused_naming_it(cases):
    agent = cases.auth(*AGENT)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await cases.stub.CreateCases(pb.CreateCasesRequest(requests=[
            create_request("fine"), create_request("nul", description="broken\x00")]), metadata=agent)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (refused.value.details() or "").startswith("requests[1].description:")
