"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server."""
import os
from pathlib import Path

import pytest

from tests.accounts.logins import demo_clinic, make_user  # noqa: F401  (fixtures)

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (creating users, reading devices) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser profile of a Polish user (Polish Accept-Language), opened at the live server."""
    context = browser.new_context(base_url=live_server.url, locale="pl-PL", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Saves a screenshot when KLINIKA_E2E_SCREENSHOTS names a directory (for looking at the UI)."""
    target = os.environ.get("KLINIKA_E2E_SCREENSHOTS")

    def take(page, name):
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)

    return take
