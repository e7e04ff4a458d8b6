"""Browser fixtures: one proxy and one chromium per module, a fresh page per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.imgproxy.playground.browsing import CHROMIUM, ENV, LAUNCH_ARGS, Problems
from tests.support import running_proxy


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running_proxy(ENV) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, base: str) -> Iterator[tuple[Page, Problems]]:
    """With the clipboard allowed for the proxy's origin, as a user's click would."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    opened = context.new_page()
    problems = Problems()
    opened.on(
        "console",
        lambda message: problems.console.append(message.text) if message.type == "error" else None,
    )
    opened.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    try:
        yield opened, problems
    finally:
        context.close()
