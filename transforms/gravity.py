"""Gravity arithmetic: placing a box in another, and mapping an anchor through rotation/flip."""

from __future__ import annotations

from dataclasses import replace

from imgproxy.url.options import Gravity, GravityType

G = GravityType
NORTHERN = frozenset({G.NORTH, G.NORTH_EAST, G.NORTH_WEST})
SOUTHERN = frozenset({G.SOUTH, G.SOUTH_EAST, G.SOUTH_WEST})
EASTERN = frozenset({G.EAST, G.NORTH_EAST, G.SOUTH_EAST})
WESTERN = frozenset({G.WEST, G.NORTH_WEST, G.SOUTH_WEST})

# Where each compass point goes when the image is rotated back by the angle.
ROTATED = {
    90: {G.NORTH: G.WEST, G.EAST: G.NORTH, G.SOUTH: G.EAST, G.WEST: G.SOUTH,
         G.NORTH_WEST: G.SOUTH_WEST, G.NORTH_EAST: G.NORTH_WEST, G.SOUTH_WEST: G.SOUTH_EAST,
         G.SOUTH_EAST: G.NORTH_EAST},
    180: {G.NORTH: G.SOUTH, G.EAST: G.WEST, G.SOUTH: G.NORTH, G.WEST: G.EAST,
          G.NORTH_WEST: G.SOUTH_EAST, G.NORTH_EAST: G.SOUTH_WEST, G.SOUTH_WEST: G.NORTH_EAST,
          G.SOUTH_EAST: G.NORTH_WEST},
    270: {G.NORTH: G.EAST, G.EAST: G.SOUTH, G.SOUTH: G.WEST, G.WEST: G.NORTH,
          G.NORTH_WEST: G.NORTH_EAST, G.NORTH_EAST: G.SOUTH_EAST, G.SOUTH_WEST: G.NORTH_WEST,
          G.SOUTH_EAST: G.SOUTH_WEST},
}  # fmt: skip
FLIPPED_X = {
    G.EAST: G.WEST,
    G.WEST: G.EAST,
    G.NORTH_WEST: G.NORTH_EAST,
    G.NORTH_EAST: G.NORTH_WEST,
    G.SOUTH_WEST: G.SOUTH_EAST,
    G.SOUTH_EAST: G.SOUTH_WEST,
}
FLIPPED_Y = {
    G.NORTH: G.SOUTH,
    G.SOUTH: G.NORTH,
    G.NORTH_WEST: G.SOUTH_WEST,
    G.NORTH_EAST: G.SOUTH_EAST,
    G.SOUTH_WEST: G.NORTH_WEST,
    G.SOUTH_EAST: G.NORTH_EAST,
}


def _offset(offset: float, size: int, dpr_scale: float) -> int:
    return round(offset * dpr_scale) if abs(offset) >= 1 else round(size * offset)


def position(
    outer: tuple[int, int],
    inner: tuple[int, int],
    anchor: Gravity,
    dpr_scale: float = 1.0,
    *,
    overflow: bool = False,
) -> tuple[int, int]:
    """Top-left corner of an `inner` box placed in an `outer` one by `anchor`.

    Kept inside `outer` unless `overflow` (then it may hang over the edges but not leave).
    """
    width, height = outer
    inner_w, inner_h = inner
    if anchor.type is G.FOCUS_POINT:
        left = round(width * anchor.x) - inner_w // 2
        top = round(height * anchor.y) - inner_h // 2
    else:
        off_x = _offset(anchor.x, width, dpr_scale)
        off_y = _offset(anchor.y, height, dpr_scale)
        left = round((width - inner_w + 1) / 2) + off_x
        top = round((height - inner_h + 1) / 2) + off_y
        if anchor.type in NORTHERN:
            top = off_y
        if anchor.type in SOUTHERN:
            top = height - inner_h - off_y
        if anchor.type in EASTERN:
            left = width - inner_w - off_x
        if anchor.type in WESTERN:
            left = off_x
    if overflow:
        low_x, high_x, low_y, high_y = -inner_w + 1, width - 1, -inner_h + 1, height - 1
    else:
        low_x, high_x, low_y, high_y = 0, width - inner_w, 0, height - inner_h
    return max(low_x, min(left, high_x)), max(low_y, min(top, high_y))


def unrotate(anchor: Gravity, angle: int, flip_x: bool, flip_y: bool = False) -> Gravity:
    """The anchor that, applied before rotating by `angle` and flipping, lands where `anchor`
    lands after. Crops run before rotation for speed; this keeps their meaning."""
    kind, x, y = anchor.type, anchor.x, anchor.y
    if flip_x:
        kind = FLIPPED_X.get(kind, kind)
        if kind in (G.CENTER, G.NORTH, G.SOUTH):
            x = -x
        elif kind is G.FOCUS_POINT:
            x = 1.0 - x
    if flip_y:
        kind = FLIPPED_Y.get(kind, kind)
        if kind in (G.CENTER, G.EAST, G.WEST):
            y = -y
        elif kind is G.FOCUS_POINT:
            y = 1.0 - y
    angle %= 360
    if angle:
        kind = ROTATED[angle].get(kind, kind)
        x, y = _rotate_offsets(kind, angle, x, y)
    return replace(anchor, type=kind, x=x, y=y)


def _rotate_offsets(kind: GravityType, angle: int, x: float, y: float) -> tuple[float, float]:
    if kind is G.FOCUS_POINT:
        return {90: (y, 1.0 - x), 180: (1.0 - x, 1.0 - y), 270: (1.0 - y, x)}[angle]
    if angle == 90:
        return (y, -x) if kind in (G.CENTER, G.EAST, G.WEST) else (y, x)
    if angle == 180:
        if kind is G.CENTER:
            return -x, -y
        if kind in (G.NORTH, G.SOUTH):
            return -x, y
        return (x, -y) if kind in (G.EAST, G.WEST) else (x, y)
    return (-y, x) if kind in (G.CENTER, G.NORTH, G.SOUTH) else (y, x)
