"""The comparison row, the focus point and the copy buttons in Debian's chromium.

Waits are on the `data-state` attributes the page sets, never on time.
"""

from __future__ import annotations

import re

import httpx
import pytest
import pyvips
from playwright.sync_api import Locator, Page, expect

from tests.imgproxy.playground.browsing import WAIT_MS, Problems, wait_until_shown

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BEST_SAMPLE = "local:///sample-landscape.jpg"
COMPARED = ["jpeg", "webp", "avif", "jxl", "best"]
SHOWN_BY_EVERY_CHROMIUM = {"jpeg", "webp", "avif"}
NOT_BLANK = 20.0
"""Pixel standard deviation a photograph passes and an empty cell (white, or the faint
checkerboard behind a transparent picture) does not."""
FOCUS = re.compile(r"/g:fp:([0-9.]+):([0-9.]+)/")


def compared(tab: Page) -> Locator:
    tab.click("#compare")
    expect(tab.locator("#comparison")).to_have_attribute("data-state", "ready", timeout=WAIT_MS)
    return tab.locator("#comparison-row .cell")


def deviation_in(shot: pyvips.Image, row: Locator, inner: Locator) -> float:
    """The pixel standard deviation of `inner`'s area in a screenshot of `row`."""
    outer, box = row.bounding_box(), inner.bounding_box()
    assert outer is not None and box is not None
    left, top = round(box["x"] - outer["x"]), round(box["y"] - outer["y"])
    width = min(round(box["width"]), shot.width - left)
    height = min(round(box["height"]), shot.height - top)
    assert width > 10 and height > 10, (left, top, width, height)
    return float(shot.crop(left, top, width, height).deviate())


def focus_of(url: str) -> tuple[float, float]:
    found = FOCUS.search(url)
    assert found, url
    return float(found.group(1)), float(found.group(2))


def test_the_best_sample_comes_first_and_every_format_is_compared(
    base: str, page: tuple[Page, Problems]
) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    expect(tab.locator("#sample option").nth(1)).to_have_attribute("value", BEST_SAMPLE)
    wait_until_shown(tab, BEST_SAMPLE)
    cells = compared(tab)

    assert [cells.nth(i).get_attribute("data-format") for i in range(5)] == COMPARED
    sizes: dict[str, int] = {}
    for index in range(cells.count()):
        cell = cells.nth(index)
        kind, state = cell.get_attribute("data-format"), cell.get_attribute("data-state")
        assert kind is not None and state in {"ok", "error", "undisplayable"}, (kind, state)
        if state == "error":
            assert re.fullmatch(r"4\d\d: .+", cell.locator(".cell-error").inner_text())
            continue
        sizes[kind] = int(cell.get_attribute("data-bytes") or 0)
        if state == "ok":
            width = cell.locator("img").evaluate("image => image.naturalWidth")
            assert width == 600, kind
    shown = tab.locator('#comparison-row .cell[data-state="ok"]')
    kinds = {shown.nth(i).get_attribute("data-format") for i in range(shown.count())}
    assert kinds >= SHOWN_BY_EVERY_CHROMIUM

    least = min(sizes.values())
    marked = tab.locator('.cell[data-smallest="true"]')
    expect(marked).to_have_count(sum(size == least for size in sizes.values()))
    assert {marked.nth(i).get_attribute("data-format") for i in range(marked.count())} == {
        kind for kind, size in sizes.items() if size == least
    }
    expect(marked.first.locator(".badge")).to_have_text("smallest")

    for kind in ("jpeg", "webp"):
        url = cells.nth(COMPARED.index(kind)).locator(".cell-url code").inner_text()
        assert len(httpx.get(url).content) == sizes[kind], kind

    row = tab.locator("#comparison-row")
    shot = pyvips.Image.new_from_buffer(row.screenshot(), "")
    for index in range(shown.count()):
        cell = shown.nth(index)
        assert deviation_in(shot, row, cell.locator("img")) > NOT_BLANK, cell.get_attribute(
            "data-format"
        )
    assert problems.console == [] and problems.page_errors == []


def test_a_click_on_the_image_sets_the_focus_point(base: str, page: tuple[Page, Problems]) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    wait_until_shown(tab, BEST_SAMPLE)
    original = tab.locator("#original")
    box = original.bounding_box()
    assert box is not None
    original.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    first = wait_until_shown(tab, "/g:fp:")
    x, y = focus_of(first)
    assert abs(x - 0.25) < 0.01 and abs(y - 0.75) < 0.01, (x, y)
    assert tab.input_value("#gravity") == "fp"
    assert float(tab.input_value("#focus_x")) == x
    expect(tab.locator("#focus-marker")).to_be_visible()

    preview = tab.locator("#preview")
    box = preview.bounding_box()
    assert box is not None
    preview.click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.4})
    expect(tab.locator("#result")).not_to_have_attribute("data-url", first, timeout=WAIT_MS)
    x, y = focus_of(wait_until_shown(tab, "/g:fp:"))
    assert abs(x - 0.6) < 0.01 and abs(y - 0.4) < 0.01, (x, y)

    tab.fill("#height", "100")
    tab.select_option("#resizing_type", "fill")
    cropped = wait_until_shown(tab, "/rt:fill/")
    assert focus_of(cropped) == (x, y)
    preview.click()
    expect(tab.locator("#message")).to_contain_text("click the original")
    assert tab.get_attribute("#result", "data-url") == cropped
    assert problems.console == [] and problems.page_errors == []


def test_every_url_has_a_copy_button(base: str, page: tuple[Page, Problems]) -> None:
    tab, problems = page
    tab.goto(f"{base}/")
    url = wait_until_shown(tab, BEST_SAMPLE)
    for shown in ("signed-url", "srcset", "original-url"):
        expect(tab.locator(f'button.copy[data-copy-from="{shown}"]')).to_have_count(1)
    button = tab.locator('button.copy[data-copy-from="signed-url"]')
    button.click()
    expect(button).to_have_attribute("data-copied", "true")
    assert tab.evaluate("navigator.clipboard.readText()") == url

    avif = compared(tab).nth(COMPARED.index("avif"))
    avif.locator("button.copy").click()
    expect(avif.locator("button.copy")).to_have_attribute("data-copied", "true")
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied == avif.locator(".cell-url code").inner_text()
    assert copied.endswith("@avif")
    assert problems.console == [] and problems.page_errors == []
