"""SSIM's windows in numpy: separable, symmetric, the edge pixel repeated beyond the border.
Arrays are (planes, height, width), float32.

`tool_window` is the dssim tool's: its 3-tap kernel twice along each axis, computed as one 5-tap
kernel (the 3-tap convolved with itself) whose two outermost outputs at each end take the
weights that two clamped 3-tap passes give them. It works plane by plane over the plane's
pixels as one flat row, so that every neighbour is a contiguous slice and a plane of a few
hundred thousand pixels stays in the CPU's cache; the values that wrap from one row into the
next are then overwritten at the edges."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Planes = npt.NDArray[np.float32]

TOOL_TAPS = (0.30875886, 0.3824828, 0.30875886)
_SIDE, _CENTRE = TOOL_TAPS[0], TOOL_TAPS[1]
OUTER = np.float32(_SIDE * _SIDE)
INNER = np.float32(2 * _SIDE * _CENTRE)
MIDDLE = np.float32(2 * _SIDE * _SIDE + _CENTRE * _CENTRE)
SMALLEST_FUSED = 5
"""A side under this many pixels is blurred by the two 3-tap passes themselves."""


def _along(planes: Planes, taps: Sequence[float], axis: int) -> Planes:
    radius = len(taps) // 2
    size = planes.shape[axis]
    reach = [(0, 0)] * planes.ndim
    reach[axis] = (radius, radius)
    padded = np.moveaxis(np.pad(planes, reach, mode="edge"), axis, 0)
    out = np.multiply(padded[radius : radius + size], np.float32(taps[radius]))
    pair = np.empty_like(out)
    for distance in range(1, radius + 1):
        np.add(
            padded[radius - distance : radius - distance + size],
            padded[radius + distance : radius + distance + size],
            out=pair,
        )
        pair *= np.float32(taps[radius - distance])
        out += pair
    return np.ascontiguousarray(np.moveaxis(out, 0, axis))


def window(planes: Planes, taps: Sequence[float]) -> Planes:
    """`planes` through the separable window `taps` (odd length, symmetric) along both axes."""
    return _along(_along(planes, taps, -1), taps, -2)


def _five(source: Planes, target: Planes, scratch: Planes, step: int) -> None:
    """The 5-tap kernel along a flat row whose neighbours are `step` apart: `target` has
    4 steps fewer values than `source`, the first centred on `source[2 * step]`."""
    size = target.size
    np.multiply(source[2 * step : 2 * step + size], MIDDLE, out=target)
    spare = scratch[:size]
    np.add(source[step : step + size], source[3 * step : 3 * step + size], out=spare)
    spare *= INNER
    target += spare
    np.add(source[:size], source[4 * step :], out=spare)
    spare *= OUTER
    target += spare


def _edges(source: Planes, out: Planes) -> None:
    """The two first and two last values along axis 0 of 2-D `source`, as two clamped 3-tap
    passes give them."""
    for first, second, third, fourth, at, near in ((0, 1, 2, 3, 0, 1), (-1, -2, -3, -4, -1, -2)):
        out[at] = (MIDDLE + INNER) * source[first] + (OUTER + INNER) * source[second]
        out[at] += OUTER * source[third]
        out[near] = (OUTER + INNER) * source[first] + MIDDLE * source[second]
        out[near] += INNER * source[third] + OUTER * source[fourth]


def _plane(plane: Planes, out: Planes, across: Planes, scratch: Planes) -> None:
    width = plane.shape[1]
    flat, rows = plane.reshape(-1), across.reshape(-1)
    _five(flat, rows[2:-2], scratch, 1)
    _edges(plane.T, across.T)
    _five(rows, out.reshape(-1)[2 * width : -2 * width], scratch, width)
    _edges(across, out)


def tool_window(planes: Planes) -> Planes:
    count, height, width = planes.shape
    if min(height, width) < SMALLEST_FUSED:
        return window(window(planes, TOOL_TAPS), TOOL_TAPS)
    source = np.ascontiguousarray(planes, np.float32)
    out = np.empty_like(source)
    across, scratch = np.empty((2, height, width), np.float32)
    for index in range(count):
        _plane(source[index], out[index], across, scratch.reshape(-1))
    return out
