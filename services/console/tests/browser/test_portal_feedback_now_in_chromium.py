""""Give feedback now" in the customer portal, in Chromium: a Boreal customer (Boreal's invitations wait an
hour in this stack) views its closed case while the invitation is still scheduled, clicks "Give feedback now",
answers on survey's own form, and its case page shows the answer; the delayed invitation is not sent as well."""

from __future__ import annotations

import grpc
import pytest
from aftercare.survey.v1 import survey_pb2 as survey_pb
from aftercare_platform.auth.tokens import mint_token
from aftercare_platform.testing.browser import answer_survey
from aftercare_platform.testing.waiting import eventually
from console.domain.demo_users import BOREAL
from playwright.async_api import Browser, expect

from .conftest import LOOP, SETTINGS, Stack, shoot, signed_in

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP), pytest.mark.timeout(900)]


async def test_a_customer_gives_feedback_now_while_its_invitation_is_still_scheduled(
        stack: Stack, browser: Browser) -> None:
    case = await stack.closed_case(BOREAL, "feedback-now story: the gate barrier sticks")
    as_boreal = [("authorization", f"Bearer {mint_token(SETTINGS, 'cust-boreal', 'customer', company=BOREAL)}")]

    async def scheduled() -> bool:
        try:
            found = (await stack.survey.GetCaseSurvey(survey_pb.GetCaseSurveyRequest(case_id=case.case_id),
                                                      metadata=as_boreal)).survey
        except grpc.aio.AioRpcError as early:
            assert early.code() == grpc.StatusCode.NOT_FOUND  # survey has not read case.closed yet
            return False
        return found.status == survey_pb.INVITATION_STATUS_SCHEDULED

    await eventually(scheduled, within=60, what="survey's scheduled invitation for the closed case")

    # the desk is not offered the button
    agent = await signed_in(browser, stack, "agent-li")
    await agent.goto(f"{stack.console_url}/cases/{case.case_number}")
    await expect(agent.get_by_role("region", name="Satisfaction survey")).to_be_visible()
    assert await agent.locator("#form-survey-now").count() == 0

    customer = await signed_in(browser, stack, "cust-boreal")
    await customer.goto(f"{stack.console_url}/cases/{case.case_number}")
    survey_section = customer.get_by_role("region", name="Satisfaction survey")
    await expect(survey_section).to_contain_text("We will ask for your feedback shortly after closing")
    await shoot(customer, "portal-case-survey-feedback-now")
    await survey_section.get_by_role("button", name="Give feedback now").click()
    await customer.wait_for_load_state()
    assert "/s/" in customer.url, customer.url
    await answer_survey(customer, overall=5, speed=4, attitude=5, resolved=True, comment="Told you straight away")
    assert "Thank you" in await customer.get_by_role("status").inner_text()

    await customer.goto(f"{stack.console_url}/cases/{case.case_number}")
    survey_section = customer.get_by_role("region", name="Satisfaction survey")
    await expect(survey_section).to_contain_text("Your answer")
    await expect(customer.locator("#survey-overall")).to_have_text("5 / 5")
    await expect(customer.locator("#survey-comment")).to_have_text("Told you straight away")
    assert await customer.locator("#form-survey-now").count() == 0
    await shoot(customer, "portal-case-survey-feedback-now-answered")

    # survey holds the answer the portal showed
    answered = (await stack.survey.GetCaseSurvey(survey_pb.GetCaseSurveyRequest(case_id=case.case_id),
                                                 metadata=as_boreal)).survey
    assert answered.status == survey_pb.INVITATION_STATUS_ANSWERED and answered.answer.overall == 5
