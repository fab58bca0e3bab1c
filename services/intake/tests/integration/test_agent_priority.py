"""The desk sets the priority at intake (issue 10): over HTTP and gRPC an agent's explicit priority wins,
intake's suggestion is kept beside it, and the case names the agent who took the call; a partner may not."""

from __future__ import annotations

import json

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.testing.waiting import eventually

from .conftest import LOOP, Customer, Intake

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


async def _case_of(intake: Intake, receipt_id: str) -> cases_pb.Case:
    numbers: list[str] = []

    async def delivered() -> bool:
        numbers[:] = [(await intake.receipt(receipt_id)).case_number]
        return bool(numbers[0])

    await eventually(delivered, within=30, what=f"receipt {receipt_id} naming its case")
    return await intake.case(numbers[0])


async def _created_by(intake: Intake, case: cases_pb.Case) -> tuple[str, dict]:
    entries = await intake.cases_stub.GetTimeline(cases_pb.GetTimelineRequest(case_id=case.case_id),
                                                  metadata=intake.auth("desk", "agent"))
    created = entries.entries[0]
    return created.actor.subject_id, json.loads(created.payload_json)


async def test_the_agents_priority_wins_over_http_and_grpc(intake: Intake) -> None:
    customer = await intake.register(Customer.make("priority"))
    entry = await intake.http.post("/v1/intake/agent-entries", headers=intake.headers("desk-9", "agent"), json={
        "description": "The director's camera is down", "reporter": {"phone": customer.phone},
        "hints": {"serial_number": customer.serial}, "category": "G", "priority": "P1"})
    assert entry.status_code == 201, entry.text
    case = await _case_of(intake, entry.json()["receipt_id"])
    assert (case.priority, case.suggested_priority) == (cases_pb.PRIORITY_P1, cases_pb.PRIORITY_P4)
    who, created = await _created_by(intake, case)
    assert (who, created["channel"], created["suggested_priority"]) == ("desk-9", "hotline", "P4")

    over_grpc = await intake.stub.SubmitCase(pb.SubmitCaseRequest(
        description="Recorder beeps", reporter=pb.Reporter(phone=customer.phone),
        hints=pb.ReportHints(serial_number=customer.serial), category=cases_pb.CATEGORY_A,
        priority=cases_pb.PRIORITY_P2), metadata=intake.auth("desk-9", "agent"))
    case = await _case_of(intake, over_grpc.receipt.receipt_id)
    assert (case.priority, case.suggested_priority) == (cases_pb.PRIORITY_P2, cases_pb.PRIORITY_P3)

    partner = intake.auth("partner-prio", "partner", companies=(customer.company_id,))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await intake.stub.SubmitCase(pb.SubmitCaseRequest(
            partner_request_id="P-1", description="x", hints=pb.ReportHints(company=customer.company_id),
            priority=cases_pb.PRIORITY_P1), metadata=partner)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "priority" in (refused.value.details() or "")
