"""Mapping an anchor through EXIF orientation and `rotate`: crops run before rotation (cheaper),
so their gravity is mapped back to the stored orientation. Standard library only."""

from __future__ import annotations

from dataclasses import replace

from imgproxy.url.options import Gravity, GravityType

G = GravityType

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
