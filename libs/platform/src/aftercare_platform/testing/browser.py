"""Headless Chromium for browser tests: Debian's `chromium` package driven by Playwright (browsers
cannot be downloaded here; `.ci/ensure-servers` installs the package)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# no sandbox (root in CI), no GPU (no screen), no background traffic (nothing but the page under test)
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking")


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A launched headless Chromium (a Playwright `Browser`), closed on the way out."""
    from playwright.async_api import async_playwright  # a test dependency: only browser tests import it

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            await browser.close()


async def answer_survey(page: Any, *, overall: int, speed: int, attitude: int, resolved: bool, comment: str) -> None:
    """Fill survey's satisfaction form (English) the way a customer does, by the controls' accessible names,
    and send it; the page is left on survey's answer."""
    await page.get_by_role("group", name="Overall satisfaction").get_by_label(str(overall), exact=True).check()
    await page.get_by_role("group", name="Response speed").get_by_label(str(speed), exact=True).check()
    await page.get_by_role("group", name="Engineer's attitude").get_by_label(str(attitude), exact=True).check()
    await page.get_by_role("group", name="Was the problem resolved?").get_by_label("Yes" if resolved else "No").check()
    await page.get_by_label("Comments").fill(comment)
    await page.get_by_role("button", name="Send").click()
    await page.wait_for_load_state()
