"""The customer's notice of an on-site inspection, e-mailed for real: inspection (`python -m inspection`)
emits `inspection.notice_due`, a running notify (`python -m notify`) finds the company's contact in the
real intake and sends the mail to an aiosmtpd server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from email.message import Message

import pytest
import pytest_asyncio
from aftercare.inspection.v1 import inspection_pb2 as pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from aftercare_platform.testing.ports import free_port
from aftercare_platform.testing.processes import ServiceProcess
from aftercare_platform.testing.smtp import ReceivedMail, SmtpServer
from aftercare_platform.testing.waiting import eventually

from .conftest import ADMIN, AGENT, LOOP, Stack
from .test_stack import plan

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]


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
    """notify on the stack's database and vhost, mail only, asking the stack's intake for contacts."""
    process = ServiceProcess("notify", {
        "database_url": stack.database_url, "amqp_url": stack.amqp_url, "http_host": "127.0.0.1",
        "grpc_host": "127.0.0.1", "drain_seconds": "0", "shutdown_grace_seconds": "2", "log_level": "WARNING",
        "log_json": "false", "smtp_port": str(smtp.port), "smtp_security": "none", "sms_primary": "",
        "intake_grpc_target": stack.intake_process.target, "dispatch_grpc_target": "",
        "sender_poll_seconds": "0.2"}, tmp_path_factory.mktemp("notify"))
    await process.start()
    try:
        yield
    finally:
        await process.stop()


async def test_the_customer_is_mailed_the_notice_of_a_due_on_site_visit(
        stack: Stack, smtp: SmtpServer, notify: None) -> None:
    company = await stack.company("mailed")
    address = f"li.lei.{uuid.uuid4().hex[:8]}@{company}.example.cn"
    await stack.intake.CreateContact(intake_pb.CreateContactRequest(contact=intake_pb.Contact(
        company_id=company, name="Li Lei", email=address, role="IT manager")), metadata=ADMIN)
    checklist = await stack.checklist(f"health-{company}")
    # on site the next working day, told 1 working day ahead: the notice is due now
    created = await stack.inspection.CreatePlan(pb.CreatePlanRequest(plan=plan(
        company, checklist.checklist_id, mode=pb.INSPECTION_MODE_ON_SITE, notice_working_days=1)), metadata=AGENT)
    (scheduled,) = created.scheduled

    def mails() -> list[ReceivedMail]:
        return smtp.box.to(address)

    async def mailed() -> bool:
        return len(mails()) >= 1

    await eventually(mailed, within=90, what="the notice e-mailed through notify")
    (mail,) = mails()
    assert scheduled.scheduled_on in text_of(mail.message)
