"""Chained pipelines through the real server: a chain is served and cached under its own key,
`IMGPROXY_MAX_CHAINED_PIPELINES` refuses longer ones with a 400 naming it, and a chain's
result pixels share one budget."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import pyvips

from tests.support import CORPUS, running_proxy

PHOTO = "local:///jpeg-baseline-icc.jpg"  # 290x442


@pytest.fixture(scope="module")
def proxy() -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS),
        "IMGPROXY_MAX_CHAINED_PIPELINES": "2",
        "IMGPROXY_MAX_SRC_RESOLUTION": "0.2",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def image(response: httpx.Response) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def test_a_chain_is_served_and_cached_apart_from_its_pipelines(proxy: httpx.Client) -> None:
    chained = proxy.get(f"/unsafe/w:100/-/rot:90/plain/{PHOTO}@png")
    assert (image(chained).width, image(chained).height) == (152, 100)
    assert chained.headers["x-cache"] == "MISS"
    first_only = proxy.get(f"/unsafe/w:100/plain/{PHOTO}@png")
    assert (image(first_only).width, image(first_only).height) == (100, 152)
    again = proxy.get(f"/unsafe/w:100/-/rot:90/plain/{PHOTO}@png")
    assert again.headers["x-cache"] == "HIT"
    assert again.content == chained.content


def test_the_format_from_a_later_pipeline_is_the_answers(proxy: httpx.Client) -> None:
    response = proxy.get(f"/unsafe/w:50/-/f:webp/plain/{PHOTO}")
    assert response.headers["content-type"] == "image/webp"
    assert image(response).width == 50


def test_more_pipelines_than_allowed_is_a_400_naming_the_setting(proxy: httpx.Client) -> None:
    response = proxy.get(f"/unsafe/w:100/-/w:50/-/w:20/plain/{PHOTO}")
    assert response.status_code == 400
    assert response.text.rstrip("\n") == (
        "Expected at most 2 chained pipelines (IMGPROXY_MAX_CHAINED_PIPELINES) but received 3"
    )


def test_the_chains_result_pixels_share_one_budget(proxy: httpx.Client) -> None:
    # 0.2 MP: 290x442 (128,180 px) and 280x427 (119,560) fit alone, not together.
    assert proxy.get(f"/unsafe/w:290/plain/{PHOTO}").status_code == 200
    assert proxy.get(f"/unsafe/w:280/plain/{PHOTO}").status_code == 200
    response = proxy.get(f"/unsafe/w:290/-/w:280/plain/{PHOTO}")
    assert response.status_code == 422
    assert response.text.rstrip("\n") == (
        "Expected a result of at most 0.2 MP but received 280x427 "
        "after 0.12818 MP in earlier pipelines"
    )
