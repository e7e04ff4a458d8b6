"""What the browser tests share: Debian's chromium, the server's environment, the page's
problem collector."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

from config.settings import SAMPLES_DIR

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ENV = {
    "IMGPROXY_PLAYGROUND": "true",
    "IMGPROXY_PLAYGROUND_FORCE": "true",
    "IMGPROXY_KEY": "6b65792d6f6e65",
    "IMGPROXY_SALT": "73616c742d6f6e65",
    "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(SAMPLES_DIR),
}
WAIT_MS = 30_000


@dataclass
class Problems:
    """What the page reported that it should not have."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [text for text in self.console if "Content Security Policy" in text]


def wait_until_shown(page: Page, option_text: str) -> str:
    """Waits for the result of a URL containing `option_text`; returns that URL."""
    result = page.locator("#result")
    shown = re.compile(re.escape(option_text))
    expect(result).to_have_attribute("data-url", shown, timeout=WAIT_MS)
    expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=WAIT_MS)
    return str(result.get_attribute("data-url"))
