"""A shrunk 8-bit RGB source goes through its embedded profile after the resize, on fewer
pixels (`transforms.steps.colorspace.converts_after_resize`): the picture stays the one a
conversion before the resize gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from tests.transforms import images as im
from transforms.steps import colorspace

BENCH_PHOTOS = Path(__file__).resolve().parents[2] / "bench" / "photos"
ADOBE_RGB = BENCH_PHOTOS / "jpeg-canon-adobergb-2000x1072.jpg"


def rendered(data: bytes, options: str) -> pyvips.Image:
    return im.decode(im.run(data, f"{options}/q:100", extension="png"))


def converted_first(monkeypatch: pytest.MonkeyPatch, data: bytes, options: str) -> pyvips.Image:
    with monkeypatch.context() as patch:
        patch.setattr(colorspace, "converts_after_resize", lambda _image, _job: False)
        return rendered(data, options)


@pytest.mark.parametrize(
    ("source", "options"),
    [
        (ADOBE_RGB.read_bytes(), "rs:fit:512:512"),
        (ADOBE_RGB.read_bytes(), "rs:fill:300:300/g:ea/rot:90"),
        (im.corpus("jpeg-baseline-icc.jpg"), "w:200"),
        # ColorSpin swaps sRGB's primaries: a conversion that did not happen shows at once.
        (im.corpus("jpeg-icc-nonsrgb.jpg"), "w:100"),
    ],
)
def test_the_picture_is_the_one_converted_before_the_resize(
    monkeypatch: pytest.MonkeyPatch, source: bytes, options: str
) -> None:
    late = rendered(source, options)
    early = converted_first(monkeypatch, source, options)
    assert (late.width, late.height, late.bands) == (early.width, early.height, early.bands)
    difference = (late - early).abs()
    assert difference.avg() < 0.5
    assert difference.max() <= 8


@pytest.mark.parametrize(
    "options",
    [
        "rs:fill:300:300/g:sm",  # smart crops weigh colours
        "w:4000/el:1",  # an upscale: fewer pixels before it
        "w:300/scp:0",  # the profile is kept, nothing is converted
    ],
)
def test_other_jobs_convert_where_they_did(monkeypatch: pytest.MonkeyPatch, options: str) -> None:
    source = ADOBE_RGB.read_bytes()
    late = rendered(source, options)
    early = converted_first(monkeypatch, source, options)
    assert (late - early).abs().max() == 0


def test_a_shrunk_photo_converts_after_the_resize(monkeypatch: pytest.MonkeyPatch) -> None:
    source = ADOBE_RGB.read_bytes()
    assert (
        rendered(source, "w:300") - converted_first(monkeypatch, source, "w:300")
    ).abs().max() > 0
