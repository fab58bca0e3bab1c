"""SMS webhook and partner gRPC: a known phone opens a case for its company, a partner request id
submitted twice opens one case, twenty repeats of one alarm make one case noting each repeat once."""

from __future__ import annotations

import asyncio

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.testing.waiting import eventually

from .conftest import LOOP, Customer, Intake

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


async def test_an_sms_from_a_known_phone_opens_a_case_for_the_contacts_company(intake: Intake):
    customer = await intake.register(Customer.make("sms"))
    national = customer.phone.removeprefix("+86")
    reply = await intake.http.post("/v1/intake/sms", json={
        "from": national, "to": "1069012345", "text": "3号门摄像头没有图像，请尽快处理", "id": "gw-msg-1"})
    assert reply.status_code == 200, reply.text
    receipt_id = reply.json()["receipt_id"]

    async def opened() -> bool:
        return (await intake.receipt(receipt_id)).case_number != ""

    await eventually(opened, within=30, what="the SMS's case opened")
    receipt = await intake.receipt(receipt_id)
    case = await intake.case(receipt.case_number)
    assert case.company_id == customer.company_id
    assert case.channel == cases_pb.CHANNEL_SMS
    assert case.caller.phone == customer.phone
    assert case.asset.serial_number == customer.serial  # the contact's site has one asset
    assert receipt.identification.contact_id == f"{customer.company_id}-K1"

    again = await intake.http.post("/v1/intake/sms", json={
        "from": national, "text": "3号门摄像头没有图像，请尽快处理", "id": "gw-msg-1"})
    assert again.json()["receipt_id"] == receipt_id  # the gateway retried: same message, same receipt
    note = await intake.http.post("/v1/intake/sms", data={
        "mobile": customer.phone, "content": f"{receipt.case_number} 已经恢复了，谢谢", "msgid": "gw-msg-2"})
    assert note.status_code == 200, note.text

    async def noted() -> bool:
        return len(await intake.notes(receipt.case_number)) == 1

    await eventually(noted, within=30, what="the SMS quoting the case number added as a note")
    assert len(await intake.cases_of(customer.company_id)) == 1


async def test_the_same_partner_request_id_twice_gives_one_case(intake: Intake):
    customer = await intake.register(Customer.make("partner"))
    partner = intake.auth("partner-nms", "partner", companies=(customer.company_id,))
    request = pb.SubmitCaseRequest(
        partner_request_id="NMS-4711", description="Core switch reports fan failure", error_codes=["FAN-2"],
        hints=pb.ReportHints(serial_number=customer.serial), stated_severity=pb.STATED_SEVERITY_MAJOR)
    first, second = await asyncio.gather(intake.stub.SubmitCase(request, metadata=partner),
                                         intake.stub.SubmitCase(request, metadata=partner))
    assert first.receipt.receipt_id == second.receipt.receipt_id
    assert sorted([first.replayed, second.replayed]) == [False, True]
    third = await intake.stub.SubmitCase(request, metadata=partner)
    assert third.replayed and third.receipt.case_number
    cases = await intake.cases_of(customer.company_id)
    assert [c.case_number for c in cases] == [third.receipt.case_number]
    assert cases[0].channel == cases_pb.CHANNEL_PARTNER
    assert cases[0].priority == cases_pb.PRIORITY_P2
    assert cases[0].caller.phone == customer.phone  # no reporter given: the designated contact answers


async def test_twenty_repeated_alarms_for_one_asset_give_one_case_noting_each_repeat_once(intake: Intake):
    customer = await intake.register(Customer.make("alarm"))
    monitoring = intake.auth("nms", "partner", companies=(customer.company_id,))

    async def alarm(n: int) -> pb.ReportAlarmResponse:
        return await intake.stub.ReportAlarm(pb.ReportAlarmRequest(
            alarm_id=f"alarm-{n}", serial_number=customer.serial, alarm_code="VIDEO-LOSS",
            description=f"video loss on channel 3 (occurrence {n})", severity=pb.STATED_SEVERITY_CRITICAL),
            metadata=monitoring)

    answers = await asyncio.gather(*(alarm(n) for n in range(20)))
    outcomes = sorted(answer.receipt.outcome for answer in answers)
    assert outcomes == [pb.RECEIPT_OUTCOME_NEW_CASE] + [pb.RECEIPT_OUTCOME_ALARM_FOLDED] * 19

    async def all_delivered() -> bool:
        receipts = [await intake.receipt(a.receipt.receipt_id) for a in answers]
        return all(r.state == pb.RECEIPT_STATE_SUBMITTED for r in receipts)

    await eventually(all_delivered, within=60, what="every alarm delivered")
    cases = await intake.cases_of(customer.company_id)
    assert len(cases) == 1
    assert cases[0].channel == cases_pb.CHANNEL_MONITORING
    assert "VIDEO-LOSS" in cases[0].error_codes
    # the repeats waiting together went on as one note: every one of them once, none lost
    notes = await intake.notes(cases[0].case_number)
    assert 1 <= len(notes) <= 19
    noted = sorted(line for note in notes for line in note.payload["text"].splitlines() if line.startswith("video"))
    first = next(a.receipt.receipt_id for a in answers if a.receipt.outcome == pb.RECEIPT_OUTCOME_NEW_CASE)
    opening = next(n for n in range(20) if answers[n].receipt.receipt_id == first)
    assert noted == sorted(f"video loss on channel 3 (occurrence {n})" for n in range(20) if n != opening)
    folded = [a.receipt for a in answers if a.receipt.outcome == pb.RECEIPT_OUTCOME_ALARM_FOLDED]
    # answered at once: the ones that found the case open named it, the rest waited for its number
    assert all(r.case_number in ("", cases[0].case_number) for r in folded)
