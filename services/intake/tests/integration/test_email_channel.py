"""Inbound email through a real SMTP conversation: a report opens a case, a reply quoting the case
number adds a note, a bounce opens nothing (and is recorded)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare_platform.testing.waiting import eventually
from intake.adapters.tables import rejections, submissions
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from .conftest import LOOP, Customer, Intake

pytestmark = pytest.mark.asyncio(loop_scope=LOOP)


def send(port: int, message: EmailMessage, sender: str | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(message, from_addr=sender)


def mail(subject: str, body: str, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@aftercare.example"
    message["Subject"] = subject
    message.set_content(body)
    return message


async def count(database_url: str, table: Table, **where: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(table)
            for column, value in where.items():
                query = query.where(table.c[column] == value)
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_a_mail_opens_a_case_a_reply_adds_a_note_and_a_bounce_opens_nothing(intake: Intake, database_url):
    customer = await intake.register(Customer.make("mail"))
    report = mail("[紧急] 3号门摄像头无图像", "Camera 12 at gate 3 shows no picture since 08:00.\n错误码: E-1021",
                  sender=f"Li Lei <{customer.email}>")
    report.add_attachment(b"\x89PNG fake screenshot", maintype="image", subtype="png", filename="screen.png")
    await asyncio.to_thread(send, intake.smtp_port, report)

    async def opened() -> bool:
        return len(await intake.cases_of(customer.company_id)) == 1

    await eventually(opened, within=30, what="the mail's case opened")
    case = (await intake.cases_of(customer.company_id))[0]
    assert case.contract_id == customer.contract_id
    assert case.channel == cases_pb.CHANNEL_EMAIL
    assert case.caller.email == customer.email
    assert case.priority == cases_pb.PRIORITY_P1  # stated critical (紧急) in the subject
    assert "E-1021" in case.error_codes
    assert "screen.png" in case.description and "attachment:sha256/" in case.description
    assert not case.flags.unidentified

    reply = mail(f"Re: [{case.case_number}] 3号门摄像头无图像", "It is back since 10:15, thanks.\n\n> old text",
                 sender=f"Li Lei <{customer.email}>")
    await asyncio.to_thread(send, intake.smtp_port, reply)

    async def noted() -> bool:
        return len(await intake.notes(case.case_number)) == 1

    await eventually(noted, within=30, what="the reply added as a note")
    note = (await intake.notes(case.case_number))[0]
    assert "It is back since 10:15" in note.payload_json
    # the note is the contact's own word, not intake's (issue 10)
    assert (note.actor.subject_id, note.actor.company_id) == (f"{customer.company_id}-K1", customer.company_id)

    # waiting for the customer: its e-mail reply resumes the case
    engineer = intake.auth("eng-mail", "engineer")
    await intake.cases_stub.Assign(cases_pb.AssignRequest(case_number=case.case_number, assignee_id="eng-mail"),
                                   metadata=intake.auth("desk", "agent"))
    await intake.cases_stub.Acknowledge(cases_pb.AcknowledgeRequest(case_number=case.case_number), metadata=engineer)
    await intake.cases_stub.SetWaitingForCustomer(cases_pb.SetWaitingForCustomerRequest(
        case_number=case.case_number, reason="which recorder?"), metadata=engineer)
    answer = mail(f"Re: [{case.case_number}] which recorder?", "NVR 2, in the gate house.",
                  sender=f"Li Lei <{customer.email}>")
    await asyncio.to_thread(send, intake.smtp_port, answer)

    async def resumed() -> bool:
        return (await intake.case(case.case_number)).status == cases_pb.CASE_STATUS_IN_PROGRESS

    await eventually(resumed, within=30, what="the e-mail answer resuming the case")

    bounces = await count(database_url, rejections, reason="bounce")
    bounce = mail("Undeliverable: your case", f"Delivery to {customer.email} has failed",
                  sender="MAILER-DAEMON@mx.example")
    await asyncio.to_thread(send, intake.smtp_port, bounce, "")
    assert await count(database_url, rejections, reason="bounce") == bounces + 1
    assert len(await intake.cases_of(customer.company_id)) == 1
    assert len(await intake.notes(case.case_number)) == 2


async def test_unreadable_mail_is_recorded_and_the_listener_keeps_serving(intake: Intake, database_url):
    def send_raw(data: bytes) -> int:
        with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as smtp:
            smtp.ehlo()
            smtp.mail("someone@example.com")
            smtp.rcpt("support@aftercare.example")
            return int(smtp.data(data)[0])

    before = await count(database_url, rejections)
    assert await asyncio.to_thread(send_raw, b"From: nobody\r\nSubject: \r\n\r\n   \r\n") == 250
    assert await asyncio.to_thread(send_raw, b"\xff\xfe\x00garbage without headers \x00\x01") == 250
    assert await count(database_url, rejections) == before + 2
    customer = await intake.register(Customer.make("badmail"))
    await asyncio.to_thread(send, intake.smtp_port, mail("printer", "The printer at the desk jams.",
                                                          sender=customer.email))

    async def accepted() -> bool:
        return len(await intake.cases_of(customer.company_id)) == 1

    await eventually(accepted, within=30, what="a good mail after bad ones")
    submitted = await count(database_url, submissions, state="submitted")
    assert submitted >= 1
