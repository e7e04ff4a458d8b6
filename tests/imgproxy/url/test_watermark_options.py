"""imgproxy Pro's `watermark_size` and `watermark_rotate` as the parser reads them."""

from __future__ import annotations

import pytest

from imgproxy.errors import InvalidOption
from imgproxy.url.options import Options
from imgproxy.url.parser import PathParser


def parse(options: str) -> Options:
    return PathParser().parse(f"{options}/plain/http://example.com/a.jpg").options


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("watermark_size:100:50", (100, 50)),
        ("wms:100", (100, 0)),
        ("wms::50", (0, 50)),
        ("wms:10:20/wms::5", (10, 5)),  # an empty side keeps its value
        ("wms:0:0", (0, 0)),
        ("wms:65535:65535", (65535, 65535)),
    ],
)
def test_watermark_size(path: str, size: tuple[int, int]) -> None:
    options = parse(path)
    assert (options.watermark_width, options.watermark_height) == size


@pytest.mark.parametrize(
    ("path", "angle"),
    [("watermark_rotate:45", 45.0), ("wmr:-90", -90.0), ("wm_rot:360", 360.0), ("wmr:12.5", 12.5)],
)
def test_watermark_rotate(path: str, angle: float) -> None:
    assert parse(path).watermark_rotate == angle


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("wms:-1", "Expected integer 0..65535 for watermark_size width but received '-1'"),
        ("wms:1:x", "Expected integer 0..65535 for watermark_size height but received 'x'"),
        ("wms:1:2:3", "Expected 1..2 arguments for watermark_size but received 3"),
        ("wmr:361", "Expected number -360..360 for watermark_rotate but received '361'"),
        ("wmr:", "Expected number -360..360 for watermark_rotate but received ''"),
    ],
)
def test_refusals(path: str, message: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        parse(path)
    assert (caught.value.status, caught.value.message) == (400, message)
