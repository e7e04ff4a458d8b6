"""`rendered_size` predicts the size of what the proxy sends, for sources of every orientation."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
import pyvips

from imgproxy.client import UrlBuilder, parse_options
from imgproxy.dimensions import SourceSize, forget_source_sizes, rendered_size, source_size
from imgproxy.url.options import Options
from tests.support import running_origin, running_proxy

KEY = b"size-key".hex()
SALT = b"size-salt".hex()
SOURCES = {  # as displayed: /info reports the size after EXIF orientation, as imgproxy Pro
    "jpeg-exif-orientation-6.jpg": SourceSize(1800, 1200, 6, "jpeg"),
    "jpeg-exif-orientation-1.jpg": SourceSize(1800, 1200, 1, "jpeg"),
    "avif-irot90.avif": SourceSize(722, 1024, 1, "avif"),
    "jpeg-baseline-icc.jpg": SourceSize(290, 442, 1, "jpeg"),
    "webp-exif-orientation6.webp": SourceSize(128, 128, 6, "webp"),
    "jpeg-cmyk-noicc-orientation6.jpg": SourceSize(533, 800, 6, "jpeg"),
}
OPTIONS = [
    "w:300",
    "h:200",
    "rs:fill:300:200",
    "rs:fit:300:300",
    "rs:fill-down:900:300",
    "rs:force:100:80",
    "rs:auto:300:100",
    "w:5000",
    "w:5000/el:1",
    "w:300/dpr:2",
    "c:100:50/w:80",
    "w:300/pd:5:10",
    "rs:fit:300:300/ex:1",
    "rs:fill:400:400/exar:1",
    "w:300/rot:90",
    "w:300/ar:0",
    "mw:700/w:100",
]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[UrlBuilder, str]]:
    with (
        running_origin() as (origin, _),
        running_proxy({"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT}) as base,
    ):
        yield UrlBuilder(base, KEY, SALT), origin
    forget_source_sizes()


@pytest.mark.parametrize("name", list(SOURCES))
def test_info_reports_the_displayed_size_and_orientation(
    served: tuple[UrlBuilder, str], name: str
) -> None:
    builder, origin = served
    assert source_size(builder, f"{origin}/files/{name}") == SOURCES[name]


@pytest.mark.parametrize("name", list(SOURCES))
def test_rendered_size_matches_the_served_image(served: tuple[UrlBuilder, str], name: str) -> None:
    builder, origin = served
    wrong = []
    for written in OPTIONS:
        options = parse_options(*written.split("/"), "f:jpg")
        with urllib.request.urlopen(builder.url(f"{origin}/files/{name}", options)) as response:
            image = pyvips.Image.new_from_buffer(response.read(), "")
        predicted = rendered_size(SOURCES[name], options)
        if (predicted.width, predicted.height) != (image.width, image.height):
            wrong.append((written, predicted, (image.width, image.height)))
    assert wrong == []


def test_orientation_is_ignored_when_auto_rotation_is_off() -> None:
    turned = SourceSize(1800, 1200, 6)  # stored 1200x1800
    assert rendered_size(turned, Options(width=300)).height == 200
    assert rendered_size(turned, Options(width=300, auto_rotate=False)).height == 450
