"""Where a crop window goes to keep the detected faces: pure arithmetic on relative boxes."""

from __future__ import annotations

from collections.abc import Sequence

from imgproxy.url.options import Gravity, GravityType
from transforms.faces import Face
from transforms.gravity import position as placed

Box = tuple[float, float, float, float]
"""left, top, width, height in pixels."""


def _pixels(face: Face, size: tuple[int, int]) -> Box:
    width, height = size
    return face.left * width, face.top * height, face.width * width, face.height * height


def _covered(boxes: Sequence[Box], left: float, top: float, window: tuple[int, int]) -> float:
    total = 0.0
    for x, y, w, h in boxes:
        across = min(x + w, left + window[0]) - max(x, left)
        down = min(y + h, top + window[1]) - max(y, top)
        total += max(0.0, across) * max(0.0, down)
    return total


def _clamped(value: float, size: int, span: int) -> int:
    return max(0, min(round(value), size - span))


def _union(boxes: Sequence[Box]) -> Box:
    left = min(box[0] for box in boxes)
    top = min(box[1] for box in boxes)
    right = max(box[0] + box[2] for box in boxes)
    bottom = max(box[1] + box[3] for box in boxes)
    return left, top, right - left, bottom - top


def _corner_for(
    union: Box, size: tuple[int, int], window: tuple[int, int], where: Gravity
) -> tuple[float, float]:
    """The window's corner that puts the faces' box where `objects_position` says."""
    centre_x, centre_y = union[0] + union[2] / 2, union[1] + union[3] / 2
    if where.type is GravityType.PROPORTIONAL:
        return (
            centre_x - centre_x / size[0] * window[0],
            centre_y - centre_y / size[1] * window[1],
        )
    inner = (max(1, round(union[2])), max(1, round(union[3])))
    left, top = placed(window, inner, where)
    return union[0] - left, union[1] - top


def window_over_faces(
    size: tuple[int, int],
    window: tuple[int, int],
    faces: Sequence[Face],
    where: Gravity | None = None,
) -> tuple[int, int]:
    """Top-left corner of a `window` in an image of `size` covering the most face area, kept
    inside the image. When all the faces fit, they go where `where` says (centred by
    default)."""
    boxes = [_pixels(face, size) for face in faces]
    width, height = window
    union = _union(boxes)
    if union[2] <= width and union[3] <= height:
        left, top = _corner_for(union, size, window, where or Gravity())
        return _clamped(left, size[0], width), _clamped(top, size[1], height)
    candidates = [(union[0] + union[2] / 2, union[1] + union[3] / 2)]
    candidates += [(x + w / 2, y + h / 2) for x, y, w, h in boxes]
    candidates += [(x + width / 2, y + height / 2) for x, y, _w, _h in boxes]
    candidates += [(x + w - width / 2, y + h - height / 2) for x, y, w, h in boxes]
    corners = [
        (_clamped(x - width / 2, size[0], width), _clamped(y - height / 2, size[1], height))
        for x, y in candidates
    ]
    return max(corners, key=lambda corner: _covered(boxes, corner[0], corner[1], window))
