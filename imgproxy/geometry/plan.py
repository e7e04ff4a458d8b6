"""Pure geometry: every size and anchor a resize produces, from the options and the source size.

Standard library only: the server plans its pipeline with it (`transforms.plan`) and the
URL-signing helper predicts result sizes with it (`imgproxy.dimensions`), so both agree.

Sizes are computed in the displayed orientation (EXIF orientation and `rotate` applied), then
the parts used before the rotate step (crop, scale) are mapped back to the stored orientation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from imgproxy.geometry.anchors import unrotate
from imgproxy.url.options import Gravity, GravityType, Options, ResizingType

G = GravityType

EXIF_ANGLES = {3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}
EXIF_FLIPPED = frozenset({2, 4, 5, 7})


def scale(size: int, factor: float) -> int:
    """Round half away from zero, as imgproxy does."""
    return 0 if size == 0 else math.floor(size * factor + 0.5)


def min_nonzero(first: int, second: int) -> int:
    return (first or second) if not (first and second) else min(first, second)


@dataclass(frozen=True)
class Orientation:
    """EXIF orientation of the loaded image, as a rotation then a horizontal flip."""

    angle: int = 0
    flip: bool = False

    @classmethod
    def from_exif(cls, orientation: int, auto_rotate: bool) -> Orientation:
        if not auto_rotate:
            return cls()
        return cls(EXIF_ANGLES.get(orientation, 0), orientation in EXIF_FLIPPED)


@dataclass(frozen=True)
class CropBox:
    """A crop in the loaded image's stored orientation and pixels."""

    width: int
    height: int
    gravity: Gravity


@dataclass(frozen=True)
class Plan:
    orientation: Orientation
    rotate: int
    flip_x: bool
    flip_y: bool
    crop: CropBox | None
    x_scale: float
    """Resize factors along the stored axes of the (cropped) loaded image."""
    y_scale: float
    target_width: int
    target_height: int
    result_width: int
    """Crop of the scaled, rotated image (0: none)."""
    result_height: int
    gravity: Gravity
    dpr_scale: float
    extend: bool
    extend_gravity: Gravity
    extend_ratio_width: int
    extend_ratio_height: int
    extend_ratio_gravity: Gravity
    padding: tuple[int, int, int, int]
    """Top, right, bottom, left, already scaled by dpr."""

    @property
    def swaps_axes(self) -> bool:
        return (self.orientation.angle + self.rotate) % 180 == 90


def _crop_size(size: int, requested: float) -> int:
    if requested == 0:
        return 0
    return int(requested) if requested >= 1 else max(1, scale(size, requested))


def _crop_to_ratio(
    crop: tuple[int, int], image: tuple[int, int], ratio: float, *, enlarge: bool
) -> tuple[int, int]:
    """`crop_aspect_ratio`: the crop area's side that breaks `ratio` (width / height) is cut
    down, or with `enlarge` the other side grows, then both shrink to fit the image."""
    width, height = crop
    if (width / height > ratio) != enlarge:
        width = max(1, round(height * ratio))
    else:
        height = max(1, round(width / ratio))
    if width > image[0]:
        width, height = image[0], max(1, round(image[0] / ratio))
    if height > image[1]:
        width, height = max(1, round(image[1] * ratio)), image[1]
    return width, height


def _resolve_auto(
    kind: ResizingType, src: tuple[float, float], dst: tuple[float, float]
) -> ResizingType:
    if kind is not ResizingType.AUTO:
        return kind
    same = (src[0] - src[1] >= 0) == (dst[0] - dst[1] >= 0)
    return ResizingType.FILL if same else ResizingType.FIT


def _shrinks(options: Options, width: int, height: int) -> tuple[float, float]:
    dst_w = float(options.width or width)
    dst_h = float(options.height or height)
    w_shrink, h_shrink = width / dst_w, height / dst_h
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


def _scales(options: Options, width: int, height: int, vector: bool) -> tuple[float, float, float]:
    """(x scale, y scale, dpr scale) for a `width` x `height` displayed image."""
    w_shrink, h_shrink = _shrinks(options, width, height)
    w_shrink /= options.zoom_x
    h_shrink /= options.zoom_y
    dpr_scale = options.dpr
    if not options.enlarge and not vector:
        least = min(w_shrink, h_shrink)
        if least < 1:
            w_shrink, h_shrink = w_shrink / least, h_shrink / least
            if not options.extend.enabled:
                dpr_scale /= least
        dpr_scale = min(dpr_scale, w_shrink, h_shrink)
    if options.min_width and (least_w := width / options.min_width) < w_shrink:
        h_shrink /= w_shrink / least_w
        w_shrink = least_w
    if options.min_height and (least_h := height / options.min_height) < h_shrink:
        w_shrink /= h_shrink / least_h
        h_shrink = least_h
    w_shrink = min(w_shrink / dpr_scale, float(width))
    h_shrink = min(h_shrink / dpr_scale, float(height))
    return 1 / w_shrink, 1 / h_shrink, dpr_scale


@dataclass(frozen=True)
class _Sizes:
    target: tuple[int, int]
    scaled: tuple[int, int]
    result: tuple[int, int]
    ratio: tuple[int, int]


def _sizes(
    options: Options, to_scale: tuple[int, int], x_scale: float, y_scale: float, dpr_scale: float
) -> _Sizes:
    target = (
        scale(options.width, dpr_scale * options.zoom_x),
        scale(options.height, dpr_scale * options.zoom_y),
    )
    scaled = (max(1, scale(to_scale[0], x_scale)), max(1, scale(to_scale[1], y_scale)))
    result = target
    if options.resizing_type is ResizingType.FILL_DOWN and not options.enlarge and all(target):
        diff_w, diff_h = target[0] / scaled[0], target[1] / scaled[1]
        if diff_w > diff_h and diff_w > 1:
            result = (scaled[0], scale(scaled[0], target[1] / target[0]))
        elif diff_h > diff_w and diff_h > 1:
            result = (scale(scaled[1], target[0] / target[1]), scaled[1])
    ratio = (0, 0)
    if options.extend_aspect_ratio.enabled and all(target):
        out_w, out_h = min_nonzero(scaled[0], result[0]), min_nonzero(scaled[1], result[1])
        diff_w, diff_h = target[0] / out_w, target[1] / out_h
        if diff_h > diff_w:
            ratio = (out_w, scale(out_w, target[1] / target[0]))
        elif diff_w > diff_h:
            ratio = (scale(out_h, target[0] / target[1]), out_h)
    return _Sizes(target, scaled, result, ratio)


def _padding(options: Options, dpr_scale: float) -> tuple[int, int, int, int]:
    pad = options.padding
    return tuple(round(side * dpr_scale) for side in (pad.top, pad.right, pad.bottom, pad.left))  # type: ignore[return-value]


def _outer_size(options: Options, sizes: _Sizes, dpr_scale: float) -> tuple[int, int]:
    out_w = min_nonzero(sizes.scaled[0], sizes.result[0])
    out_h = min_nonzero(sizes.scaled[1], sizes.result[1])
    if options.extend.enabled:
        out_w, out_h = max(out_w, sizes.target[0]), max(out_h, sizes.target[1])
    elif options.extend_aspect_ratio.enabled:
        out_w, out_h = max(out_w, sizes.ratio[0]), max(out_h, sizes.ratio[1])
    top, right, bottom, left = _padding(options, dpr_scale)
    return out_w + left + right, out_h + top + bottom


def make_plan(
    options: Options,
    source: tuple[int, int],
    orientation: Orientation = Orientation(),
    *,
    loaded: tuple[int, int] | None = None,
    max_result_dimension: int = 0,
    vector: bool = False,
) -> Plan:
    """`source` is the original's stored size (after trim), `loaded` the decoded image's stored
    size when it was shrunk on load."""
    swapped = (orientation.angle + options.rotate) % 180 == 90
    src_w, src_h = (source[1], source[0]) if swapped else source
    crop_w = _crop_size(src_w, options.crop.width)
    crop_h = _crop_size(src_h, options.crop.height)
    if options.crop_aspect_ratio and (crop_w or crop_h):
        crop_w, crop_h = _crop_to_ratio(
            (crop_w or src_w, crop_h or src_h),
            (src_w, src_h),
            options.crop_aspect_ratio,
            enlarge=options.crop_aspect_ratio_enlarge,
        )
    to_scale = (min_nonzero(crop_w, src_w), min_nonzero(crop_h, src_h))
    x_scale, y_scale, dpr_scale = _scales(options, *to_scale, vector)
    sizes = _sizes(options, to_scale, x_scale, y_scale, dpr_scale)
    if max_result_dimension > 0:
        outer = _outer_size(options, sizes, dpr_scale)
        if max(outer) > max_result_dimension:
            down = max_result_dimension / max(outer)
            x_scale = max(x_scale * down, 1 / to_scale[0])
            y_scale = max(y_scale * down, 1 / to_scale[1])
            dpr_scale *= down
            sizes = _sizes(options, to_scale, x_scale, y_scale, dpr_scale)
    crop_anchor = options.crop.gravity or options.gravity
    if loaded is not None:
        loaded_w, loaded_h = (loaded[1], loaded[0]) if swapped else loaded
        pre_x, pre_y = src_w / loaded_w, src_h / loaded_h
        x_scale, y_scale = x_scale * pre_x, y_scale * pre_y
        crop_w = max(1, round(crop_w / pre_x)) if crop_w else 0
        crop_h = max(1, round(crop_h / pre_y)) if crop_h else 0
        crop_anchor = _shrink_offsets(crop_anchor, pre_x, pre_y)
        to_scale = (min_nonzero(crop_w, loaded_w), min_nonzero(crop_h, loaded_h))
        if scale(to_scale[0], x_scale) == to_scale[0]:
            x_scale = 1.0
        if scale(to_scale[1], y_scale) == to_scale[1]:
            y_scale = 1.0
    crop = None
    if crop_w or crop_h:
        anchor = unrotate(
            crop_anchor, options.rotate, options.flip_horizontal, options.flip_vertical
        )
        anchor = unrotate(anchor, orientation.angle, orientation.flip)
        crop = CropBox(*((crop_h, crop_w) if swapped else (crop_w, crop_h)), anchor)
    return Plan(
        orientation=orientation,
        rotate=options.rotate,
        flip_x=options.flip_horizontal,
        flip_y=options.flip_vertical,
        crop=crop,
        x_scale=y_scale if swapped else x_scale,
        y_scale=x_scale if swapped else y_scale,
        target_width=sizes.target[0],
        target_height=sizes.target[1],
        result_width=sizes.result[0],
        result_height=sizes.result[1],
        gravity=options.gravity,
        dpr_scale=dpr_scale,
        extend=options.extend.enabled,
        extend_gravity=options.extend.gravity,
        extend_ratio_width=sizes.ratio[0],
        extend_ratio_height=sizes.ratio[1],
        extend_ratio_gravity=options.extend_aspect_ratio.gravity,
        padding=_padding(options, dpr_scale),
    )


def _shrink_offsets(anchor: Gravity, pre_x: float, pre_y: float) -> Gravity:
    if anchor.type is GravityType.FOCUS_POINT:
        return anchor
    x = round(anchor.x / pre_x) if abs(anchor.x) >= 1 else anchor.x
    y = round(anchor.y / pre_y) if abs(anchor.y) >= 1 else anchor.y
    return replace(anchor, x=float(x), y=float(y))


def result_size(plan: Plan, source: tuple[int, int]) -> tuple[int, int]:
    """The result's width and height when `plan` runs on a source of this stored size, before
    anything that depends on the pixels (trim)."""
    crop = plan.crop
    stored = (
        (min_nonzero(crop.width, source[0]), min_nonzero(crop.height, source[1]))
        if crop
        else source
    )
    scaled = (max(1, scale(stored[0], plan.x_scale)), max(1, scale(stored[1], plan.y_scale)))
    if plan.swaps_axes:
        scaled = (scaled[1], scaled[0])
    width = min_nonzero(scaled[0], plan.result_width)
    height = min_nonzero(scaled[1], plan.result_height)
    if plan.extend:
        width, height = max(width, plan.target_width), max(height, plan.target_height)
    elif plan.extend_ratio_width:
        width = max(width, plan.extend_ratio_width)
        height = max(height, plan.extend_ratio_height)
    top, right, bottom, left = plan.padding
    return width + left + right, height + top + bottom
