"""Frames resized into tiles, laid out as a sprite sheet or stacked as an animation's pages
(a "toilet roll" with `page-height`, `delay` and `loop`, as libvips loads an animation)."""

from __future__ import annotations

import pyvips

from transforms.video.series import Box, Series, offset, scaled_size, series_size

ANIMATION_FIELDS = ("page-height", "delay", "loop")


def into_box(image: pyvips.Image, box: Box, size: tuple[int, int]) -> pyvips.Image:
    """`image` resized into the box, then cut (around the focus point with `fill`) or
    centred on black to exactly `size`."""
    width, height = scaled_size(image.width, image.height, box)
    if (width, height) != (image.width, image.height):
        image = image.resize(width / image.width, vscale=height / image.height)
    focus_x, focus_y = (box.focus_x, box.focus_y) if box.fill else (0.5, 0.5)
    left = offset(image.width, size[0], focus_x)
    top = offset(image.height, size[1], focus_y)
    if (left, top, image.width, image.height) == (0, 0, *size):
        return image.copy_memory()
    return image.embed(-left, -top, size[0], size[1], extend="black").copy_memory()


def _black(size: tuple[int, int]) -> pyvips.Image:
    return pyvips.Image.black(size[0], size[1], bands=3).copy(interpretation="srgb")


def _cells(tiles: list[pyvips.Image | None], size: tuple[int, int]) -> list[pyvips.Image]:
    empty = _black(size)
    return [tile if tile is not None else empty for tile in tiles]


def sheet(tiles: list[pyvips.Image | None], series: Series, size: tuple[int, int]) -> pyvips.Image:
    """The tiles left to right, top to bottom; a tile past the video's end is black, or with
    `trim` cut away with the rows and columns it alone fills."""
    used = sum(tile is not None for tile in tiles)
    width, height = series_size(series, size, used)
    cells = _cells(tiles[:used] if series.trim else tiles, size)
    columns = width // size[0]
    joined = pyvips.Image.arrayjoin(cells, across=columns)
    if (joined.width, joined.height) != (width, height):
        joined = joined.embed(0, 0, width, height, extend="black")
    return joined.copy(interpretation="srgb").copy_memory()


def roll(pages: list[pyvips.Image | None], series: Series, size: tuple[int, int]) -> pyvips.Image:
    """The pages top to bottom, each shown `series.delay` ms, looping; a page past the video's
    end is black, or with `trim` left out."""
    cells = _cells([page for page in pages if page is not None] if series.trim else pages, size)
    joined = pyvips.Image.arrayjoin(cells, across=1).copy(interpretation="srgb").copy_memory()
    return animated(joined, size[1], [series.delay] * len(cells))


def animated(image: pyvips.Image, page_height: int, delays: list[int]) -> pyvips.Image:
    image = image.copy()
    image.set_type(pyvips.GValue.gint_type, "page-height", page_height)
    image.set_type(pyvips.GValue.array_int_type, "delay", delays)
    image.set_type(pyvips.GValue.gint_type, "loop", 0)
    return image


def pages_of(image: pyvips.Image, page: int, frames: int) -> pyvips.Image:
    """Pages `page` to `page + frames - 1` of an animation made by `roll`: one page as a still
    image, several as an animation."""
    height = int(image.get("page-height"))
    total = image.height // height
    page = min(page, total - 1)
    frames = max(1, min(frames, total - page))
    part = image.crop(0, page * height, image.width, height * frames)
    if frames > 1:
        delays = list(image.get("delay"))[page : page + frames]
        return animated(part, height, delays)
    part = part.copy()
    for name in ANIMATION_FIELDS:
        if part.get_typeof(name):
            part.remove(name)
    return part
