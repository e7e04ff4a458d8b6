"""Pure geometry, shared by the server's pipeline (`transforms.plan`) and the URL-signing
helper's size prediction (`imgproxy.dimensions`), so both agree. Standard library only."""

from imgproxy.geometry.anchors import unrotate
from imgproxy.geometry.plan import (
    CropBox,
    Orientation,
    Plan,
    make_plan,
    min_nonzero,
    result_size,
    scale,
)

__all__ = [
    "CropBox",
    "Orientation",
    "Plan",
    "make_plan",
    "min_nonzero",
    "result_size",
    "scale",
    "unrotate",
]
