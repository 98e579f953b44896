"""A Chromium page driven by Playwright against Django's live server.

Uses Debian's Chromium (``/usr/bin/chromium``); no browser is ever downloaded. Playwright's sync
API runs an event loop in this thread, so Django's async-safety check is relaxed for these tests.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium, closed after the test."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Debian's chromium is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Queries made while Playwright's event loop lived in this thread used their own
            # connection (Django keys connections by context); close it before teardown.
            from django.db import connections

            connections.close_all()


@pytest.fixture
def page(browser):
    """A desktop-sized page in Japanese."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def log_in(live_server):
    """``log_in(page, username, password)`` through the real login form."""

    def log_in(page, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.locator("#main form button[type=submit]").first.click()

    return log_in
