"""Single-scale SSIM of planes of pixels in numpy: the SSIM map of several channels, as the
dssim tool combines L*, a* and b* (each mean, variance and covariance averaged over the
channels before the SSIM formula). Arrays are (channels, height, width), float32.

Variances and covariances are computed from pixels centred on the reference's mean of each
channel: they do not change, and float32 loses far less to the difference of two squares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from transforms.dssim_window import Planes, tool_window

Window = Callable[[Planes], Planes]

C1 = 0.01**2
C2 = 0.03**2
"""SSIM's constants for pixels of range 1."""


@dataclass(frozen=True)
class Statistics:
    """The reference's side of the SSIM formula, per pixel, channels averaged."""

    centre: Planes
    """Each channel's mean, (channels, 1, 1)."""
    centred: Planes
    means: Planes
    """Each channel's windowed mean, centred."""
    uncentred: Planes
    """The same, not centred."""
    mean_power: Planes
    """The squared (uncentred) means, averaged over the channels."""
    variance: Planes


def _sum_of_products(first: Planes, second: Planes) -> Planes:
    summed: Planes = np.einsum("chw,chw->hw", first, second)
    return summed


def _with_power(centred: Planes, extra: Planes | None) -> Planes:
    """`centred` stacked with the sum of its squares (and the `extra` plane) after it."""
    count = centred.shape[0]
    stack = np.empty((count + 1 + (extra is not None), *centred.shape[1:]), np.float32)
    stack[:count] = centred
    stack[count] = _sum_of_products(centred, centred)
    if extra is not None:
        stack[count + 1] = extra
    return stack


def statistics(planes: Planes, blur: Window = tool_window) -> Statistics:
    count = planes.shape[0]
    centre = planes.mean(axis=(1, 2), dtype=np.float64).astype(np.float32)[:, None, None]
    centred = planes - centre
    blurred = blur(_with_power(centred, None))
    means = blurred[:count]
    variance = (blurred[count] - _sum_of_products(means, means)) / count
    uncentred = means + centre
    power = _sum_of_products(uncentred, uncentred) / count
    return Statistics(centre, centred, means, uncentred, power, variance)


def ssim_map(reference: Statistics, planes: Planes, blur: Window = tool_window) -> Planes:
    """SSIM at each pixel of `planes` against the reference."""
    count = planes.shape[0]
    centred = planes - reference.centre
    blurred = blur(_with_power(centred, _sum_of_products(centred, reference.centred)))
    means = blurred[:count]
    variance = (blurred[count] - _sum_of_products(means, means)) / count
    covariance = (blurred[count + 1] - _sum_of_products(means, reference.means)) / count
    uncentred = means + reference.centre
    power = _sum_of_products(uncentred, uncentred) / count
    both = _sum_of_products(uncentred, reference.uncentred) / count
    numerator = (2 * both + C1) * (2 * covariance + C2)
    denominator = (reference.mean_power + power + C1) * (reference.variance + variance + C2)
    similarity: Planes = numerator / denominator
    return similarity
