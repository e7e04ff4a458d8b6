"""HEIC, BMP and ICO output, as imgproxy writes them: through pillow-heif and Pillow, ICO
scaled down to 256 px."""

from __future__ import annotations

import io

import pillow_heif
import pytest
import pyvips
from PIL import Image

from tests.transforms import images as im

PHOTO = im.corpus("jpeg-baseline-icc.jpg")  # 290x442
GREY = im.corpus("jpeg-grayscale-icc.jpg")
pillow_heif.register_heif_opener()


def opened(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def pixels(picture: Image.Image) -> pyvips.Image:
    rgb = picture.convert("RGB")
    return pyvips.Image.new_from_memory(rgb.tobytes(), rgb.width, rgb.height, 3, "uchar")


def mean_difference(first: pyvips.Image, second: pyvips.Image) -> float:
    return float((first.cast("float") - second.cast("float")).abs().avg())


def test_heic_is_an_hevc_heif_of_the_picture() -> None:
    rendered = im.run(PHOTO, "w:100", extension="heic")
    picture = opened(rendered.data)
    assert (picture.format, picture.size) == ("HEIF", (100, 152))
    assert rendered.data[4:12] == b"ftypheic"
    reference = im.decode(im.run(PHOTO, "w:100", extension="png"))
    assert mean_difference(pixels(picture), reference) < 4


def test_heic_quality_sets_its_size() -> None:
    low = im.run(PHOTO, "w:200/q:30", extension="heic").data
    high = im.run(PHOTO, "w:200/q:90", extension="heic").data
    assert len(low) < len(high) / 2


def test_bmp_is_the_pixels_exactly() -> None:
    picture = opened(im.run(PHOTO, "w:100", extension="bmp").data)
    assert (picture.format, picture.size, picture.mode) == ("BMP", (100, 152), "RGB")
    reference = im.decode(im.run(PHOTO, "w:100", extension="png"))
    assert mean_difference(pixels(picture), reference) == 0


@pytest.mark.parametrize(("path", "size"), [("w:64", (64, 98)), ("w:1000/el:1", (168, 256))])
def test_ico_is_at_most_256_px(path: str, size: tuple[int, int]) -> None:
    picture = opened(im.run(PHOTO, path, extension="ico").data)
    assert (picture.format, picture.size) == ("ICO", size)


@pytest.mark.parametrize("extension", ["heic", "bmp", "ico"])
def test_grey_sources_are_written_in_colour_bands(extension: str) -> None:
    picture = opened(im.run(GREY, "w:40", extension=extension).data)
    assert picture.mode in ("RGB", "RGBA")
    red, green, blue = picture.convert("RGB").split()[:3]
    assert red.tobytes() == green.tobytes() == blue.tobytes()


def test_ico_keeps_transparency() -> None:
    source = bytes(im.solid(32, 32, (255, 0, 0, 0)).pngsave_buffer())
    picture = opened(im.run(source, "", extension="ico").data).convert("RGBA")
    assert picture.getpixel((5, 5))[3] == 0
