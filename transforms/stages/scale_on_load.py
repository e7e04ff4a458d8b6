"""Decode no larger than the plan needs, then rescale the plan to what was decoded."""

from __future__ import annotations

from dataclasses import replace

from imgproxy.geometry import CropBox, min_nonzero
from imgproxy.url.options import GravityType
from transforms.plan import Plan, scale
from transforms.stages.loading import Loading


def preshrink(plan: Plan, width: int, height: int, vector: bool) -> float:
    """The factor to decode at: never below what the plan needs (raster sources only shrink)."""
    scaled_w = max(1, scale(width, plan.x_scale))
    scaled_h = max(1, scale(height, plan.y_scale))
    factor = min(width / scaled_w, height / scaled_h)
    if vector:
        return factor
    return factor if factor > 1 else 1.0


def shrink_on_load(state: Loading) -> Loading:
    """Loads every frame to process, unless an earlier stage loaded the image already."""
    if state.image is not None:
        return state
    plan, size = state.plan, state.size
    if plan is None or size is None:
        raise RuntimeError("shrink_on_load needs the plan")
    source, frames = state.source, state.frames
    shrink = state.shrink * preshrink(plan, *size, source.vector)
    image = source.load(shrink, page=state.options.page if frames == 1 else 0, frames=frames)
    if shrink == state.shrink:
        return replace(state, image=image)
    loaded = (image.width, image.height // frames)
    return replace(state, image=image, plan=shrunk_plan(plan, size, loaded))


def _shrink_offset(offset: float, pre: float) -> float:
    """Pixel offsets shrink with the image; fractions (below 1) stay."""
    return float(round(offset / pre)) if abs(offset) >= 1 else offset


def _shrink_crop(crop: CropBox, pre_x: float, pre_y: float) -> CropBox:
    anchor = crop.gravity
    if anchor.type is not GravityType.FOCUS_POINT:
        anchor = replace(
            anchor, x=_shrink_offset(anchor.x, pre_x), y=_shrink_offset(anchor.y, pre_y)
        )
    return CropBox(
        max(1, round(crop.width / pre_x)) if crop.width else 0,
        max(1, round(crop.height / pre_y)) if crop.height else 0,
        anchor,
    )


def _unit_if_identity(factor: float, size: int) -> float:
    """A factor that rounds back to the same size is no resize at all."""
    return 1.0 if scale(size, factor) == size else factor


def shrunk_plan(plan: Plan, size: tuple[int, int], loaded: tuple[int, int]) -> Plan:
    """`plan`, made for a `size` image, for the `loaded` (smaller, decoded) one: scales grow
    and crops shrink by the decoder's factors, all in stored axes as the plan keeps them."""
    pre_x, pre_y = size[0] / loaded[0], size[1] / loaded[1]
    crop = None if plan.crop is None else _shrink_crop(plan.crop, pre_x, pre_y)
    to_scale = (
        min_nonzero(crop.width if crop else 0, loaded[0]),
        min_nonzero(crop.height if crop else 0, loaded[1]),
    )
    return replace(
        plan,
        crop=crop,
        x_scale=_unit_if_identity(plan.x_scale * pre_x, to_scale[0]),
        y_scale=_unit_if_identity(plan.y_scale * pre_y, to_scale[1]),
    )
