"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server.

A missing browser is a failure, never a silent skip: CI must run these tests. Only an explicit
``BROWSER_TESTS=skip`` skips them (e.g. on a developer machine without Chromium).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    """One Chromium per test, started after the test's database set-up and stopped before its flush.

    While Playwright's sync API is running, an event loop is running in this thread, and Django then
    hands out a separate, context-local set of database connections. Scoping the browser to the
    test keeps that window inside the test: the test database's own connection (which carries the
    serialized data ``serialized_rollback`` restores) is the one set up and flushed around it.
    """
    if os.environ.get("BROWSER_TESTS") == "skip":
        pytest.skip("browser tests skipped: BROWSER_TESTS=skip is set")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install Debian's package (apt-get install chromium), "
            "set CHROMIUM_PATH, or set BROWSER_TESTS=skip to skip the browser tests explicitly.",
            pytrace=False,
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The ORM calls the test makes while the loop runs are still synchronous: let them through.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                connections.close_all()  # the context-local connections opened while the loop ran
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    # Anything the Content-Security-Policy blocks (an inline script or style) fails the test.
    blocked = []
    tab.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert blocked == [], f"blocked by the Content-Security-Policy: {blocked}"


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot when BROWSER_SCREENSHOTS names a directory (never committed)."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take
