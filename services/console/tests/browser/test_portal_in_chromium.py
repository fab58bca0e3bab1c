"""The customer portal in Chromium: a customer opens a case, follows its timeline live (public entries
only), and cannot see the desk's internal notes."""

from __future__ import annotations

import re

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from console.domain.demo_users import ACME
from playwright.async_api import Browser, expect

from .conftest import ADMIN, LOOP, Stack, shoot, signed_in

# the stack starts once for the package; on a loaded shared machine that alone can take minutes
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP), pytest.mark.timeout(900)]


async def test_a_customer_opens_a_case_and_follows_it_live_without_internal_notes(stack: Stack,
                                                                                   browser: Browser) -> None:
    customer = await signed_in(browser, stack, "cust-acme")
    await customer.get_by_role("link", name="Open a new case").click()
    await customer.get_by_label("Caller's phone").fill("+8613800000001")
    await customer.get_by_label("Caller's name").fill("Alice Wu")
    await customer.get_by_label("Serial number").fill(f"CAM-{ACME[-4:]}")
    await customer.get_by_label("Summary").fill("Portal report")
    await customer.get_by_label("Description").fill("portal story: the parking camera flickers")
    await customer.get_by_role("button", name="Open the case").click()
    number = (await customer.locator("#case-number").inner_text(timeout=15000)).strip()
    assert re.match(r"^[A-Z]{2}-\d{8}-\d{6}$", number)
    case = await stack.case(number)
    assert case.company_id == ACME
    await customer.goto(f"{stack.console_url}/portal")
    await expect(customer.get_by_role("link", name=number)).to_be_visible()
    await customer.get_by_role("link", name=number).click()
    await expect(customer.locator("body")).to_have_attribute("data-live", "open", timeout=10000)

    # the desk writes one internal and one public note: only the public one reaches the open page
    await stack.cases.AddNote(cases_pb.AddNoteRequest(case_id=case.case_id, text="internal: check the PoE switch",
                                                      visibility=cases_pb.VISIBILITY_INTERNAL), metadata=ADMIN)
    await stack.cases.AddNote(cases_pb.AddNoteRequest(case_id=case.case_id, text="An engineer calls you at 14:00",
                                                      visibility=cases_pb.VISIBILITY_PUBLIC), metadata=ADMIN)
    await expect(customer.get_by_text("An engineer calls you at 14:00")).to_be_visible(timeout=15000)
    assert "check the PoE switch" not in await customer.content()
    await customer.reload()
    assert "check the PoE switch" not in await customer.content()

    # and the customer adds a note of its own
    await customer.get_by_label("Note", exact=True).fill("The flicker is worst at night")
    await customer.get_by_role("button", name="Add a note").click()
    await expect(customer.get_by_text("The flicker is worst at night")).to_be_visible()
    await shoot(customer, "portal-case-live")
