"""The plan the steps follow: every size and anchor, computed once after loading.

The arithmetic is `imgproxy.geometry`, shared with the URL-signing helper's size prediction.
"""

from __future__ import annotations

from imgproxy.geometry import Orientation, Plan, make_plan, scale
from transforms.gravity import position

__all__ = ["Orientation", "Plan", "make_plan", "position", "scale"]
