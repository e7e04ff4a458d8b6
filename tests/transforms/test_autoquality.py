"""imgproxy Pro's autoquality: DSSIM against reference values, the bounded search, `size`,
`ml` as `dssim`, and when it stays off."""

from __future__ import annotations

import functools
from dataclasses import replace

import pytest
import pyvips

from imgproxy.errors import InvalidOption
from imgproxy.url.options import Autoquality, AutoqualityMethod, ImageFormat
from tests.transforms import images as im
from transforms.autoquality import (
    MAX_ENCODES,
    AutoqualityDefaults,
    QualitySearch,
    quality_search,
    searched,
)
from transforms.dssim import dssim

PHOTO = im.corpus("jpeg-baseline-icc.jpg")


def photo() -> pyvips.Image:
    return im.decode(im.run(PHOTO, "w:200", extension="png")).copy_memory()


def test_the_same_picture_is_zero_and_a_blur_is_far() -> None:
    picture = photo()
    assert dssim(picture, picture) == pytest.approx(0, abs=1e-9)
    assert dssim(picture, picture.gaussblur(3)) > 0.05


def test_dssim_falls_as_jpeg_quality_rises() -> None:
    picture = photo()
    found = [
        dssim(picture, pyvips.Image.new_from_buffer(picture.jpegsave_buffer(Q=q), ""))
        for q in (30, 60, 90)
    ]
    assert found[0] > found[1] > found[2] > 0


@functools.cache
def every_quality() -> dict[int, float]:
    """The DSSIM of the test photo at every JPEG quality from 40 to 95."""
    picture = photo()
    return {
        q: dssim(picture, pyvips.Image.new_from_buffer(picture.jpegsave_buffer(Q=q), ""))
        for q in range(40, 96)
    }


class Counted:
    def __init__(self, picture: pyvips.Image) -> None:
        self.picture = picture
        self.qualities: list[int] = []

    def __call__(self, quality: int) -> bytes:
        self.qualities.append(quality)
        return bytes(self.picture.jpegsave_buffer(Q=quality))


@pytest.mark.parametrize("target", [0.0005, 0.001, 0.002, 0.004, 0.05])
def test_dssim_picks_a_quality_within_the_target_in_at_most_four_encodes(target: float) -> None:
    picture = photo()
    search = QualitySearch(AutoqualityMethod.DSSIM, target, 40, 95, 0.0005)
    encoder = Counted(picture)
    quality, data = searched(picture, search, encoder, 80)
    assert len(encoder.qualities) <= MAX_ENCODES
    assert data == encoder(quality)
    found = dssim(picture, pyvips.Image.new_from_buffer(data, ""))
    if quality != search.highest:
        assert found <= target + search.allowed_error
    reached = [q for q, value in every_quality().items() if value <= target + search.allowed_error]
    assert quality == search.highest or quality in reached
    if not reached:
        assert quality == search.highest


@pytest.mark.parametrize("target", [2_000, 6_000, 12_000, 1_000_000])
def test_size_picks_a_quality_that_fits(target: int) -> None:
    picture = photo()
    search = QualitySearch(AutoqualityMethod.SIZE, target, 10, 90, 0)
    encoder = Counted(picture)
    quality, data = searched(picture, search, encoder, 80)
    assert len(encoder.qualities) <= MAX_ENCODES
    if len(bytes(picture.jpegsave_buffer(Q=10))) <= target:
        assert len(data) <= target
    else:
        assert quality == search.lowest
    if target == 1_000_000:
        assert quality == search.highest


def test_settings_and_url_make_the_search() -> None:
    server = AutoqualityDefaults(method=AutoqualityMethod.DSSIM)
    jpeg = quality_search(Autoquality(), server, ImageFormat.JPEG, 10_000, 1)
    assert jpeg == QualitySearch(AutoqualityMethod.DSSIM, 0.02, 70, 80, 0.002)
    avif = quality_search(Autoquality(), server, ImageFormat.AVIF, 10_000, 1)
    assert avif is not None
    assert (avif.lowest, avif.highest) == (60, 65)
    asked = Autoquality(AutoqualityMethod.ML, 0.01, 50, 90, 0.001)
    assert quality_search(asked, AutoqualityDefaults(), ImageFormat.WEBP, 10, 1) == QualitySearch(
        AutoqualityMethod.DSSIM, 0.01, 50, 90, 0.001
    )


@pytest.mark.parametrize(
    ("asked", "output", "pixels", "frames"),
    [
        (Autoquality(), ImageFormat.JPEG, 10, 1),
        (Autoquality(AutoqualityMethod.NONE), ImageFormat.JPEG, 10, 1),
        (Autoquality(AutoqualityMethod.DSSIM), ImageFormat.PNG, 10, 1),
        (Autoquality(AutoqualityMethod.DSSIM), ImageFormat.HEIC, 10, 1),
        (Autoquality(AutoqualityMethod.DSSIM), ImageFormat.WEBP, 10, 3),
        (Autoquality(AutoqualityMethod.DSSIM), ImageFormat.JPEG, 2_000_001, 1),
    ],
)
def test_no_search(asked: Autoquality, output: ImageFormat, pixels: int, frames: int) -> None:
    server = AutoqualityDefaults(max_pixels=2_000_000)
    assert quality_search(asked, server, output, pixels, frames) is None


def test_through_the_pipeline() -> None:
    plain = im.run(PHOTO, "w:200", extension="jpg").data
    assert im.run(PHOTO, "w:200/aq:none", extension="jpg").data == plain
    small = im.run(PHOTO, "w:200/aq:size:3000:10:90", extension="jpg").data
    assert len(small) <= 3000 < len(plain)
    assert im.run(PHOTO, "w:200/aq:ml:0.01:50:95", extension="jpg").data == (
        im.run(PHOTO, "w:200/aq:dssim:0.01:50:95", extension="jpg").data
    )
    by_size = AutoqualityDefaults(AutoqualityMethod.SIZE, 3000, min_quality=10, max_quality=90)
    server = replace(im.defaults(), autoquality=by_size)
    assert im.run(PHOTO, "w:200", server, extension="jpg").data == small


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "aq:best",
            "Expected one of none, size, dssim, ml for autoquality method but received 'best'",
        ),
        ("aq:dssim::0", "Expected integer 1..100 for autoquality min_quality but received '0'"),
        ("aq:dssim::::2", "Expected number 0..1 for autoquality allowed_error but received '2'"),
    ],
)
def test_bad_arguments_are_named(path: str, message: str) -> None:
    with pytest.raises(InvalidOption) as refused:
        im.PARSER.parse(f"{path}/plain/local:///a.jpg")
    assert str(refused.value) == message
