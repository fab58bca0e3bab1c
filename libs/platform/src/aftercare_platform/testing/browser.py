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
