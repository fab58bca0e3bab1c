"""Nothing is lost while cases is down; the warranty is extended by vendor-fault downtime learnt
from case events on the bus."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.cases.v1 import events_pb2
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.bus.amqp import AmqpBroker
from aftercare_platform.bus.envelope import CloudEvent
from aftercare_platform.bus.ports import OutgoingMessage
from aftercare_platform.testing.waiting import eventually
from dateutil.relativedelta import relativedelta
from google.protobuf.json_format import MessageToDict

from .conftest import LOOP, Customer, Intake, Stack

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_with_cases_stopped_a_hundred_submissions_are_kept_and_all_open_when_it_is_back(stack: Stack):
    intake = stack.intake
    customer = await intake.register(Customer.make("outage"))
    partner = intake.auth("partner-itsm", "partner", companies=(customer.company_id,))
    await stack.cases.stop()
    try:
        gate = asyncio.Semaphore(10)

        async def submit(n: int) -> pb.SubmitCaseResponse:
            async with gate:
                return await intake.stub.SubmitCase(pb.SubmitCaseRequest(
                    partner_request_id=f"ITSM-{n}", description=f"ticket {n}: terminal {n} cannot log in",
                    error_codes=[f"LOGIN-{n}"], hints=pb.ReportHints(company=customer.company_id)), metadata=partner)

        answers = await asyncio.gather(*(submit(n) for n in range(100)))
    finally:
        await stack.cases.start(migrate=False)
    assert all(a.receipt.state == pb.RECEIPT_STATE_PENDING and not a.receipt.case_number for a in answers)
    receipts = {a.receipt.receipt_id for a in answers}
    assert len(receipts) == 100

    async def all_opened() -> bool:
        return len(await intake.cases_of(customer.company_id)) == 100

    await eventually(all_opened, within=60, what="all 100 cases opened once cases is back")
    numbers = {(await intake.receipt(receipt_id)).case_number for receipt_id in receipts}
    assert len(numbers) == 100 and "" not in numbers


def _case_event(event_type: str, message: events_pb2.CaseCreated | events_pb2.CaseResolved) -> OutgoingMessage:
    event = CloudEvent(type=event_type, source="/services/cases", subject=message.case_id, region="east",
                       data=MessageToDict(message))
    return OutgoingMessage(body=event.to_json(), message_id=event.id, routing_key=event.routing_key)


async def test_an_asset_accepted_24_months_ago_with_10_days_down_is_covered_10_more_days(intake: Intake):
    today = datetime.now(SHANGHAI).date()
    accepted = today - relativedelta(months=24)
    customer = await intake.register(Customer.make("warranty", accepted_on=accepted.isoformat()))
    agent = intake.auth()

    async def coverage(day: str = "") -> pb.CheckCoverageResponse:
        return await intake.stub.CheckCoverage(pb.CheckCoverageRequest(serial_number=customer.serial, date=day),
                                               metadata=agent)

    before = await coverage()
    assert not before.covered and before.extension_days == 0

    opened = datetime.combine(accepted + timedelta(days=100), time(2, 0), tzinfo=UTC)

    def story(priority: int, fault_party: int, down_from: datetime) -> tuple[str, list[OutgoingMessage]]:
        """A case opened at `opened` and resolved with a fault report: down from `down_from` for 10 days."""
        case_id, number = str(uuid.uuid4()), f"EA-{opened:%Y%m%d}-{uuid.uuid4().int % 900_000 + 100_000}"
        snapshot = {"case_id": case_id, "case_number": number, "region": "east", "company_id": customer.company_id,
                    "contract_id": customer.contract_id, "priority": priority}
        created = events_pb2.CaseCreated(**snapshot, status=cases_pb.CASE_STATUS_NEW, description="site down",
                                         asset=cases_pb.Asset(serial_number=customer.serial, manufacturer="Hikvision"))
        created.occurred_at.FromDatetime(opened)
        report = cases_pb.FaultReport(cause="c", method="m", result="r", prevention="p", fault_party=fault_party)
        report.outage_started_at.FromDatetime(down_from)
        report.restored_at.FromDatetime(down_from + timedelta(days=10))
        resolved = events_pb2.CaseResolved(**snapshot, status=cases_pb.CASE_STATUS_RESOLVED, fault_report=report)
        resolved.occurred_at.FromDatetime(down_from + timedelta(days=12))
        return number, [_case_event("aftercare.case.created.v1", created),
                        _case_event("aftercare.case.resolved.v1", resolved)]

    # a P1 lowered to P2 before resolution, down through the vendor's fault, counts (issue 10) ...
    number, vendor = story(cases_pb.PRIORITY_P2, cases_pb.FAULT_PARTY_VENDOR, opened)
    # ... a P1 down through the customer's own fault, weeks later, does not
    _, customers_own = story(cases_pb.PRIORITY_P1, cases_pb.FAULT_PARTY_CUSTOMER, opened + timedelta(days=40))
    broker = AmqpBroker(intake.settings.amqp_url, connection_name="warranty-test")
    await broker.connect()
    try:
        for message in (*customers_own, *vendor):
            await broker.publish(message)
    finally:
        await broker.close()

    async def extended() -> bool:
        return (await coverage()).extension_days == 10

    await eventually(extended, within=30, what="the downtime learnt from the case events")
    now = await coverage()
    assert now.covered and now.until == (today + timedelta(days=9)).isoformat()
    assert now.base_until == (today - timedelta(days=1)).isoformat()
    assert now.entitlement == cases_pb.ENTITLEMENT_IN_WARRANTY
    assert [d.case_number for d in now.downtime] == [number]
    assert "extended by 10 days" in now.reason
    assert (await coverage((today + timedelta(days=9)).isoformat())).covered
    assert not (await coverage((today + timedelta(days=10)).isoformat())).covered
