"""imgproxy Pro's `watermark_url` through the real server and a loopback origin: the URL's image
replaces the server's watermark, each chained pipeline may name its own, it is fetched like a
source (sources cache, address policy) and only when a watermark is drawn."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
import pyvips

from tests.support import CORPUS, OriginLog, running_origin, running_proxy

SERVER_MARK = "png-rgb8-pngsuite.png"  # 32x32, many colours
GREEN_MARK = "tiff-multipage.tiff"  # first page 10x10 green
RED_MARK = "png-palette-trns.png"
SOURCE = "local:///jpeg-baseline-icc.jpg"  # 290x442


def b64(url: str) -> str:
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def image(response: httpx.Response) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def rgb(picture: pyvips.Image, x: int, y: int) -> tuple[int, ...]:
    return tuple(round(value) for value in picture(x, y)[:3])


def fetches(log: OriginLog, name: str) -> int:
    return sum(path.endswith(f"/{name}") for path in log.paths)


@pytest.fixture(scope="module")
def origin() -> Iterator[tuple[str, OriginLog]]:
    with running_origin() as served:
        yield served


def env(*, loopback: bool) -> dict[str, str]:
    return {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS),
        "IMGPROXY_WATERMARK_PATH": str(CORPUS / SERVER_MARK),
        "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "true" if loopback else "false",
    }


@pytest.fixture(scope="module")
def proxy() -> Iterator[httpx.Client]:
    with running_proxy(env(loopback=True)) as base, httpx.Client(base_url=base) as client:
        yield client


@pytest.fixture(scope="module")
def guarded_proxy() -> Iterator[httpx.Client]:
    with running_proxy(env(loopback=False)) as base, httpx.Client(base_url=base) as client:
        yield client


def test_the_urls_image_replaces_the_servers(
    proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    base, _ = origin
    wmu = b64(f"{base}/files/{GREEN_MARK}")
    server_marked = image(proxy.get(f"/_/wm:1:nowe/plain/{SOURCE}@png"))
    url_marked = image(proxy.get(f"/_/wm:1:nowe/wmu:{wmu}/plain/{SOURCE}@png"))
    assert rgb(url_marked, 5, 5) == (0, 128, 0)
    assert rgb(server_marked, 5, 5) != (0, 128, 0)
    assert rgb(url_marked, 20, 20) == rgb(image(proxy.get(f"/_/plain/{SOURCE}@png")), 20, 20)


def test_each_pipeline_may_name_its_own(proxy: httpx.Client, origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    green, red = b64(f"{base}/files/{GREEN_MARK}"), b64(f"{base}/files/{RED_MARK}")
    path = f"/_/w:200/wm:1:nowe/wmu:{green}/-/wm:1:soea/-/wm:1:noea/wmu:{red}/plain/{SOURCE}@png"
    marked = image(proxy.get(path))
    server = image(proxy.get(f"/_/w:200/wm:1:soea/plain/{SOURCE}@png"))
    alone = image(proxy.get(f"/_/w:200/wm:1:noea/wmu:{red}/plain/{SOURCE}@png"))
    assert rgb(marked, 5, 5) == (0, 128, 0)
    assert rgb(marked, 195, marked.height - 5) == rgb(server, 195, server.height - 5)
    assert rgb(marked, 190, 10) == rgb(alone, 190, 10)


def test_fetched_once_through_the_sources_cache(
    proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    base, log = origin
    wmu = b64(f"{base}/files/{GREEN_MARK}")
    before = fetches(log, GREEN_MARK)
    for width in (100, 120, 140):
        image(proxy.get(f"/_/w:{width}/wm:1:ce/wmu:{wmu}/plain/{SOURCE}"))
    assert fetches(log, GREEN_MARK) - before <= 1


def test_not_fetched_when_no_watermark_is_drawn(
    proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    base, log = origin
    name = "webp-lossy.webp"
    before = fetches(log, name)
    response = proxy.get(f"/_/w:90/wmu:{b64(f'{base}/files/{name}')}/plain/{SOURCE}")
    assert image(response).width == 90
    assert fetches(log, name) == before


def test_a_watermark_url_the_address_policy_refuses_is_a_403_without_a_fetch(
    guarded_proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    base, log = origin
    seen = len(log.paths)
    wmu = b64(f"{base}/files/{GREEN_MARK}")
    response = guarded_proxy.get(f"/_/w:50/wm:1/wmu:{wmu}/plain/{SOURCE}")
    assert (response.status_code, response.text) == (403, "Source address is not allowed\n")
    assert len(log.paths) == seen


@pytest.mark.parametrize("argument", ["!!", "__4", "aHR0cDovLw"])  # not base64, not UTF-8, no host
def test_a_bad_watermark_url_is_a_400(proxy: httpx.Client, argument: str) -> None:
    response = proxy.get(f"/_/wm:1/wmu:{argument}/plain/{SOURCE}")
    expected = (
        f"Expected URL-safe base64 of an image URL for watermark_url but received '{argument}'"
    )
    assert (response.status_code, response.text) == (400, expected + "\n")
