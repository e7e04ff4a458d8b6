"""Overlay the watermark: placed by gravity or tiled (`re`, or `ch` in a chessboard order),
sized, turned, shadowed, with opacity."""

from __future__ import annotations

import math

import pyvips

from imgproxy.url.options import Gravity, GravityType
from transforms.gravity import position
from transforms.job import Job


def _offsets(job: Job, width: int, height: int) -> tuple[int, int]:
    mark = job.options.watermark
    x = round(mark.x * job.plan.dpr_scale) if abs(mark.x) >= 1 else round(width * mark.x)
    y = round(mark.y * job.plan.dpr_scale) if abs(mark.y) >= 1 else round(height * mark.y)
    return x, y


def _odd_cover(size: int, tile: int) -> int:
    """An odd number of tiles covering `size`, so one tile sits in the middle."""
    count = -(-size // tile)
    return count if count % 2 else count + 1


def _sized(mark: pyvips.Image, job: Job, width: int, height: int) -> pyvips.Image:
    """`scale` (a share of the image), else `watermark_size` (a box, times dpr, no larger than
    the image), else as it is."""
    options = job.options
    if options.watermark.scale > 0:
        scale = options.watermark.scale
        box_w, box_h = max(1, round(width * scale)), max(1, round(height * scale))
        return mark.resize(min(box_w / mark.width, box_h / mark.height))
    if not (options.watermark_width or options.watermark_height):
        return mark
    dpr = job.plan.dpr_scale
    box_w = min(width, max(1, round(options.watermark_width * dpr)))
    box_h = min(height, max(1, round(options.watermark_height * dpr)))
    sides = (
        (box_w, mark.width, options.watermark_width),
        (box_h, mark.height, options.watermark_height),
    )
    factors = [box / size for box, size, asked in sides if asked]
    return mark.resize(max(min(factors), 1 / min(mark.width, mark.height)))


def _rotated(mark: pyvips.Image, angle: float) -> pyvips.Image:
    """Clockwise; quarter turns exactly, other angles on a transparent background."""
    if angle == 0:
        return mark
    if angle % 90 == 0:
        return mark.rot(f"d{int(angle)}")
    return mark.rotate(angle, background=[0] * mark.bands)


TILED = frozenset({GravityType.REPLICATE, GravityType.CHESSBOARD})
SHADOW_REACH = 3
"""A shadow's blur reaches this many sigmas past the mark."""


def _shadowed(mark: pyvips.Image, sigma: float) -> tuple[pyvips.Image, int]:
    """`mark` over a black shadow of its own alpha blurred by `sigma`, on a margin wide enough
    for the blur; and that margin."""
    if sigma <= 0:
        return mark, 0
    margin = math.ceil(sigma * SHADOW_REACH)
    width, height = mark.width + 2 * margin, mark.height + 2 * margin
    clear = [0] * mark.bands
    placed = mark.embed(margin, margin, width, height, extend="background", background=clear)
    alpha = placed.extract_band(mark.bands - 1).gaussblur(sigma).cast("uchar")
    black = pyvips.Image.black(width, height, bands=mark.bands - 1)
    shadow = black.bandjoin(alpha).copy(interpretation=placed.interpretation)
    return shadow.composite2(placed, "over").cast("uchar"), margin


def _tiled(mark: pyvips.Image, job: Job, width: int, height: int) -> pyvips.Image:
    """Tiles covering the image, one centred on it; `ch` leaves every other cell empty."""
    pad_x, pad_y = _offsets(job, width, height)
    if pad_x > 0 or pad_y > 0:
        mark = mark.embed(
            max(0, pad_x) // 2,
            max(0, pad_y) // 2,
            mark.width + max(0, pad_x),
            mark.height + max(0, pad_y),
            extend="background",
            background=[0] * mark.bands,
        )
    across, down = _odd_cover(width, mark.width), _odd_cover(height, mark.height)
    cell_w, cell_h = mark.width, mark.height
    if job.options.watermark.position is GravityType.CHESSBOARD:
        blank = (mark * 0).cast(mark.format)
        block = pyvips.Image.arrayjoin([mark, blank, blank, mark], across=2)
        tiled = block.replicate(across // 2 + 2, down // 2 + 2)
        shift = cell_w if (across // 2 + down // 2) % 2 else 0  # a mark in the centre cell
    else:
        tiled, shift = mark.replicate(across, down), 0
    left = shift + (across * cell_w - width) // 2
    top = (down * cell_h - height) // 2
    return tiled.crop(left, top, width, height)


def _prepared(mark: pyvips.Image, job: Job, width: int, height: int) -> tuple[pyvips.Image, int]:
    """The mark ready to composite, and the margin its shadow added around it."""
    mark = _sized(mark, job, width, height)
    if not mark.hasalpha():
        mark = mark.bandjoin_const([255])
    mark = _rotated(mark, job.options.watermark_rotate % 360)
    mark, margin = _shadowed(mark, job.options.watermark_shadow)
    if job.options.watermark.position in TILED:
        return _tiled(mark, job, width, height), 0
    return mark, margin


def watermark(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options.watermark
    opacity = options.opacity * job.watermark_opacity
    if job.watermark is None or opacity <= 0:
        return image
    mark, margin = _prepared(job.watermark, job, image.width, image.height)
    mark = mark * ([1.0] * (mark.bands - 1) + [opacity])
    left, top = 0, 0
    if options.position not in TILED:
        anchor = Gravity(options.position, options.x, options.y)
        inner = (mark.width - 2 * margin, mark.height - 2 * margin)
        left, top = position(
            (image.width, image.height), inner, anchor, job.plan.dpr_scale, overflow=True
        )
        left, top = left - margin, top - margin
    had_alpha, band_format = image.hasalpha(), image.format
    base = image if image.bands >= 3 else image.colourspace("srgb")
    mark = mark.colourspace("srgb") if mark.bands < 3 else mark
    result = base.composite2(mark.cast("float"), "over", x=left, y=top)
    if not had_alpha:
        result = result.extract_band(0, n=result.bands - 1)
    return result.cast(band_format)
