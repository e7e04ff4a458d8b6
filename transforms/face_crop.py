"""Where a crop window goes to keep the detected faces: pure arithmetic on relative boxes."""

from __future__ import annotations

from collections.abc import Sequence

from transforms.faces import Face

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


def window_over_faces(
    size: tuple[int, int], window: tuple[int, int], faces: Sequence[Face]
) -> tuple[int, int]:
    """Top-left corner of a `window` in an image of `size` covering the most face area (all
    the faces, centred, when they fit), kept inside the image."""
    boxes = [_pixels(face, size) for face in faces]
    width, height = window
    union = _union(boxes)
    candidates = [(union[0] + union[2] / 2, union[1] + union[3] / 2)]
    if union[2] > width or union[3] > height:
        candidates += [(x + w / 2, y + h / 2) for x, y, w, h in boxes]
        candidates += [(x + width / 2, y + height / 2) for x, y, _w, _h in boxes]
        candidates += [(x + w - width / 2, y + h - height / 2) for x, y, w, h in boxes]
    corners = [
        (_clamped(x - width / 2, size[0], width), _clamped(y - height / 2, size[1], height))
        for x, y in candidates
    ]
    return max(corners, key=lambda corner: _covered(boxes, corner[0], corner[1], window))
