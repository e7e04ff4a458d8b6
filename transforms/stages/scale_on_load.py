"""How much the decoder can shrink while decoding, from a first plan of the full-size image."""

from __future__ import annotations

from transforms.plan import Plan, scale


def preshrink(plan: Plan, width: int, height: int, vector: bool) -> float:
    """The factor to decode at: never below what the plan needs (raster sources only shrink)."""
    scaled_w = max(1, scale(width, plan.x_scale))
    scaled_h = max(1, scale(height, plan.y_scale))
    factor = min(width / scaled_w, height / scaled_h)
    if vector:
        return factor
    return factor if factor > 1 else 1.0
