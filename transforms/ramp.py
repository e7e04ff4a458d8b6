"""The weight of a directional effect (`gradient`, `progressive_blur`) at every pixel."""

from __future__ import annotations

import math

import pyvips

from imgproxy.url.options import Ramp


def ramp_weight(width: int, height: int, ramp: Ramp) -> pyvips.Image:
    """One float band: 0 up to `ramp.start`, rising linearly to 1 at `ramp.stop`, fractions of
    the image's extent along `ramp.direction` (degrees clockwise; 0 runs from the top down)."""
    angle = math.radians(ramp.direction)
    along_x, along_y = -math.sin(angle), math.cos(angle)
    extent = abs(width * along_x) + abs(height * along_y)
    xy = pyvips.Image.xyz(width, height).cast("float")
    x = xy.extract_band(0) + (0.5 - width / 2)
    y = xy.extract_band(1) + (0.5 - height / 2)
    position = (x * along_x + y * along_y) / extent + 0.5
    if ramp.stop == ramp.start:
        return (position >= ramp.start).cast("float") / 255
    weight = (position - ramp.start) / (ramp.stop - ramp.start)
    return weight.clamp(min=0.0, max=1.0)
