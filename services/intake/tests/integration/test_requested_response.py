"""The customer's requested response time (plan 003 §3) through the real services: a partner's submission
carries it, intake passes it to cases, and cases' CaseCreated (what sla-timer reads) says it. A duration
that is not positive is INVALID_ARGUMENT / 400 naming `customer_requested_response`."""

from __future__ import annotations

import json
import uuid
from typing import Any

import grpc
import pytest
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.testing.waiting import eventually
from google.protobuf.duration_pb2 import Duration

from .conftest import LOOP, Customer, Intake
from .test_bad_input import fields, grpc_error

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


async def test_the_requested_response_reaches_case_created(intake: Intake):
    created: list[dict[str, Any]] = []
    broker = AmqpBroker(intake.settings.amqp_url, connection_name="intake-test-created")
    await broker.connect()
    channel = await broker.connection.channel()
    try:
        exchange = await channel.get_exchange("aftercare.events")
        queue = await channel.declare_queue(f"intaketest.created-{uuid.uuid4().hex[:8]}", exclusive=True,
                                            auto_delete=True)
        await queue.bind(exchange, routing_key="case.created.#")

        async def on_message(message: Any) -> None:
            created.append(json.loads(message.body))

        await queue.consume(on_message, no_ack=True)
        customer = await intake.register(Customer.make("requested"))
        partner = intake.auth("partner-req", "partner", companies=(customer.company_id,))
        request = pb.SubmitCaseRequest(
            partner_request_id="REQ-1", description="Core switch down", hints=pb.ReportHints(
                serial_number=customer.serial), customer_requested_response=Duration(seconds=1200))
        receipt = (await intake.stub.SubmitCase(request, metadata=partner)).receipt

        async def opened() -> bool:
            return (await intake.receipt(receipt.receipt_id)).case_number != ""

        await eventually(opened, within=30, what="the partner's case opened")
        number = (await intake.receipt(receipt.receipt_id)).case_number

        async def announced() -> bool:
            return any(e["data"].get("caseNumber") == number for e in created)

        await eventually(announced, within=30, what="CaseCreated of the partner's case")
        event = next(e for e in created if e["data"].get("caseNumber") == number)
        assert event["data"]["customerRequestedResponse"] == "1200s"
    finally:
        await channel.close()
        await broker.close()

    for seconds in (0, -60):
        bad = pb.SubmitCaseRequest(partner_request_id=f"REQ-bad{seconds}", description="x",
                                   customer_requested_response=Duration(seconds=seconds))
        error = await grpc_error(intake.stub.SubmitCase(bad, metadata=partner))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "customer_requested_response" in error.details()
    for bad_value in ("-PT5M", "soon"):
        entry = await intake.http.post("/v1/intake/agent-entries", headers=intake.headers(), json={
            "description": "caller on the line", "reporter": {"phone": "13800138000"},
            "customer_requested_response": bad_value})
        assert entry.status_code == 400, entry.text
        assert fields(entry) == ["customer_requested_response"]
