"""frame: a nine-patch PNG stretched around the image, content area from its marks."""

from __future__ import annotations

import pytest
import pyvips

from imgproxy.errors import UnprocessableSource
from tests.transforms.pixel_filters.pictures import (
    PHOTO,
    filtered,
    photo,
    pixel,
    rgba_photo,
    same_pixels,
    solid,
)

GREEN, RED, BLUE = (0, 255, 0, 255), (255, 0, 0, 255), (0, 0, 255, 255)
MARK = (0, 0, 0, 255)


def nine_patch(*, content_marks: bool = True) -> bytes:
    """9x9: a 7x7 picture (green left, red middle, blue right columns, a clear 3x3 hole)
    whose middle three rows and columns stretch; the content area is the hole."""
    inner = solid(7, 7, GREEN).insert(solid(3, 7, RED), 2, 0).insert(solid(2, 7, BLUE), 5, 0)
    inner = inner.insert(solid(3, 3, (0, 0, 0, 0)), 2, 2)
    patch = solid(9, 9, (0, 0, 0, 0)).insert(inner, 1, 1)
    across, down = solid(3, 1, MARK), solid(1, 3, MARK)
    patch = patch.insert(across, 3, 0).insert(down, 0, 3)
    if content_marks:
        patch = patch.insert(across, 3, 8).insert(down, 8, 3)
    return patch.pngsave_buffer()


def test_the_frame_pads_the_image_and_stretches_its_middle():
    source = photo()
    out = filtered(source, "frame", "f.png", frame=nine_patch())
    width, height = source.width + 4, source.height + 4
    assert (out.width, out.height, out.bands) == (width, height, 3)
    assert same_pixels(out.crop(2, 2, source.width, source.height), source)
    assert pixel(out, 0, 0) == GREEN[:3]
    assert pixel(out, width - 1, 0) == BLUE[:3]
    assert pixel(out, width // 2, 0) == RED[:3]
    assert pixel(out, width // 2, height - 1) == RED[:3]
    assert pixel(out, 1, height // 2) == GREEN[:3]
    assert pixel(out, width - 2, height // 2) == BLUE[:3]


def test_without_content_marks_the_frame_lies_over_the_image():
    source = solid(30, 20, (9, 9, 9))
    out = filtered(source, "frame", "f.png", frame=nine_patch(content_marks=False))
    assert (out.width, out.height) == (30, 20)
    assert pixel(out, 0, 0) == GREEN[:3]
    assert pixel(out, 15, 10) == (9, 9, 9)
    assert pixel(out, 15, 0) == RED[:3]


def test_alpha_is_kept_and_grey_gains_colour():
    source = rgba_photo()
    out = filtered(source, "frame", "f.png", frame=nine_patch())
    assert out.bands == 4
    assert same_pixels(out.crop(2, 2, source.width, source.height), source)
    assert pixel(out, 0, 0) == GREEN
    grey = filtered(solid(10, 10, (50,)), "frame", "f.png", frame=nine_patch())
    assert (grey.bands, grey.interpretation, pixel(grey, 5, 5)) == (3, "srgb", (50, 50, 50))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an image", "Invalid frame image"),
        (solid(2, 2, MARK).pngsave_buffer(), "Expected frame image of 3..2048 pixels a side"),
        (solid(3000, 3, MARK).pngsave_buffer(), "Expected frame image of 3..2048 pixels a side"),
    ],
)
def test_unusable_frame_images_are_the_clients_422(data, message):
    with pytest.raises(UnprocessableSource) as refused:
        filtered(photo(), "frame", "f.png", frame=data)
    assert (refused.value.status, refused.value.message) == (422, message)


def test_too_many_stretch_marks_are_refused():
    striped = solid(101, 5, (0, 0, 0, 0))
    for x in range(1, 100, 2):
        striped = striped.insert(solid(1, 1, MARK), x, 0)
    with pytest.raises(UnprocessableSource) as refused:
        filtered(photo(), "frame", "f.png", frame=striped.pngsave_buffer())
    assert refused.value.message == "Expected at most 32 stretch marks per frame edge"


def test_frame_bytes_are_required():
    with pytest.raises(TypeError):
        filtered(photo(), "frame", "f.png")


def test_a_real_photo_as_frame_source_decodes():
    frame = pyvips.Image.thumbnail(str(PHOTO), 40).jpegsave_buffer()
    out = filtered(solid(20, 20, (1, 2, 3)), "frame", "f.png", frame=frame)
    assert (out.width, out.height, out.bands) == (20, 20, 3)
