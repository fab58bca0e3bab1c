"""A case's survey through the real ports (gRPC GetCaseSurvey and GET /v1/cases/{case_id}/survey): the
customer of the case's company gets the link its invitation carried and, once answered, the answer;
everyone else is refused the way the platform refuses — another company's customer and an outside
region's agent NOT_FOUND (like a case never surveyed), a partner key PERMISSION_DENIED, a forged token
UNAUTHENTICATED — and never sees a link. Bad ids are INVALID_ARGUMENT / 400 naming case_id."""

from __future__ import annotations

import uuid

import grpc
import pytest
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.auth.tokens import mint_token

from .conftest import DELAY_SECONDS, LOOP, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


async def test_the_customer_of_the_case_sees_its_link_then_its_answer_and_no_one_else_does(stack: Stack) -> None:
    case = await stack.closed_case()
    [sent] = await stack.tap.wait_for(case.case_id, "aftercare.survey.sent", 1, within=DELAY_SECONDS + 30)
    link = sent.parsed(pb.SurveySent).link
    customer = stack.auth("alice", "customer", company=case.company_id)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.settings.grpc_port}") as channel:
        stub = survey_pb2_grpc.SurveyServiceStub(channel)
        mine = (await stub.GetCaseSurvey(pb.GetCaseSurveyRequest(case_id=case.case_id), metadata=customer)).survey
        assert (mine.status, mine.link, mine.case_number, mine.expired) == (
            pb.INVITATION_STATUS_SENT, link, case.case_number, False)
        staff = (await stub.GetCaseSurvey(pb.GetCaseSurveyRequest(case_id=case.case_id),
                                          metadata=stack.auth("boss-1", "supervisor"))).survey
        assert (staff.status, staff.link) == (pb.INVITATION_STATUS_SENT, "")

        never_surveyed = str(uuid.uuid4())
        outsiders = {
            "customer of another company": (stack.auth("bob", "customer", company="SURVEY-OTHER"), case.case_id),
            "customer without a company": (stack.auth("eve", "customer"), case.case_id),
            "agent of another region": (bearer(mint_token(stack.settings, "agent-w", "agent", regions=["west"])),
                                        case.case_id),
            "own customer, a case never surveyed": (customer, never_surveyed),
        }
        refusals = {}
        for who, (metadata, case_id) in outsiders.items():
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetCaseSurvey(pb.GetCaseSurveyRequest(case_id=case_id), metadata=metadata)
            refusals[who] = (refused.value.code(), refused.value.details())
        assert set(refusals.values()) == {(grpc.StatusCode.NOT_FOUND, "case survey not found")}, refusals

        partner = bearer(mint_token(stack.settings, "partner-1", "partner", companies=[case.company_id]))
        with pytest.raises(grpc.aio.AioRpcError) as as_partner:
            await stub.GetCaseSurvey(pb.GetCaseSurveyRequest(case_id=case.case_id), metadata=partner)
        assert as_partner.value.code() == grpc.StatusCode.PERMISSION_DENIED

        forger = stack.settings.model_copy(update={"jwt_secret": "a-forger's-secret-long-enough-to-look-real"})
        forged = bearer(mint_token(forger, "alice", "customer", company=case.company_id))
        with pytest.raises(grpc.aio.AioRpcError) as as_forged:
            await stub.GetCaseSurvey(pb.GetCaseSurveyRequest(case_id=case.case_id), metadata=forged)
        assert as_forged.value.code() == grpc.StatusCode.UNAUTHENTICATED

        for bad in ("EA-20261121-000001", "nul\x00", case.case_id[:-1]):
            with pytest.raises(grpc.aio.AioRpcError) as invalid:
                await stub.GetCaseSurvey(pb.GetCaseSurveyRequest(case_id=bad), metadata=customer)
            assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "case_id" in (invalid.value.details() or "")

        answered = await stack.http.post(link.removeprefix(stack.base_url), data={
            "overall": "5", "response_speed": "4", "attitude": "5", "resolved": "yes", "comment": "很好"})
        assert answered.status_code == 200, answered.text
        done = (await stub.GetCaseSurvey(pb.GetCaseSurveyRequest(case_id=case.case_id), metadata=customer)).survey
        assert (done.status, done.link, done.answer.overall, done.answer.resolved, done.answer.comment) == (
            pb.INVITATION_STATUS_ANSWERED, "", 5, True, "很好")
        assert done.answer.HasField("answered_time")


async def test_the_rest_read_speaks_short_forms_and_refuses_alike(stack: Stack) -> None:
    case = await stack.closed_case()
    [sent] = await stack.tap.wait_for(case.case_id, "aftercare.survey.sent", 1, within=DELAY_SECONDS + 30)
    path = f"/v1/cases/{case.case_id}/survey"
    mine = await stack.http.get(path, headers=dict(stack.auth("alice", "customer", company=case.company_id)))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["status"], body["link"], body["skip_reason"], body["answer"]) == (
        "sent", sent.parsed(pb.SurveySent).link, None, None)

    other = await stack.http.get(path, headers=dict(stack.auth("bob", "customer", company="SURVEY-OTHER")))
    unknown = await stack.http.get(f"/v1/cases/{uuid.uuid4()}/survey",
                                   headers=dict(stack.auth("alice", "customer", company=case.company_id)))
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert other.json()["detail"] == unknown.json()["detail"]
    assert "link" not in other.text

    partner = await stack.http.get(path, headers=dict(bearer(mint_token(
        stack.settings, "partner-1", "partner", companies=[case.company_id]))))
    assert partner.status_code == 403
    anonymous = await stack.http.get(path)
    assert anonymous.status_code == 401

    bad = await stack.http.get("/v1/cases/not-a-case/survey",
                               headers=dict(stack.auth("alice", "customer", company=case.company_id)))
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["case_id"]
    nul = await stack.http.get("/v1/cases/%00/survey", headers=dict(stack.auth("boss-1", "supervisor")))
    assert nul.status_code == 400
