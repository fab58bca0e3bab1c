"""RequestVisit with an idempotency key: a caller retrying after a lost answer gets the same visit."""

from __future__ import annotations

import grpc
import pytest
from aftercare.dispatch.v1 import dispatch_pb2 as pb

from .conftest import AGENT, Stack, p1_case


async def test_a_repeated_request_id_answers_the_first_visit_and_makes_no_second(stack: Stack) -> None:
    case = (await stack.cases_api.CreateCase(p1_case("visit-key-1", "mall-3"), metadata=AGENT)).case
    other = (await stack.cases_api.CreateCase(p1_case("visit-key-2", "mall-3"), metadata=AGENT)).case
    ask = pb.RequestVisitRequest(case_id=case.case_id, reason="quarterly inspection", request_id="inspection/abc")
    first = (await stack.dispatch_api.RequestVisit(ask, metadata=AGENT)).visit
    again = (await stack.dispatch_api.RequestVisit(ask, metadata=AGENT)).visit
    assert again.visit_id == first.visit_id

    await stack.events.wait_for(case.case_id, "aftercare.visit.requested", 1, within=30)
    # without a key every call is a new visit, as before
    plain = pb.RequestVisitRequest(case_id=case.case_id, reason="another look")
    fresh = (await stack.dispatch_api.RequestVisit(plain, metadata=AGENT)).visit
    assert fresh.visit_id != first.visit_id
    requested = await stack.events.wait_for(case.case_id, "aftercare.visit.requested", 2, within=30)
    assert len(requested) == 2  # the repeat emitted nothing

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stack.dispatch_api.RequestVisit(pb.RequestVisitRequest(
            case_id=other.case_id, reason="x", request_id="inspection/abc"), metadata=AGENT)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "request_id" in (refused.value.details() or "")
