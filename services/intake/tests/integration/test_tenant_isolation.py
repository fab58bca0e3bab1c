"""Through the real intake and cases processes: no channel writes a customer-visible note onto
another company's case, coverage is the owning company's business, and a partner follows the case
it reported for a company nobody knows yet."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import grpc
import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as pb
from aftercare_platform.testing.waiting import eventually

from .conftest import LOOP, Customer, Intake

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


def send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(message)


async def opened_case(intake: Intake, customer: Customer) -> str:
    reply = await intake.stub.SubmitCase(pb.SubmitCaseRequest(
        description="Gate camera dark", reporter=pb.Reporter(phone=customer.phone),
        hints=pb.ReportHints(serial_number=customer.serial)), metadata=intake.auth())
    assert reply.receipt.case_number
    return reply.receipt.case_number


async def entries(intake: Intake, case_number: str) -> list[cases_pb.TimelineEntry]:
    return await intake.notes(case_number)


async def mail_quoting(intake: Intake, sender: Customer, number: str, text: str) -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender.email, "support@aftercare.example", f"Re: {number}"
    mail["Message-ID"] = f"<{sender.company_id}@mail.example>"
    mail.set_content(text)
    await asyncio.to_thread(send, intake.smtp_port, mail)


async def notes_counted(intake: Intake, number: str, count: int) -> None:
    async def counted() -> bool:
        return len(await entries(intake, number)) == count

    await eventually(counted, within=30, what=f"{count} notes kept on {number}")


async def test_no_channel_puts_another_companys_words_on_a_case_for_its_customers(intake: Intake) -> None:
    a = await intake.register(Customer.make("victim"))
    b = await intake.register(Customer.make("intruder"))
    number = await opened_case(intake, a)

    with pytest.raises(grpc.aio.AioRpcError) as refused:  # a partner key of B
        await intake.stub.SubmitCase(pb.SubmitCaseRequest(
            partner_request_id="B-1", description="pay to account 123", quoted_case_number=number),
            metadata=intake.auth("b-nms", "partner", companies=(b.company_id,)))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

    web = await intake.http.post("/v1/intake/web-form", json={  # anonymous
        "reporter": {"name": "someone", "email": "x@nowhere.example"},
        "description": f"{number}: web form text from a stranger", "quoted_case_number": number})
    assert web.status_code in (201, 202), web.text
    await mail_quoting(intake, b, number, "mail text from company B's contact")  # a known contact of B
    await notes_counted(intake, number, 2)
    notes = await entries(intake, number)
    assert all(n.visibility == cases_pb.VISIBILITY_INTERNAL for n in notes)
    assert all("Unverified sender" in str(n.payload) for n in notes)
    timeline = await intake.cases_stub.GetTimeline(
        cases_pb.GetTimelineRequest(case_number=number, page={"page_size": 200}),
        metadata=intake.auth("li", "customer", company=a.company_id))
    assert [e for e in timeline.entries if e.kind == "note_added"] == []  # A's customer sees none of it


async def test_a_contact_of_the_company_adds_a_visible_note(intake: Intake) -> None:
    a = await intake.register(Customer.make("owner"))
    number = await opened_case(intake, a)
    await mail_quoting(intake, a, number, "it works again, thanks")
    await notes_counted(intake, number, 1)
    assert (await entries(intake, number))[0].visibility == cases_pb.VISIBILITY_PUBLIC


async def test_coverage_answers_only_whoever_may_see_the_company(intake: Intake) -> None:
    a = await intake.register(Customer.make("covered"))
    b = await intake.register(Customer.make("curious"))
    asked = pb.CheckCoverageRequest(serial_number=a.serial)
    for outsider in (intake.auth("han", "customer", company=b.company_id),
                     intake.auth("b-nms", "partner", companies=(b.company_id,))):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await intake.stub.CheckCoverage(asked, metadata=outsider)
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    own = await intake.stub.CheckCoverage(asked, metadata=intake.auth("li", "customer", company=a.company_id))
    assert own.covered
    http = await intake.http.get("/v1/intake/coverage", params={"serial_number": a.serial},
                                 headers=dict(intake.auth("han", "customer", company=b.company_id)))
    assert http.status_code == 404 and http.json()["detail"] == f"asset {a.serial} not found"


async def test_a_partner_follows_the_case_it_reported_for_an_unknown_company(intake: Intake) -> None:
    partner = intake.auth("nms-unknown", "partner", companies=("SOME-KNOWN-CO",))
    reply = await intake.stub.SubmitCase(pb.SubmitCaseRequest(
        partner_request_id="U-1", description="device at a customer we have not registered yet",
        reporter=pb.Reporter(phone="+8613700000001")), metadata=partner)
    number = reply.receipt.case_number
    assert number and not reply.receipt.identification.company_id
    followed = await intake.cases_stub.GetCase(cases_pb.GetCaseRequest(case_number=number), metadata=partner)
    assert followed.case.case_number == number
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await intake.cases_stub.GetCase(cases_pb.GetCaseRequest(case_number=number),
                                        metadata=intake.auth("other-key", "partner", companies=("SOME-KNOWN-CO",)))
    assert other.value.code() == grpc.StatusCode.NOT_FOUND
