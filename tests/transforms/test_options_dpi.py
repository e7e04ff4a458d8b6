"""imgproxy Pro's `dpi`: the result's resolution metadata, whatever the stripping."""

from __future__ import annotations

import pytest
import pyvips

from tests.transforms import images as im

PHOTO = im.corpus("jpeg-baseline-icc.jpg")


def dpi_of(data: bytes) -> float:
    return round(pyvips.Image.new_from_buffer(data, "").xres * 25.4, 1)


@pytest.mark.parametrize("extension", ["jpg", "png", "tiff"])
@pytest.mark.parametrize("strip", ["1", "0"])
def test_dpi_is_written(extension: str, strip: str) -> None:
    plain = im.run(PHOTO, f"w:100/sm:{strip}", extension=extension)
    marked = im.run(PHOTO, f"w:100/sm:{strip}/dpi:123", extension=extension)
    assert dpi_of(marked.data) == 123.0
    assert dpi_of(plain.data) != 123.0


def test_stripped_jpeg_carries_only_the_resolution() -> None:
    source = im.corpus("jpeg-exif-orientation-6.jpg")
    marked = pyvips.Image.new_from_buffer(im.run(source, "w:100/dpi:96", extension="jpg").data, "")
    fields = {name for name in marked.get_fields() if name.startswith("exif-ifd")}
    assert "exif-ifd0-XResolution" in fields
    assert not {name for name in fields if "Make" in name or "Model" in name or "Date" in name}
    assert marked.get("orientation") == 1


def test_png_gets_no_exif_block_for_its_resolution() -> None:
    marked = pyvips.Image.new_from_buffer(im.run(PHOTO, "w:100/dpi:96", extension="png").data, "")
    assert not marked.get_typeof("exif-data")
