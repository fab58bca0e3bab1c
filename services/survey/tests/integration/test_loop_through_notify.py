"""The whole loop through notify, every part a real process or server: cases (`python -m cases`), survey, notify
(`python -m notify`) and notify's test SMTP server (aiosmtpd). Closing a case e-mails the customer one
invitation carrying survey's own link; answering "unsatisfied" in headless Chromium reopens the case once and
the region's supervisor is e-mailed; the same link again says it was answered."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from email.header import decode_header, make_header
from email.message import Message

import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare_platform.testing.browser import answer_survey, chromium
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.smtp import ReceivedMail, SmtpServer
from aftercare_platform.testing.waiting import eventually
from playwright.async_api import Browser

from .conftest import DELAY_SECONDS, LOOP, ServiceProcess, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]

SUPERVISOR = {"staff_id": "sup-east", "name": "Zhao Supervisor", "email": "sup-east@loop.example",
              "language": "en", "supervisor_of_regions": ["east"]}


def subject_of(mail: ReceivedMail) -> str:
    return str(make_header(decode_header(mail.message["Subject"] or "")))


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    return ""


@pytest_asyncio.fixture(loop_scope=LOOP)
async def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture(loop_scope=LOOP)
async def notify(stack: Stack, smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    """notify on the stack's database and vhost, mail only; the staff table names the east supervisor (no
    rosters here: notify's own tests ask a real dispatch)."""
    process = ServiceProcess("notify", {
        "database_url": stack.settings.database_url, "amqp_url": stack.settings.amqp_url,
        "http_host": "127.0.0.1", "grpc_host": "127.0.0.1", "drain_seconds": "0", "shutdown_grace_seconds": "2",
        "log_level": "WARNING", "log_json": "false", "smtp_port": str(smtp.port), "smtp_security": "none",
        "sms_primary": "", "intake_grpc_target": "", "dispatch_grpc_target": "",
        "staff": json.dumps([SUPERVISOR]), "sender_poll_seconds": "0.2"}, tmp_path_factory.mktemp("notify"))
    await process.start()
    try:
        yield
    finally:
        await process.stop()


@pytest_asyncio.fixture(loop_scope=LOOP)
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


async def test_closing_mails_one_invitation_and_an_unsatisfied_answer_reopens_once_and_mails_the_supervisor(
        stack: Stack, smtp: SmtpServer, notify: None, browser: Browser) -> None:
    customer = f"li.lei.{uuid.uuid4().hex[:8]}@loop.example.cn"
    case = await stack.closed_case(email=customer)

    def invitations() -> list[ReceivedMail]:
        return [m for m in smtp.box.to(customer) if "满意度调查" in subject_of(m)]

    async def invited() -> bool:
        return len(invitations()) == 1

    await eventually(invited, within=DELAY_SECONDS + 60, what="the invitation e-mailed through notify")
    [invitation] = invitations()
    assert case.case_number in subject_of(invitation)
    body = text_of(invitation.message)
    found = re.search(r"(http://127\.0\.0\.1:\d+/s/[\w\-.]+)", body)
    assert found is not None, body
    link = found.group(1)
    assert f"{link}/opt-out" in body  # and the way never to be asked again

    page = await browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    response = await page.goto(link + "?lang=en")
    assert response is not None and response.status == 200
    await answer_survey(page, overall=1, speed=2, attitude=3, resolved=False, comment="Still no picture after dark")
    assert "Your case is reopened" in await page.get_by_role("status").inner_text()

    def supervisor_mails() -> list[ReceivedMail]:
        return [m for m in smtp.box.to(SUPERVISOR["email"]) if case.case_number in subject_of(m)
                and "unsatisfied" in subject_of(m).lower()]

    async def supervisor_told_and_reopened() -> bool:
        return len(supervisor_mails()) == 1 and (await stack.case(case.case_id)).status == cases_pb.CASE_STATUS_REOPENED

    await eventually(supervisor_told_and_reopened, within=60, what="the case reopened and the supervisor e-mailed")
    assert "Still no picture after dark" in text_of(supervisor_mails()[0].message)

    again = await page.goto(link + "?lang=en")
    assert again is not None and again.status == 409
    assert "already answered" in await page.get_by_role("status").inner_text()
    # what happened once stays once: one reopen, one invitation, one mail to the supervisor
    await stack.tap.wait_for(case.case_id, "aftercare.case.reopened", 1, within=30)
    assert (await stack.case(case.case_id)).reopen_count == 1
    assert len(invitations()) == 1 and len(supervisor_mails()) == 1
