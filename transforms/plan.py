"""Pure geometry: from the options and the source's displayed size to every size the steps use.

Computed once, before any pixel work; steps read it and never recompute it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from imgproxy.url.options import Gravity, GravityType, Options, ResizingType

NORTHERN = frozenset({GravityType.NORTH, GravityType.NORTH_EAST, GravityType.NORTH_WEST})
SOUTHERN = frozenset({GravityType.SOUTH, GravityType.SOUTH_EAST, GravityType.SOUTH_WEST})
EASTERN = frozenset({GravityType.EAST, GravityType.NORTH_EAST, GravityType.SOUTH_EAST})
WESTERN = frozenset({GravityType.WEST, GravityType.NORTH_WEST, GravityType.SOUTH_WEST})


def scale(size: int, factor: float) -> int:
    return math.floor(size * factor + 0.5)


@dataclass(frozen=True)
class Plan:
    scaled_width: int
    scaled_height: int
    crop_width: int
    crop_height: int
    target_width: int
    target_height: int
    dpr_scale: float
    gravity: Gravity
    extend: bool
    extend_gravity: Gravity


def _resolve_auto(
    kind: ResizingType, src: tuple[float, float], dst: tuple[float, float]
) -> ResizingType:
    if kind is not ResizingType.AUTO:
        return kind
    same_orientation = (src[0] >= src[1]) == (dst[0] >= dst[1])
    return ResizingType.FILL if same_orientation else ResizingType.FIT


def _shrinks(options: Options, width: int, height: int) -> tuple[float, float]:
    """How much each axis shrinks (>1 smaller, <1 larger) before dpr and enlarge limits."""
    dst_w = float(options.width or width)
    dst_h = float(options.height or height)
    w_shrink = width / dst_w
    h_shrink = height / dst_h
    if w_shrink == 1 and h_shrink == 1:
        return 1.0, 1.0
    kind = _resolve_auto(options.resizing_type, (width, height), (dst_w, dst_h))
    forced = kind is ResizingType.FORCE
    if options.width == 0 and not forced:
        return h_shrink, h_shrink
    if options.height == 0 and not forced:
        return w_shrink, w_shrink
    if kind is ResizingType.FIT:
        return max(w_shrink, h_shrink), max(w_shrink, h_shrink)
    if kind in (ResizingType.FILL, ResizingType.FILL_DOWN):
        return min(w_shrink, h_shrink), min(w_shrink, h_shrink)
    return w_shrink, h_shrink


def make_plan(options: Options, width: int, height: int) -> Plan:
    """`width` x `height` is the source as displayed (after EXIF orientation)."""
    w_shrink, h_shrink = _shrinks(options, width, height)
    dpr_scale = options.dpr
    if not options.enlarge:
        least = min(w_shrink, h_shrink)
        if least < 1:
            w_shrink, h_shrink = w_shrink / least, h_shrink / least
            if not options.extend.enabled:
                dpr_scale /= least
        dpr_scale = min(dpr_scale, w_shrink, h_shrink)
    w_shrink = min(w_shrink / dpr_scale, float(width))
    h_shrink = min(h_shrink / dpr_scale, float(height))
    scaled_w = max(1, scale(width, 1 / w_shrink))
    scaled_h = max(1, scale(height, 1 / h_shrink))
    target_w = scale(options.width, dpr_scale)
    target_h = scale(options.height, dpr_scale)
    crop_w, crop_h = target_w, target_h
    if options.resizing_type is ResizingType.FILL_DOWN and not options.enlarge:
        crop_w, crop_h = _fill_down_crop(scaled_w, scaled_h, target_w, target_h)
    return Plan(
        scaled_w,
        scaled_h,
        crop_w,
        crop_h,
        target_w,
        target_h,
        dpr_scale,
        options.gravity,
        options.extend.enabled,
        options.extend.gravity,
    )


def _fill_down_crop(scaled_w: int, scaled_h: int, target_w: int, target_h: int) -> tuple[int, int]:
    """Keep the requested aspect ratio when the source is too small to fill the target."""
    if not target_w or not target_h:
        return target_w, target_h
    diff_w, diff_h = target_w / scaled_w, target_h / scaled_h
    if diff_w > diff_h and diff_w > 1:
        return scaled_w, scale(scaled_w, target_h / target_w)
    if diff_h > diff_w and diff_h > 1:
        return scale(scaled_h, target_w / target_h), scaled_h
    return target_w, target_h


def _offset(offset: float, size: int, dpr_scale: float) -> int:
    return round(offset * dpr_scale) if abs(offset) >= 1 else round(size * offset)


def position(
    outer: tuple[int, int], inner: tuple[int, int], anchor: Gravity, dpr_scale: float
) -> tuple[int, int]:
    """Top-left corner of an `inner` box placed in an `outer` one by `anchor`, kept inside."""
    width, height = outer
    inner_w, inner_h = inner
    if anchor.type is GravityType.FOCUS_POINT:
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
    left = max(0, min(left, width - inner_w))
    top = max(0, min(top, height - inner_h))
    return left, top
