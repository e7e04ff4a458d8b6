"""`meta/`: thumbor's JSON about a request, computed from the same plan the pipeline uses.

Operations are listed in the order this pipeline runs them (manual crop, resize, crop to the
result, flips), not thumbor's crop-then-resize order; sizes are what the image would get.
"""

from __future__ import annotations

from typing import Any

from imgproxy.url.options import Options
from transforms.gravity import position
from transforms.plan import Orientation, make_plan, scale
from transforms.sources import open_source
from transforms.stages.source_fit import settle


def _crop(left: int, top: int, width: int, height: int) -> dict[str, Any]:
    return {"type": "crop", "left": left, "top": top, "right": left + width, "bottom": top + height}


def describe(
    data: bytes, options: Options, url: str, *, max_pixels: int, auto_rotate: bool
) -> dict[str, Any]:
    """Runs in a worker thread."""
    info = open_source(data, max_pixels=max_pixels).info
    orientation = Orientation.from_exif(info.orientation, auto_rotate)
    upright = (info.height, info.width) if orientation.angle % 180 else (info.width, info.height)
    settled = settle(options, *upright)
    plan = make_plan(settled, upright, Orientation())
    operations: list[dict[str, Any]] = []
    width, height = upright
    if plan.crop is not None:
        box = (plan.crop.width, plan.crop.height)
        left, top = position(upright, box, plan.crop.gravity)
        operations.append(_crop(left, top, *box))
        width, height = box
    scaled = (max(1, scale(width, plan.x_scale)), max(1, scale(height, plan.y_scale)))
    if scaled != (width, height):
        operations.append({"type": "resize", "width": scaled[0], "height": scaled[1]})
    result = (
        min(plan.result_width or scaled[0], scaled[0]),
        min(plan.result_height or scaled[1], scaled[1]),
    )
    if result != scaled:
        left, top = position(scaled, result, plan.gravity)
        operations.append(_crop(left, top, *result))
    if settled.flip_horizontal:
        operations.append({"type": "flip_horizontally"})
    if settled.flip_vertical:
        operations.append({"type": "flip_vertically"})
    target = result[::-1] if settled.turn % 2 else result
    document: dict[str, Any] = {
        "source": {"url": url, "width": upright[0], "height": upright[1], "frameCount": info.pages},
        "operations": operations,
        "target": {"width": target[0], "height": target[1]},
    }
    fit = settled.source_fit
    if fit is not None and fit.focal is not None:
        left, top, right, bottom = fit.focal
        document["focal_points"] = [
            {
                "x": (left + right) / 2,
                "y": (top + bottom) / 2,
                "width": right - left,
                "height": bottom - top,
                "z": 1.0,
                "origin": "Explicit",
            }
        ]
    return {"thumbor": document}
