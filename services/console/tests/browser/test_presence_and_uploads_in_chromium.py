"""In Chromium: two staff on one case see each other (presence over the case page's live stream), and a
customer's file chosen on the portal's new-case form reaches intake with the report."""

from __future__ import annotations

import re

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.intake.v1 import intake_pb2 as intake_pb
from console.domain.demo_users import ACME
from playwright.async_api import Browser, expect

from .conftest import ADMIN, LOOP, Stack, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP), pytest.mark.timeout(900)]


async def test_two_staff_on_one_case_see_each_other_and_the_leaver_goes(stack: Stack, browser: Browser) -> None:
    case = await stack.open_case(ACME, cases_pb.PRIORITY_P3, "presence story")
    agent = await signed_in(browser, stack, "agent-li")
    await agent.goto(f"{stack.console_url}/cases/{case.case_number}")
    await expect(agent.locator("body")).to_have_attribute("data-live", "open", timeout=15000)
    await expect(agent.locator("#presence")).to_be_hidden()
    supervisor = await signed_in(browser, stack, "sup-chen")
    await supervisor.goto(f"{stack.console_url}/cases/{case.case_number}")
    await expect(agent.locator("#presence-names")).to_have_text("陈静", timeout=15000)
    await expect(supervisor.locator("#presence-names")).to_have_text("李娜", timeout=15000)
    await supervisor.close()
    await expect(agent.locator("#presence")).to_be_hidden(timeout=15000)


async def test_a_customer_attaches_a_file_to_a_new_case(stack: Stack, browser: Browser) -> None:
    customer = await signed_in(browser, stack, "cust-acme")
    await customer.goto(f"{stack.console_url}/calls/new")
    await customer.get_by_label("Caller's phone").fill("+8613800000001")
    await customer.get_by_label("Serial number").fill(f"CAM-{ACME[-4:]}")
    await customer.get_by_label("Description").fill("attachment story: the log shows disk errors")
    await customer.get_by_label("Attachments").set_input_files(
        files=[{"name": "raid.log", "mimeType": "text/plain", "buffer": b"disk 3 failed"}])
    await customer.get_by_role("button", name="Open the case").click()
    await expect(customer.locator("#case-number")).to_be_visible(timeout=15000)
    receipt_id = re.sub(r".*/calls/", "", customer.url)
    receipt = (await stack.intake.GetReceipt(intake_pb.GetReceiptRequest(receipt_id=receipt_id),
                                             metadata=ADMIN)).receipt
    assert [(a.filename, a.size_bytes) for a in receipt.attachments] == [("raid.log", 13)]
