"""The satisfaction survey in the customer portal, in Chromium: a customer opens its closed case, follows
the survey link to survey's own no-login form, answers, and its case page then shows the answer; the
desk sees the survey without the link; another company's customer reaches neither the case nor its link."""

from __future__ import annotations

import grpc
import pytest
from aftercare.survey.v1 import survey_pb2 as survey_pb
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.browser import answer_survey
from aftercare_platform.testing.waiting import eventually
from console.domain.demo_users import ACME
from playwright.async_api import Browser, expect

from .conftest import LOOP, REGION, SETTINGS, Stack, shoot, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP), pytest.mark.timeout(900)]


async def test_a_customer_answers_its_closed_cases_survey_from_the_portal_and_another_company_cannot(
        stack: Stack, browser: Browser) -> None:
    case = await stack.closed_case(ACME, "survey story: the lobby camera drops its picture")
    as_acme = [("authorization", f"Bearer {mint_token(SETTINGS, 'cust-acme', 'customer', company=ACME)}")]
    link = ""

    async def invited() -> bool:
        nonlocal link
        try:
            found = (await stack.survey.GetCaseSurvey(survey_pb.GetCaseSurveyRequest(case_id=case.case_id),
                                                      metadata=as_acme)).survey
        except grpc.aio.AioRpcError as early:
            assert early.code() == grpc.StatusCode.NOT_FOUND  # survey has not read case.closed yet
            return False
        link = found.link
        return found.status == survey_pb.INVITATION_STATUS_SENT

    await eventually(invited, within=60, what="survey's invitation for the closed case")
    assert link

    # another company's customer: the case page is refused and nothing of the survey shows
    boreal = await signed_in(browser, stack, "cust-boreal")
    response = await boreal.goto(f"{stack.console_url}/cases/{case.case_number}")
    assert response is not None and response.status == 404
    content = await boreal.content()
    assert link.rsplit("/", 1)[1] not in content and "Give feedback" not in content
    response = await boreal.goto(f"{stack.console_url}/cases/{case.case_id}")
    assert response is not None and response.status == 404
    assert link.rsplit("/", 1)[1] not in await boreal.content()

    # the desk sees that the survey is out, never the customer's link
    agent = await signed_in(browser, stack, "agent-li")
    await agent.goto(f"{stack.console_url}/cases/{case.case_number}")
    survey_section = agent.get_by_role("region", name="Satisfaction survey")
    await expect(survey_section).to_contain_text("The survey was sent to the customer; no answer yet.")
    assert await agent.locator("#survey-link").count() == 0
    assert link.rsplit("/", 1)[1] not in await agent.content()

    # the customer of the case follows the link from its portal case page to survey's form
    customer = await signed_in(browser, stack, "cust-acme")
    await customer.goto(f"{stack.console_url}/portal")
    await customer.get_by_role("link", name=case.case_number).click()
    survey_section = customer.get_by_role("region", name="Satisfaction survey")
    await expect(survey_section).to_contain_text("Please tell us how satisfied you are")
    await shoot(customer, "portal-case-survey-pending")
    await survey_section.get_by_role("link", name="Give feedback").click()
    await customer.wait_for_load_state()
    assert customer.url.startswith(link)
    await answer_survey(customer, overall=4, speed=5, attitude=5, resolved=True, comment="Fixed before lunch")
    assert "Thank you" in await customer.get_by_role("status").inner_text()

    # back in the portal: the answer, and no link any more
    await customer.goto(f"{stack.console_url}/cases/{case.case_number}")
    survey_section = customer.get_by_role("region", name="Satisfaction survey")
    await expect(survey_section).to_contain_text("Your answer")
    await expect(customer.locator("#survey-overall")).to_have_text("4 / 5")
    await expect(customer.locator("#survey-resolved")).to_have_text("yes")
    await expect(customer.locator("#survey-comment")).to_have_text("Fixed before lunch")
    assert await customer.locator("#survey-link").count() == 0
    await shoot(customer, "portal-case-survey-answered")

    # the same page in Chinese says it all in Chinese
    await customer.goto(f"{stack.console_url}/cases/{case.case_number}?lang=zh-CN")
    await expect(customer.get_by_role("region", name="满意度调查")).to_contain_text("您的评价")
    await expect(customer.locator("#survey-resolved")).to_have_text("是")
    assert case.region == REGION

    # the desk now reads the customer's answer on its own case page
    await agent.goto(f"{stack.console_url}/cases/{case.case_number}")
    await expect(agent.get_by_role("region", name="Satisfaction survey")).to_contain_text("The customer's answer")
    await expect(agent.locator("#survey-comment")).to_have_text("Fixed before lunch")
