"""Overlay the configured watermark: placed by gravity or tiled (`re`), scaled, with opacity."""

from __future__ import annotations

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


def _prepared(mark: pyvips.Image, job: Job, width: int, height: int) -> pyvips.Image:
    options = job.options.watermark
    mark = _sized(mark, job, width, height)
    if not mark.hasalpha():
        mark = mark.bandjoin_const([255])
    mark = _rotated(mark, job.options.watermark_rotate % 360)
    if options.position is GravityType.REPLICATE:
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
        tiled = mark.replicate(across, down)
        left, top = (tiled.width - width) // 2, (tiled.height - height) // 2
        mark = tiled.crop(left, top, width, height)
    return mark


def watermark(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options.watermark
    opacity = options.opacity * job.watermark_opacity
    if job.watermark is None or opacity <= 0:
        return image
    mark = _prepared(job.watermark, job, image.width, image.height)
    mark = mark * ([1.0] * (mark.bands - 1) + [opacity])
    left, top = 0, 0
    if options.position is not GravityType.REPLICATE:
        anchor = Gravity(options.position, options.x, options.y)
        left, top = position(
            (image.width, image.height),
            (mark.width, mark.height),
            anchor,
            job.plan.dpr_scale,
            overflow=True,
        )
    had_alpha, band_format = image.hasalpha(), image.format
    base = image if image.bands >= 3 else image.colourspace("srgb")
    mark = mark.colourspace("srgb") if mark.bands < 3 else mark
    result = base.composite2(mark.cast("float"), "over", x=left, y=top)
    if not had_alpha:
        result = result.extract_band(0, n=result.bands - 1)
    return result.cast(band_format)
