""""Give feedback now" through the real ports (gRPC OpenCaseSurvey, POST /v1/cases/{case_id}/survey/open) on
PostgreSQL with cases as a process: a customer whose invitation is still scheduled, or was skipped by sampling,
gets a working link at once, the same one on a double click, and answers it; the delayed send then sends no
second invitation; an answered or cancelled survey is refused naming why; another company's customer, a
customer without a company, staff and partner keys are refused as GetCaseSurvey refuses them, and learn
nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.waiting import eventually
from sqlalchemy import update
from survey.adapters.tables import invitations

from .conftest import DELAY_SECONDS, LATER, LOOP, UNSAMPLED, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]


async def status_of(stack: Stack, case_id: str) -> list[str]:
    return [row.status for row in await stack.reads.invitations_of(case_id)]


async def refused(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call  # type: ignore[misc]
    return error.value.code(), error.value.details() or ""


async def test_a_scheduled_survey_is_opened_once_answered_and_never_sent_again(stack: Stack) -> None:
    case = await stack.closed_case(company=LATER)

    async def scheduled() -> bool:
        return await status_of(stack, case.case_id) == ["scheduled"]

    await eventually(scheduled, within=30, what="the invitation scheduled an hour out")
    customer = stack.auth("alice", "customer", company=LATER)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.settings.grpc_port}") as channel:
        stub = survey_pb2_grpc.SurveyServiceStub(channel)

        # everyone but the case's customer is refused, and the invitation stays as it was
        outsiders = [stack.auth("bob", "customer", company="SURVEY-OTHER"), stack.auth("eve", "customer")]
        answers = {await refused(stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(case_id=case.case_id, request_id="r"),
                                                     metadata=who)) for who in outsiders}
        answers.add(await refused(stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(
            case_id=str(uuid.uuid4()), request_id="r"), metadata=customer)))
        assert answers == {(grpc.StatusCode.NOT_FOUND, "case survey not found")}
        partner = [("authorization", "Bearer " + mint_token(stack.settings, "p-1", "partner", companies=[LATER]))]
        for staff in (stack.auth("boss-1", "supervisor"), stack.auth("agent-1", "agent"), partner):
            code, _ = await refused(stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(case_id=case.case_id,
                                                                                 request_id="r"), metadata=staff))
            assert code == grpc.StatusCode.PERMISSION_DENIED
        code, details = await refused(stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(case_id=case.case_id),
                                                          metadata=customer))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and "request_id" in details
        assert await status_of(stack, case.case_id) == ["scheduled"]

        # the customer: a link now, the same on a double click and over REST
        first = (await stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(case_id=case.case_id, request_id="click-1"),
                                           metadata=customer)).survey
        again = (await stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(case_id=case.case_id, request_id="click-1"),
                                           metadata=customer)).survey
        rest = await stack.http.post(f"/v1/cases/{case.case_id}/survey/open", json={"request_id": "click-2"},
                                     headers=dict(customer))
        assert rest.status_code == 200, rest.text
        assert first.status == pb.INVITATION_STATUS_SENT and first.link.startswith(stack.base_url + "/s/")
        assert again.link == first.link == rest.json()["link"] and rest.json()["status"] == "sent"
        assert await status_of(stack, case.case_id) == ["sent"]
        other = await stack.http.post(f"/v1/cases/{case.case_id}/survey/open", json={"request_id": "click-1"},
                                      headers=dict(stack.auth("bob", "customer", company="SURVEY-OTHER")))
        assert other.status_code == 404 and first.link.rsplit("/", 1)[1] not in other.text

        form = await stack.http.get(first.link.removeprefix(stack.base_url))
        assert form.status_code == 200
        answered = await stack.http.post(first.link.removeprefix(stack.base_url), data={
            "overall": "4", "response_speed": "4", "attitude": "5", "resolved": "yes", "comment": "asked myself"})
        assert answered.status_code == 200, answered.text

        # the hour passes: the worker's delayed send finds nothing to send
        async with stack.database.unit_of_work() as uow:
            await uow.connection.execute(update(invitations).where(invitations.c.case_id == case.case_id)
                                      .values(due_at=datetime.now(UTC) - timedelta(seconds=1)))
        witness = await stack.closed_case()  # a case of the default delay: once it is sent, the worker went by
        await stack.tap.wait_for(witness.case_id, "aftercare.survey.sent", 1, within=DELAY_SECONDS + 30)
        assert stack.tap.of(case.case_id, "aftercare.survey.sent") == []
        assert await status_of(stack, case.case_id) == ["answered"]
        completed = await stack.tap.wait_for(case.case_id, "aftercare.survey.completed", 1, within=30)
        assert len(completed) == 1

        code, details = await refused(stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(
            case_id=case.case_id, request_id="click-3"), metadata=customer))
        assert code == grpc.StatusCode.FAILED_PRECONDITION and "answered" in details
        repeat = (await stub.OpenCaseSurvey(pb.OpenCaseSurveyRequest(case_id=case.case_id, request_id="click-1"),
                                            metadata=customer)).survey
        assert (repeat.status, repeat.answer.comment) == (pb.INVITATION_STATUS_ANSWERED, "asked myself")


async def test_a_survey_skipped_by_sampling_is_opened_for_the_customer_who_asks(stack: Stack) -> None:
    case = await stack.closed_case(company=UNSAMPLED)

    async def skipped() -> bool:
        return await status_of(stack, case.case_id) == ["skipped"]

    await eventually(skipped, within=DELAY_SECONDS + 30, what="the invitation skipped by sampling")
    customer = stack.auth("alice", "customer", company=UNSAMPLED)
    opened = await stack.http.post(f"/v1/cases/{case.case_id}/survey/open", json={"request_id": "volunteer"},
                                   headers=dict(customer))
    assert opened.status_code == 200, opened.text
    assert (opened.json()["status"], opened.json()["skip_reason"]) == ("sent", None)
    form = await stack.http.get(opened.json()["link"].removeprefix(stack.base_url))
    assert form.status_code == 200
    shown = await stack.http.get(f"/v1/cases/{case.case_id}/survey", headers=dict(customer))
    assert shown.json()["link"] == opened.json()["link"]
    assert stack.tap.of(case.case_id, "aftercare.survey.sent") == []  # nobody was messaged: the customer is here


async def test_a_survey_cancelled_by_a_reopen_is_refused_naming_why(stack: Stack) -> None:
    case = await stack.closed_case(company=LATER)
    await stack.cases.Reopen(cases_pb.ReopenRequest(case_id=case.case_id, reason="customer called back"),
                             metadata=stack.auth("agent-1", "agent"))

    async def cancelled() -> bool:
        return await status_of(stack, case.case_id) == ["cancelled"]

    await eventually(cancelled, within=30, what="the invitation cancelled by the reopen")
    answer = await stack.http.post(f"/v1/cases/{case.case_id}/survey/open", json={"request_id": "late"},
                                   headers=dict(stack.auth("alice", "customer", company=LATER)))
    assert answer.status_code == 409 and "reopened" in answer.json()["detail"]
    bad = await stack.http.post(f"/v1/cases/{case.case_id}/survey/open", json={"request_id": ""},
                                headers=dict(stack.auth("alice", "customer", company=LATER)))
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["body.request_id"]
