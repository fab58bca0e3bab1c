"""The answer page in a real browser: headless Chromium (Debian's package, driven by Playwright) on a phone-
sized screen answers "unsatisfied"; the case is reopened once; the same link again says it was answered."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare.survey.v1 import survey_pb2 as pb
from aftercare_platform.testing.browser import answer_survey, chromium
from aftercare_platform.testing.waiting import eventually
from playwright.async_api import Browser

from .conftest import DELAY_SECONDS, LOOP, Stack

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP)]


@pytest_asyncio.fixture(loop_scope=LOOP)
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


async def test_an_unsatisfied_answer_in_chromium_reopens_the_case_once(stack: Stack, browser: Browser) -> None:
    case = await stack.closed_case()
    [sent] = await stack.tap.wait_for(case.case_id, "aftercare.survey.sent", 1, within=DELAY_SECONDS + 30)
    link = sent.parsed(pb.SurveySent).link
    page = await browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)  # a phone
    response = await page.goto(link)
    assert response is not None and response.status == 200
    assert await page.get_attribute("html", "lang") == "zh-CN"
    await page.get_by_role("link", name="English").click()
    # every control is reached by its accessible name: the fieldsets' legends and the labels
    await answer_survey(page, overall=2, speed=3, attitude=4, resolved=False,
                        comment="The camera still shows nothing at night")
    assert "Your case is reopened" in await page.get_by_role("status").inner_text()

    # the complaint form on the same page
    await page.get_by_label("The engineer").check()
    await page.get_by_label("Your complaint").fill("Nobody told me the fix was temporary")
    await page.get_by_role("button", name="Send the complaint").click()
    await page.wait_for_load_state()
    assert "complaint is filed" in await page.get_by_role("status").inner_text()

    async def settled() -> bool:
        case_now = await stack.case(case.case_id)
        return case_now.status == cases_pb.CASE_STATUS_REOPENED and len(case_now.complaints) == 1

    await eventually(settled, within=30, what="the case reopened and the complaint filed")
    again = await page.goto(link + "?lang=en")
    assert again is not None and again.status == 409
    assert "already answered" in await page.get_by_role("status").inner_text()
    after = await stack.case(case.case_id)
    assert (after.reopen_count, after.complaints[0].about) == (1, cases_pb.COMPLAINT_ABOUT_ENGINEER)
    assert "at night" in stack.tap.of(case.case_id, "aftercare.case.reopened")[0].data["reason"]
