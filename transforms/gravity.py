"""Gravity arithmetic: placing a box in another (mapping an anchor through rotation and flip is
in imgproxy/geometry.py, which the URL helper shares)."""

from __future__ import annotations

from imgproxy.url.options import Gravity, GravityType

G = GravityType
NORTHERN = frozenset({G.NORTH, G.NORTH_EAST, G.NORTH_WEST})
SOUTHERN = frozenset({G.SOUTH, G.SOUTH_EAST, G.SOUTH_WEST})
EASTERN = frozenset({G.EAST, G.NORTH_EAST, G.SOUTH_EAST})
WESTERN = frozenset({G.WEST, G.NORTH_WEST, G.SOUTH_WEST})


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
