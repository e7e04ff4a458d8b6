"""Plain sRGB JPEGs are written by libjpeg-turbo (`transforms.pillow_savers.jpeg_bytes`: through
imagecodecs, or Pillow where an ICC profile is kept) with the very bytes libvips'
`jpegsave_buffer` writes; every other JPEG still by libvips."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import pyvips
from PIL import Image

from tests.transforms import images as im
from transforms import encode
from transforms.pillow_savers import jpeg_bytes

PHOTO = "jpeg-baseline-icc.jpg"


@pytest.fixture(scope="module")
def photo() -> pyvips.Image:
    return pyvips.Image.new_from_buffer(im.corpus(PHOTO), "").resize(0.25).copy_memory()


@pytest.fixture
def pillow_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The qualities `jpeg_bytes` was called with, through the encoder."""
    calls: list[int] = []

    def counted(image: pyvips.Image, quality: int, keep: str, *, subsample: bool) -> bytes:
        calls.append(quality)
        return jpeg_bytes(image, quality, keep, subsample=subsample)

    monkeypatch.setattr(encode, "jpeg_bytes", counted)
    return calls


@pytest.mark.parametrize("quality", [10, 75, 89, 90, 100])
@pytest.mark.parametrize("keep", ["none", "icc"])
@pytest.mark.parametrize("subsample_mode", ["auto", "off"])
def test_pillow_writes_the_bytes_libvips_writes(
    photo: pyvips.Image, quality: int, keep: str, subsample_mode: str
) -> None:
    image = photo if keep == "icc" else photo.copy()
    if keep == "none":
        image.remove("icc-profile-data")
    subsample = subsample_mode == "auto" and quality < encode.FULL_CHROMA_QUALITY

    ours = jpeg_bytes(image, quality, keep, subsample=subsample)
    libvips = image.jpegsave_buffer(
        Q=quality, keep=keep, optimize_coding=True, subsample_mode=subsample_mode
    )

    assert ours == bytes(libvips)
    assert (b"ICC_PROFILE\x00" in ours) == (keep == "icc")


@pytest.mark.parametrize(("keep", "by_pillow"), [("none", False), ("icc", True)])
def test_only_an_answer_keeping_its_profile_is_encoded_under_the_gil(
    photo: pyvips.Image, keep: str, by_pillow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pillow's encoder holds the GIL while it encodes; imagecodecs', which writes no ICC
    profile, lets it go."""
    saves: list[str] = []
    save = Image.Image.save

    def recorded(picture: Image.Image, *args: Any, **options: Any) -> None:
        saves.append(picture.mode)
        save(picture, *args, **options)

    monkeypatch.setattr(Image.Image, "save", recorded)
    ours = jpeg_bytes(photo, 80, keep, subsample=True)

    assert (saves == ["RGB"]) == by_pillow and len(saves) <= 1
    assert ours == bytes(photo.jpegsave_buffer(Q=80, keep=keep, optimize_coding=True))


def test_threads_encoding_at_once_each_write_libvips_bytes(photo: pyvips.Image) -> None:
    """imagecodecs encodes with the GIL let go, as the processing threads run it."""
    qualities = [30, 55, 80, 95] * 6
    images = [photo.copy() for _ in qualities]
    for image in images:
        image.remove("icc-profile-data")

    def written_by_us(image: pyvips.Image, quality: int) -> bytes:
        return jpeg_bytes(image, quality, "none", subsample=quality < encode.FULL_CHROMA_QUALITY)

    with ThreadPoolExecutor(max_workers=6) as pool:
        written = list(pool.map(written_by_us, images, qualities))
    for image, quality, data in zip(images, qualities, written, strict=True):
        assert data == bytes(image.jpegsave_buffer(Q=quality, keep="none", optimize_coding=True))


def test_a_plain_jpeg_is_written_by_pillow(pillow_calls: list[int]) -> None:
    rendered = im.run(im.corpus(PHOTO), "w:200/q:70", extension="jpg")

    assert pillow_calls == [70]
    assert rendered.data[:4] == b"\xff\xd8\xff\xdb"  # no JFIF segment, as libvips writes
    assert im.decode(rendered).width == 200


def test_full_chroma_is_kept_on_pillows_path(pillow_calls: list[int]) -> None:
    rendered = im.run(im.corpus(PHOTO), "w:200/jpgo::1", extension="jpg")

    assert pillow_calls == [80]
    assert im.decode(rendered).get("jpeg-chroma-subsample") == "4:4:4"


@pytest.mark.parametrize(
    "path",
    [
        "jpgo:1",  # progressive
        "jpgo:::1",  # trellis quantisation
        "jpgo::::1",  # overshoot deringing
        "jpgo::::::3",  # another quantisation table
        "sm:0",  # metadata kept
        "dpi:300",  # an EXIF block with the resolution
    ],
)
def test_what_pillow_does_not_write_is_written_by_libvips(
    pillow_calls: list[int], path: str
) -> None:
    rendered = im.run(im.corpus(PHOTO), f"w:200/{path}", extension="jpg")

    assert pillow_calls == []
    assert im.decode(rendered).width == 200


def test_grey_and_large_jpegs_are_written_by_libvips(pillow_calls: list[int]) -> None:
    grey = im.png(im.solid(64, 48, (90,)))
    side = 2100
    large = im.png(im.solid(side, side, (10, 20, 30)))
    assert side * side > encode.PILLOW_MAX_PIXELS

    grey_out = im.decode(im.run(grey, "", extension="jpg"))
    large_out = im.decode(im.run(large, "", extension="jpg"))

    assert pillow_calls == []
    assert (grey_out.bands, large_out.width) == (1, side)
