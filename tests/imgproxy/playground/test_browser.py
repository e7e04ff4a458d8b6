"""The playground in a real browser: Debian's chromium driven by Playwright, no downloads.

Waits are on page state (the `data-*` attributes the page sets), never on time. Every console
error, page error and CSP violation is collected and must stay empty; the last test shows the
collector does see a violation.
"""

from __future__ import annotations

import re

import httpx
import pytest
import pyvips
from playwright.sync_api import Error, Page, expect

from tests.imgproxy.playground.browsing import WAIT_MS, Problems, wait_until_shown
from tests.support import REPO, running_origin

ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOT = ARTIFACTS / "playground.png"


def test_choose_sample_set_options_and_see_the_result(
    base: str, page: tuple[Page, Problems]
) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    expect(tab.locator("#sample option")).to_have_count(4)
    tab.select_option("#sample", "local:///sample-exif-rotated.jpg")
    tab.fill("#width", "320")
    wait_until_shown(tab, "/w:320/")
    tab.select_option("#format", "webp")
    url = wait_until_shown(tab, "@webp")
    assert "/w:320/" in url and url.startswith(f"{base}/")
    assert tab.inner_text("#signed-url") == url

    served = httpx.get(url)
    assert served.status_code == 200
    image = pyvips.Image.new_from_buffer(served.content, "")
    # The sample is 1200x1800 with EXIF orientation 6: upright it is landscape, 320 wide.
    assert (image.width, image.height) == (320, 213)
    dimensions = tab.locator("#result-dimensions")
    assert dimensions.get_attribute("data-width") == str(image.width)
    assert dimensions.get_attribute("data-height") == str(image.height)
    assert tab.inner_text("#result-dimensions") == "320 \N{MULTIPLICATION SIGN} 213 px"
    assert tab.get_attribute("#result-format", "data-type") == served.headers["content-type"]
    assert served.headers["content-type"] == "image/webp"
    assert tab.get_attribute("#result-size", "data-bytes") == str(len(served.content))
    assert re.fullmatch(r"\d+(\.\d+)? ms on the server", tab.inner_text("#result-time"))

    snippet = tab.inner_text("#srcset")
    assert snippet.startswith(f'<img src="{url}" srcset="{url} 1x, ')
    assert "/dpr:2/" in snippet and snippet.endswith(' 3x" alt="">')

    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOT), full_page=True)
    print(f"\nplayground screenshot: {SCREENSHOT}")
    assert SCREENSHOT.stat().st_size > 0
    assert problems.console == [] and problems.page_errors == []


def test_pasted_source_url_and_its_failure(base: str, page: tuple[Page, Problems]) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    with running_origin() as (origin, _):
        tab.fill("#source", f"{origin}/files/jpeg-baseline-icc.jpg")
        assert tab.input_value("#sample") == ""
        tab.fill("#width", "150")
        url = wait_until_shown(tab, "/w:150/")
        assert "/plain/http://127.0.0.1:" in url
        assert tab.get_attribute("#result-dimensions", "data-width") == "150"
        assert problems.console == [] and problems.page_errors == []

        tab.fill("#source", f"{origin}/status/404")
        body = tab.locator("body")
        expect(body).to_have_attribute("data-state", "error", timeout=WAIT_MS)
    assert tab.inner_text("#message") == "The proxy answered 404: Source image not found"
    assert tab.get_attribute("#result", "data-url") is None
    # The browser reports the failed fetch itself; nothing else went wrong.
    assert all("404" in text for text in problems.console), problems.console
    assert problems.page_errors == [] and problems.csp_violations == []


def test_a_bad_value_shows_the_servers_message(base: str, page: tuple[Page, Problems]) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    wait_until_shown(tab, "local:///")
    tab.fill("#dpr", "9")
    expect(tab.locator("body")).to_have_attribute("data-state", "error", timeout=WAIT_MS)
    assert tab.inner_text("#message") == (
        "Signing refused, 400: Expected number >0..8 for dpr but received '9'"
    )
    assert problems.page_errors == [] and problems.csp_violations == []


def test_faces_and_video_fields_reach_the_url(base: str, page: tuple[Page, Problems]) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    wait_until_shown(tab, "local:///")
    tab.select_option("#gravity", "obj")
    wait_until_shown(tab, "/g:obj/")
    tab.check("#draw_detections")
    url = wait_until_shown(tab, "/dd:1/")
    assert "/g:obj/dd:1/" in url
    tab.fill("#video_second", "2")
    url = wait_until_shown(tab, "/vts:2/")
    assert "/g:obj/dd:1/vts:2/plain/local:///" in url
    tab.uncheck("#draw_detections")
    url = wait_until_shown(tab, "/g:obj/vts:2/")
    assert "/dd:" not in url
    assert problems.console == [] and problems.page_errors == []


def test_the_policy_is_enforced_and_violations_are_seen(
    base: str, page: tuple[Page, Problems]
) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    wait_until_shown(tab, "local:///")
    assert problems.csp_violations == []
    with pytest.raises(Error):
        tab.add_script_tag(content="document.body.dataset.injected = 'yes'")
    assert tab.get_attribute("body", "data-injected") is None
    assert len(problems.csp_violations) == 1
    assert "script-src 'self'" in problems.csp_violations[0]
