"""imgproxy Pro's `pages`, `disable_animation`, `adjust`, `co` and `crop_aspect_ratio` through
the real server, with URLs written by the client's `UrlBuilder`: served, refused with the
message, and cached under one key whichever way an equal request is written."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import pyvips

from imgproxy.client import UrlBuilder, parse_options
from tests.support import CORPUS, running_proxy

TIFF = "local:///tiff-multipage.tiff"  # 10x10 green, 10x10 red, 20x20 blue
WEBP = "local:///webp-animated-loop3.webp"  # 370x285, 10 frames
PHOTO = "local:///jpeg-baseline-icc.jpg"  # 290x442
BUILDER = UrlBuilder()


@pytest.fixture(scope="module")
def proxy() -> Iterator[httpx.Client]:
    env = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS), "IMGPROXY_MAX_ANIMATION_FRAMES": "10"}
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def get(proxy: httpx.Client, source: str, *segments: str) -> httpx.Response:
    return proxy.get(BUILDER.path(source, parse_options(*segments)))


def image(response: httpx.Response) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "", access="random")


def colour(picture: pyvips.Image, x: int, y: int) -> tuple[int, ...]:
    return tuple(round(value) for value in picture(x, y)[:3])


def test_pages_are_served_stacked(proxy: httpx.Client) -> None:
    response = get(proxy, TIFF, "pg:1", "pgs:2", "f:png")
    assert response.headers["content-type"] == "image/png"
    stacked = image(response)
    assert (stacked.width, stacked.height) == (20, 30)
    assert colour(stacked, 2, 2) == (255, 0, 0)
    assert colour(stacked, 2, 25) == (0, 0, 255)


def test_a_first_page_past_the_end_is_a_422(proxy: httpx.Client) -> None:
    response = get(proxy, TIFF, "pg:3", "pgs:2")
    assert (response.status_code, response.text.rstrip("\n")) == (422, "Page 3 does not exist")


def test_disable_animation_serves_a_still_of_stacked_frames(proxy: httpx.Client) -> None:
    animated = image(get(proxy, WEBP, "pgs:2"))
    assert animated.get("n-pages") == 10  # animating: pages is ignored
    response = get(proxy, WEBP, "da:1", "pgs:2")
    assert response.headers["content-type"] == "image/webp"
    still = pyvips.Image.new_from_buffer(response.content, "", n=-1)
    assert not still.get_typeof("n-pages") or still.get("n-pages") == 1
    assert (still.width, still.height) == (370, 570)


def test_adjust_is_cached_under_the_key_of_its_three_options(proxy: httpx.Client) -> None:
    adjusted = get(proxy, PHOTO, "w:60", "a:20:1.3:0.5", "f:png")
    assert (adjusted.status_code, adjusted.headers["x-cache"]) == (200, "MISS")
    separate = proxy.get(f"/unsafe/w:60/br:20/co:1.3/sa:0.5/plain/{PHOTO}@png")
    assert (separate.status_code, separate.headers["x-cache"]) == (200, "HIT")
    assert separate.content == adjusted.content
    plain = get(proxy, PHOTO, "w:60", "f:png")
    assert plain.content != adjusted.content


def test_co_with_one_number_is_contrast(proxy: httpx.Client) -> None:
    short = proxy.get(f"/unsafe/w:40/co:1.4/plain/{PHOTO}@png")
    assert (short.status_code, short.headers["x-cache"]) == (200, "MISS")
    long = proxy.get(f"/unsafe/w:40/contrast:1.4/plain/{PHOTO}@png")
    assert (long.status_code, long.headers["x-cache"]) == (200, "HIT")


@pytest.mark.parametrize(
    ("segment", "status"),
    [("co:1.2:face", 200), ("crop_objects:1.5", 200), ("c_obj:1", 200), ("co:1.2:car", 400)],
)
def test_crop_objects_reads_faces_and_refuses_other_classes(
    proxy: httpx.Client, segment: str, status: int
) -> None:
    response = proxy.get(f"/unsafe/{segment}/plain/{PHOTO}")
    assert response.status_code == status, response.text
    if status == 400:
        assert "car" in response.text


def test_crop_aspect_ratio_is_served(proxy: httpx.Client) -> None:
    cropped = image(get(proxy, PHOTO, "c:200:100:nowe", "car:1", "f:png"))
    assert (cropped.width, cropped.height) == (100, 100)
    enlarged = image(get(proxy, PHOTO, "c:200:100:nowe", "car:1:1", "f:png"))
    assert (enlarged.width, enlarged.height) == (200, 200)
