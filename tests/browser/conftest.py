"""Shared fixtures of the browser tests: Debian's chromium driven by Playwright for Python.

Without a chromium the tests fail in CI (CASECODER_REQUIRE_BROWSER=1) and are skipped
elsewhere, with the command that installs it. Screenshots go to var/screenshots/ (git-ignored)
so that a person can look at them.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

INSTALL_HINT = "Browser tests need Debian's chromium: sudo apt-get install chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CASECODER_REQUIRE_BROWSER") == "1":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra is installed by `make test`
        if os.environ.get("CASECODER_REQUIRE_BROWSER") == "1":
            pytest.fail("Browser tests need Playwright for Python: pip install -e '.[test]'")
        pytest.skip("Browser tests need Playwright for Python: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context per test; console errors and page errors are collected in
    `page.console_errors` (see `assert_no_console_errors`)."""
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def signed_in(live_server):
    """Signs `user` in through the real login form; returns the page."""

    def sign_in(page, user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/accounts/login/" not in page.url, "sign-in failed"
        return page

    return sign_in


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot under var/screenshots/<name>.png."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take


def assert_no_console_errors(page) -> None:
    assert page.console_errors == [], f"console errors: {page.console_errors}"
