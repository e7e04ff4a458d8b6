"""curve(all,r,g,b): tone curves through the given points, as natural cubic splines.

Each channel goes through its own curve and then through the curve for all channels. Levels
before the first point take its y, levels from the last point on take the last y.
"""

from __future__ import annotations

from itertools import pairwise

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import as_rgb, join_alpha, lut, split_alpha


def points_of(spelled: str) -> list[tuple[int, int]]:
    """The canonical `[(x,y),...]` spelling written by the parser back into points."""
    pairs = spelled.strip("[]()").split("),(")
    return [(int(x), int(y)) for x, y in (pair.split(",") for pair in pairs)]


def second_derivatives(points: list[tuple[int, int]]) -> list[float]:
    """Solve the tridiagonal system of a natural spline (zero curvature at both ends)."""
    count = len(points)
    xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    diagonal, upper, rhs = [1.0] * count, [0.0] * count, [0.0] * count
    lower = [0.0] * count
    for i in range(1, count - 1):
        lower[i] = (xs[i] - xs[i - 1]) / 6
        diagonal[i] = (xs[i + 1] - xs[i - 1]) / 3
        upper[i] = (xs[i + 1] - xs[i]) / 6
        rhs[i] = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) - (ys[i] - ys[i - 1]) / (
            xs[i] - xs[i - 1]
        )
    for i in range(1, count):
        factor = lower[i] / diagonal[i - 1]
        diagonal[i] -= factor * upper[i - 1]
        rhs[i] -= factor * rhs[i - 1]
    result = [0.0] * count
    result[-1] = rhs[-1] / diagonal[-1]
    for i in range(count - 2, -1, -1):
        result[i] = (rhs[i] - upper[i] * result[i + 1]) / diagonal[i]
    return result


def table(points: list[tuple[int, int]]) -> list[int]:
    """256 levels through the spline, rounded and clipped to 0..255."""
    curvature = second_derivatives(points)
    levels = [points[0][1]] * 256
    for index, ((x0, y0), (x1, y1)) in enumerate(pairwise(points)):
        span = x1 - x0
        for x in range(x0, x1):
            b = (x - x0) / span
            a = 1 - b
            y = a * y0 + b * y1
            y += (
                span
                * span
                / 6
                * ((a**3 - a) * curvature[index] + (b**3 - b) * curvature[index + 1])
            )
            levels[x] = min(255, max(0, round(y)))
    last_x, last_y = points[-1]
    levels[last_x:] = [last_y] * (256 - last_x)
    return levels


def apply(image: pyvips.Image, pixel_filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    overall, *channels = (table(points_of(str(arg))) for arg in pixel_filter.args)
    composed = [[overall[level] for level in channel] for channel in channels]
    color, alpha = split_alpha(image)
    return join_alpha(as_rgb(color).maplut(lut(composed)), alpha)
