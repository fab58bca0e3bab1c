"""The console and the portal in a real browser (headless Chromium) against real processes on PostgreSQL
and RabbitMQ: the stories a service desk lives by."""

from __future__ import annotations

import re

import pytest
from aftercare.cases.v1 import cases_pb2 as cases_pb
from aftercare_platform.testing.waiting import eventually
from console.domain.demo_users import ACME, BOREAL
from playwright.async_api import Browser, expect

from .conftest import LOOP, Stack, english_words, shoot, signed_in

# the stack starts once for the package; on a loaded shared machine that alone can take minutes
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope=LOOP), pytest.mark.timeout(900)]
CASE_NUMBER = re.compile(r"^[A-Z]{2}-\d{8}-\d{6}$")


async def test_an_agent_opens_a_case_from_a_phone_call_and_reads_back_the_number(stack: Stack,
                                                                                browser: Browser) -> None:
    page = await signed_in(browser, stack, "agent-li")
    await page.goto(f"{stack.console_url}/calls/new")
    await page.get_by_label("Caller's phone").fill("+8613800000001")  # ACME's designated contact
    await page.get_by_label("Caller's name").fill("Li Lei")
    await page.get_by_label("Serial number").fill(f"CAM-{ACME[-4:]}")
    await page.get_by_label("Summary").fill("Camera down")
    await page.get_by_label("Description").fill("The lobby camera shows a black picture since 9:00")
    await page.get_by_label("Severity as the caller states it").select_option("major")
    await page.get_by_role("button", name="Open the case").click()
    number = (await page.locator("#case-number").inner_text(timeout=15000)).strip()
    assert CASE_NUMBER.match(number), number
    await expect(page.locator(".read-back")).to_contain_text("Case number")
    await shoot(page, "call-read-back")
    case = await stack.case(number)
    assert (case.company_id, case.caller.phone) == (ACME, "+8613800000001")
    await page.get_by_role("link", name="Open the case").click()
    await expect(page.locator("h1")).to_contain_text(number)
    await shoot(page, "case-page")


async def test_the_queue_reorders_itself_when_a_warning_fires(stack: Stack, browser: Browser) -> None:
    urgent = await stack.open_case(BOREAL, cases_pb.PRIORITY_P1, "queue story: the P1 case")
    calm = await stack.open_case(BOREAL, cases_pb.PRIORITY_P3, "queue story: the P3 case that will warn")
    page = await signed_in(browser, stack, "agent-li")
    await page.goto(f"{stack.console_url}/queue?company={BOREAL}&priority=")
    rows = page.locator("#queue-rows tr[data-case]")

    async def order() -> list[str]:
        return [await row.get_attribute("data-case") or "" for row in await rows.all()]

    async def both_listed() -> bool:
        listed = await order()
        return urgent.case_number in listed and calm.case_number in listed

    await eventually(both_listed, within=20, what="both cases in the queue")
    assert (await order()).index(urgent.case_number) < (await order()).index(calm.case_number)
    await page.evaluate("window.notReloaded = true")
    # P3's first-response warning comes due 4 s after it opened: the row rises to the top by itself
    await expect(rows.first).to_have_attribute("data-case", calm.case_number, timeout=30000)
    await expect(rows.first).to_have_class(re.compile("urgency-1"))
    assert await page.evaluate("window.notReloaded === true")
    await shoot(page, "queue")
    # a bulk action: both ticked, assigned to one engineer in one submit
    await page.get_by_label(f"Select {urgent.case_number}").check()
    await page.get_by_label(f"Select {calm.case_number}").check()
    await page.locator("#bulk").get_by_label("Assignee").fill("eng-zhao")
    await page.locator("#bulk").get_by_role("button", name="Assign the selected cases").click()
    await page.wait_for_load_state()
    assert [(await stack.case(c.case_number)).assignee_id for c in (urgent, calm)] == ["eng-zhao", "eng-zhao"]


async def test_an_engineer_resolves_with_a_fault_report_and_the_customer_confirms(stack: Stack,
                                                                                  browser: Browser) -> None:
    case = await stack.open_case(ACME, cases_pb.PRIORITY_P2, "resolve story: NVR disk warning", assignee="eng-wang")
    engineer = await signed_in(browser, stack, "eng-wang")
    await engineer.goto(f"{stack.console_url}/cases/{case.case_number}")
    await engineer.get_by_label("What the customer is told").fill("Looking at it now")
    await engineer.get_by_role("button", name="Acknowledge").click()
    await expect(engineer.locator("#case-status")).to_have_text("in progress")
    # a remote session needs the customer's permission: refused in place, then recorded with its command log
    activity = engineer.locator("#form-activity")
    await activity.get_by_label("Kind").select_option("remote_session")
    await activity.get_by_label("Summary").fill("Checked the RAID controller remotely")
    await activity.get_by_label("Command log (one per line)").fill("megacli -PDList -aALL\nmegacli -LDInfo -Lall")
    await activity.get_by_role("button", name="Record activity").click()
    await expect(engineer.locator("#form-activity [role=alert]")).to_contain_text("permission")
    activity = engineer.locator("#form-activity")
    await activity.get_by_label("Kind").select_option("remote_session")
    await activity.get_by_label("Summary").fill("Checked the RAID controller remotely")
    await activity.get_by_label("The customer gave permission").check()
    await activity.get_by_label("Command log (one per line)").fill("megacli -PDList -aALL\nmegacli -LDInfo -Lall")
    await activity.get_by_role("button", name="Record activity").click()
    await expect(engineer.get_by_text("Checked the RAID controller remotely")).to_be_visible()
    # a fault report without its prevention part is refused in place, naming the field
    form = engineer.locator("#form-resolve")
    await form.get_by_label("Cause").fill("Disk 2 failed")
    await form.get_by_label("Method").fill("Replaced disk 2 and rebuilt the array")
    await form.get_by_label("Result").fill("Recording again, no warnings")
    await form.get_by_role("button", name="Resolve with the fault report").click()
    await expect(engineer.locator("#form-resolve [role=alert]")).to_contain_text("prevention")
    form = engineer.locator("#form-resolve")
    await form.get_by_label("Cause").fill("Disk 2 failed")
    await form.get_by_label("Method").fill("Replaced disk 2 and rebuilt the array")
    await form.get_by_label("Result").fill("Recording again, no warnings")
    await form.get_by_label("Prevention").fill("Monthly disk health check")
    await form.get_by_role("button", name="Resolve with the fault report").click()
    await expect(engineer.locator("#case-status")).to_have_text("resolved")
    resolved = await stack.case(case.case_number)
    assert (resolved.status, resolved.fault_report.prevention) == (cases_pb.CASE_STATUS_RESOLVED,
                                                                  "Monthly disk health check")
    await shoot(engineer, "case-resolved")

    customer = await signed_in(browser, stack, "cust-acme")
    await expect(customer.locator("h1")).to_contain_text("Your company's cases")
    await customer.get_by_role("link", name=case.case_number).click()
    await expect(customer.get_by_text("Monthly disk health check")).to_be_visible()
    await customer.get_by_label("Comment").fill("Works again, thanks")
    # the form posts and the browser follows to the case page: reloading before that lands races it
    async with customer.expect_navigation():
        await customer.get_by_role("button", name="Confirm the fix").click()

    async def confirmed() -> bool:
        return (await stack.case(case.case_number)).status in (cases_pb.CASE_STATUS_CLOSED,)

    await eventually(confirmed, within=20, what="the case confirmed and closed")
    await customer.reload()
    await expect(customer.locator("#case-status")).to_have_text("closed")
    await shoot(customer, "portal-case-confirmed")


async def test_a_customer_of_another_company_cannot_reach_the_case_by_url(stack: Stack, browser: Browser) -> None:
    case = await stack.open_case(ACME, cases_pb.PRIORITY_P3, "secret story: ACME's private fault")
    outsider = await signed_in(browser, stack, "cust-boreal")
    response = await outsider.goto(f"{stack.console_url}/cases/{case.case_number}")
    assert response is not None and response.status == 404
    assert "ACME's private fault" not in await outsider.content()
    response = await outsider.goto(f"{stack.console_url}/cases/{case.case_id}")
    assert response is not None and response.status == 404
    # the desk's queue is staff only, and the portal lists only the own company's cases
    response = await outsider.goto(f"{stack.console_url}/queue")
    assert response is not None and response.status == 403
    await outsider.goto(f"{stack.console_url}/portal")
    assert case.case_number not in await outsider.content()
    # a form posted at the case with the outsider's own session is refused by cases, changing nothing
    response = await outsider.request.post(f"{stack.console_url}/cases/{case.case_number}/note",
                                           form={"text": "hello", "csrf": "x", "request_id": "a" * 32})
    assert response.status in (403, 404)
    # (the platform's own entries, e.g. sla-timer's policy announcement, may arrive meanwhile: only notes count)
    assert [e for e in await stack.timeline(case.case_number) if e.kind == "note_added"] == []


async def test_a_double_clicked_submit_acts_once(stack: Stack, browser: Browser) -> None:
    case = await stack.open_case(ACME, cases_pb.PRIORITY_P3, "double click story")
    page = await signed_in(browser, stack, "agent-li")
    await page.goto(f"{stack.console_url}/cases/{case.case_number}")
    form = page.locator("#form-note")
    await form.get_by_label("Note").fill("Called the customer back")
    sent = {name: await form.locator(f"input[name={name}]").input_value() for name in ("csrf", "request_id")}
    await form.get_by_role("button", name="Add a note").dblclick()
    await expect(page.get_by_text("Called the customer back")).to_be_visible()
    # the same form sent again (a retry on a slow network) is recognised by its request id
    again = await page.request.post(f"{stack.console_url}/cases/{case.case_number}/note",
                                    form={**sent, "text": "Called the customer back"}, max_redirects=0)
    assert again.status == 303
    notes = [e for e in await stack.timeline(case.case_number) if e.kind == "note_added"]
    assert len(notes) == 1


async def test_the_zh_cn_pages_have_no_untranslated_strings(stack: Stack, browser: Browser) -> None:
    case = await stack.open_case(ACME, cases_pb.PRIORITY_P2, "一个中文页面的工单")
    page = await signed_in(browser, stack, "sup-chen", lang="zh-CN")
    english = english_words()
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(int(r.headers.get("content-length") or 0)))
    for path, name in (("/queue", "queue-zh"), ("/calls/new", "new-call-zh"), (f"/cases/{case.case_number}", "case-zh"),
                       ("/supervisor", "supervisor-zh"), ("/reports", "reports-zh")):
        sizes.clear()
        response = await page.goto(f"{stack.console_url}{path}")
        assert response is not None and response.status == 200, path
        assert await page.get_attribute("html", "lang") == "zh-CN"
        # words the services wrote (sla-timer's explanation) are marked lang="en" and are not the page's
        text = await page.evaluate("""() => { const body = document.body.cloneNode(true);
            body.querySelectorAll('[lang="en"]').forEach(e => e.remove()); return body.innerText; }""")
        leaked = [word for word in english if word in text]
        assert not leaked, f"{path} shows untranslated words: {leaked}"
        await shoot(page, name)
    csv = await page.request.get(f"{stack.console_url}/reports/compliance.csv")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    header = "priority,clock,month,region,company_id,met,breached,percent,engineer_id"
    assert (await csv.text()).splitlines()[0] == header
    login = await browser.new_page(locale="zh-CN")
    await login.goto(f"{stack.console_url}/login")
    assert "开发环境登录" in await login.locator("body").inner_text()
    await shoot(login, "login-zh")
