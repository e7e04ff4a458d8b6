"""`meta/`: thumbor's JSON about a request, computed from the same plan the pipeline uses.

Operations are listed in the order this pipeline runs them (manual crop, resize, crop to the
result, flips), not thumbor's crop-then-resize order; sizes are what the image would get.
"""

from __future__ import annotations

from typing import Any

import pyvips

from imgproxy.url.options import GravityType, Options
from transforms.face_crop import window_over_faces
from transforms.faces import DETECTION_SIZE, Face, detect
from transforms.gravity import position
from transforms.plan import Orientation, make_plan, scale
from transforms.sources import Source, VipsSource, open_source
from transforms.stages.source_fit import settle


def _crop(left: int, top: int, width: int, height: int) -> dict[str, Any]:
    return {"type": "crop", "left": left, "top": top, "right": left + width, "bottom": top + height}


def _faces(source: Source, data: bytes, auto_rotate: bool) -> tuple[Face, ...]:
    """Faces on a small copy: libvips' thumbnail of the bytes where libvips reads them, else
    the source's own decode (sanitized SVG; JPEG XL, HEIC, BMP and ICO, decoded upright)."""
    if isinstance(source, VipsSource):
        small = pyvips.Image.thumbnail_buffer(
            data, DETECTION_SIZE, height=DETECTION_SIZE, no_rotate=not auto_rotate
        )
    else:
        shrink = max(1.0, max(source.info.width, source.info.height) / DETECTION_SIZE)
        small = source.load(shrink).thumbnail_image(DETECTION_SIZE, height=DETECTION_SIZE)
    return detect(small)


def _focal_point(face: Face, size: tuple[int, int]) -> dict[str, Any]:
    """thumbor's focal point of a detected face, in the upright source's pixels."""
    width, height = round(face.width * size[0]), round(face.height * size[1])
    left, top = round(face.left * size[0]), round(face.top * size[1])
    return {
        "x": left + width / 2,
        "y": top + height / 2,
        "z": width * height,
        "height": height,
        "width": width,
        "origin": "Face Detection",
    }


def describe(
    data: bytes,
    options: Options,
    url: str,
    *,
    max_pixels: int,
    auto_rotate: bool,
    faces: bool = False,
) -> dict[str, Any]:
    """Runs in a worker thread. `faces`: IMGPROXY_SMART_CROP_FACE_DETECTION, which makes a
    `smart` request look for faces (reported as focal points, and kept in the crop)."""
    source = open_source(data, max_pixels=max_pixels)
    info = source.info
    orientation = Orientation.from_exif(info.orientation, auto_rotate)
    upright = (info.height, info.width) if orientation.angle % 180 else (info.width, info.height)
    settled = settle(options, *upright)
    plan = make_plan(settled, upright, Orientation())
    smart = options.gravity.type is GravityType.SMART
    explicit = settled.source_fit is not None and settled.source_fit.focal is not None
    found = _faces(source, data, auto_rotate) if faces and smart and not explicit else ()
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
        if found and plan.crop is None:
            left, top = window_over_faces(scaled, result, found)
        else:
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
    if found:
        document["focal_points"] = [_focal_point(face, upright) for face in found]
    return {"thumbor": document}
