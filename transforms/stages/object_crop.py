"""imgproxy Pro's `crop_objects` for faces: the faces' box, grown by the scale factor (and to
the result's aspect ratio when filling), becomes the `crop` the plan is made from."""

from __future__ import annotations

from dataclasses import replace

import pyvips

from imgproxy.url.options import Crop, Gravity, GravityType, Options, ResizingType
from transforms.faces import DETECTION_SIZE, Face, detect
from transforms.stages.loading import Loading

FILLING = frozenset({ResizingType.FILL, ResizingType.FILL_DOWN})


def _upright(state: Loading) -> pyvips.Image:
    width, height = state.unshrunk_size
    shrink = max(1.0, max(width, height) / (2 * DETECTION_SIZE))
    image = state.source.load(shrink * state.shrink, page=state.options.page)
    image = state.cancellation.in_memory(image)
    angle = state.orientation.angle
    if angle:
        image = image.rot({90: "d90", 180: "d180", 270: "d270"}[angle])
    return image.fliphor() if state.orientation.flip else image


def _span(faces: tuple[Face, ...]) -> tuple[float, float, float, float]:
    left = min(face.left for face in faces)
    top = min(face.top for face in faces)
    right = max(face.left + face.width for face in faces)
    bottom = max(face.top + face.height for face in faces)
    return left, top, right - left, bottom - top


def _crop(faces: tuple[Face, ...], options: Options, size: tuple[int, int]) -> Crop:
    left, top, span_x, span_y = _span(faces)
    centre = Gravity(GravityType.FOCUS_POINT, left + span_x / 2, top + span_y / 2)
    width = min(1.0, span_x * options.crop_objects) * size[0]
    height = min(1.0, span_y * options.crop_objects) * size[1]
    if options.resizing_type in FILLING and options.width and options.height:
        ratio = options.width / options.height
        if width / height < ratio:
            width = min(float(size[0]), height * ratio)
        else:
            height = min(float(size[1]), width / ratio)
    return Crop(float(max(1, round(width))), float(max(1, round(height))), centre)


def crop_to_faces(state: Loading) -> Loading:
    options = state.geometry
    if not options.crop_objects:
        return state
    faces = detect(_upright(state))
    if not faces:
        return state
    width, height = state.unshrunk_size
    upright = (height, width) if state.orientation.angle % 180 else (width, height)
    return replace(state, geometry=replace(options, crop=_crop(faces, options, upright)))
