"""frame(url): draw a nine-patch PNG over the image, its stretchable parts sized to fit.

The nine-patch's one-pixel border holds the marks: opaque black pixels along the top and left
edges mark the columns and rows that stretch, and along the bottom and right edges the content
area. The image is first padded with white to make room for the frame around that area (as
thumbor does), then the frame is stretched to the padded size and composited over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import pyvips

from imgproxy.errors import UnprocessableSource
from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import as_8bit, as_rgb, split_alpha

MAX_FRAME_SIDE = 2048
MAX_RUNS = 32
MARK = b"\x00\x00\x00\xff"


@dataclass(frozen=True, slots=True)
class Run:
    start: int
    length: int
    stretchy: bool


def load_patch(data: bytes) -> pyvips.Image:
    """The nine-patch as 8-bit RGBA in memory; anything unusable is the client's 422."""
    try:
        patch = pyvips.Image.new_from_buffer(data, "", access="random")
        if not 3 <= patch.width <= MAX_FRAME_SIDE or not 3 <= patch.height <= MAX_FRAME_SIDE:
            raise UnprocessableSource(f"Expected frame image of 3..{MAX_FRAME_SIDE} pixels a side")
        patch = as_8bit(patch)
        color, alpha = split_alpha(patch)
        opaque = alpha if alpha is not None else (color.extract_band(0) * 0 + 255).cast("uchar")
        return as_rgb(color).bandjoin(opaque).copy_memory()
    except pyvips.Error:
        raise UnprocessableSource("Invalid frame image") from None


def marks(patch: pyvips.Image, left: int, top: int, width: int, height: int) -> list[bool]:
    pixels = patch.crop(left, top, width, height).write_to_memory()
    return [pixels[index : index + 4] == MARK for index in range(0, len(pixels), 4)]


def runs(flags: list[bool]) -> list[Run]:
    found: list[Run] = []
    for index, flag in enumerate(flags):
        if found and found[-1].stretchy == flag:
            last = found[-1]
            found[-1] = Run(last.start, last.length + 1, flag)
        else:
            found.append(Run(index, 1, flag))
    if len(found) > MAX_RUNS:
        raise UnprocessableSource(f"Expected at most {MAX_RUNS} stretch marks per frame edge")
    return found


def target_sizes(found: list[Run], target: int) -> list[int]:
    stretchy = sum(run.length for run in found if run.stretchy)
    room = max(0, target - sum(run.length for run in found if not run.stretchy))
    return [
        int(run.length / stretchy * room + 0.5) if run.stretchy else run.length for run in found
    ]


def padding(flags: list[bool]) -> tuple[int, int]:
    """Pixels before the first content mark and after the last one."""
    if True not in flags:
        return 0, 0
    return flags.index(True), flags[::-1].index(True)


def stretch(cell: pyvips.Image, width: int, height: int) -> pyvips.Image:
    premultiplied = cell.premultiply()
    scaled = premultiplied.resize(width / cell.width, vscale=height / cell.height, kernel="linear")
    return scaled.embed(0, 0, width, height, extend="copy").unpremultiply()


def overlay(patch: pyvips.Image, width: int, height: int) -> pyvips.Image:
    inner = patch.crop(1, 1, patch.width - 2, patch.height - 2)
    columns = runs(marks(patch, 1, 0, inner.width, 1))
    rows = runs(marks(patch, 0, 1, 1, inner.height))
    widths, heights = target_sizes(columns, width), target_sizes(rows, height)
    strips = []
    for row, row_height in zip(rows, heights, strict=True):
        cells = [
            stretch(
                inner.crop(column.start, row.start, column.length, row.length), size, row_height
            )
            for column, size in zip(columns, widths, strict=True)
            if size and row_height
        ]
        if cells:
            strips.append(reduce(lambda joined, cell: joined.join(cell, "horizontal"), cells))
    if not strips:
        return pyvips.Image.black(width, height, bands=4)
    joined = reduce(lambda above, strip: above.join(strip, "vertical"), strips)
    return joined.embed(0, 0, width, height).copy(interpretation="srgb")


def apply(image: pyvips.Image, _filter: PixelFilter, frame: bytes | None) -> pyvips.Image:
    if frame is None:
        raise TypeError("the frame filter needs the frame image's bytes")
    patch = load_patch(frame)
    left, right = padding(marks(patch, 1, patch.height - 1, patch.width - 2, 1))
    top, bottom = padding(marks(patch, patch.width - 1, 1, 1, patch.height - 2))
    color, alpha = split_alpha(image)
    opaque = alpha if alpha is not None else (color.extract_band(0) * 0 + 255).cast("uchar")
    picture = as_rgb(color).bandjoin(opaque)
    width, height = image.width + left + right, image.height + top + bottom
    white = (pyvips.Image.black(width, height, bands=4) + 255).cast("uchar")
    base = white.insert(picture, left, top).copy(interpretation="srgb")
    framed = base.composite2(overlay(patch, width, height), "over").cast("uchar")
    framed = framed.copy(interpretation="srgb")
    return framed if alpha is not None else framed.extract_band(0, n=3)
