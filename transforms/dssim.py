"""Structural dissimilarity of an encoded image to the pixels it was encoded from, computed by
libvips: DSSIM = 1 / SSIM - 1 (the dssim tool's scale), SSIM being the mean of the SSIM map of
the two images' lightness (CIE L*, 0..100), through a Gaussian window of sigma 1.5 (the SSIM
paper's). The pixels never leave libvips, so no array library is needed. The reference's
statistics are computed once for every candidate it is compared with."""

from __future__ import annotations

import pyvips

from transforms.pixel_filters.bands import as_rgb

WINDOW_SIGMA = 1.5
WINDOW_REACH = 0.005
"""libvips' mask reaches out to this amplitude: a window of 11 taps, as the SSIM paper's."""
LIGHTNESS_RANGE = 100.0
C1 = (0.01 * LIGHTNESS_RANGE) ** 2
C2 = (0.03 * LIGHTNESS_RANGE) ** 2


def lightness(image: pyvips.Image) -> pyvips.Image:
    """CIE L* of an sRGB or grey image, flattened onto white when it has alpha, in memory."""
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    srgb = as_rgb(image).cast("uchar").copy(interpretation="srgb")
    return srgb.colourspace("lab").extract_band(0).copy_memory()


def _window(image: pyvips.Image) -> pyvips.Image:
    return image.gaussblur(WINDOW_SIGMA, min_ampl=WINDOW_REACH, precision="float")


class Reference:
    """The pixels candidates are compared with."""

    def __init__(self, image: pyvips.Image) -> None:
        self.light = lightness(image)
        self.mean = _window(self.light).copy_memory()
        self.spread = (_window(self.light * self.light) - self.mean * self.mean).copy_memory()

    def ssim(self, candidate: pyvips.Image) -> float:
        other = lightness(candidate)
        other_mean = _window(other)
        other_spread = _window(other * other) - other_mean * other_mean
        covariance = _window(self.light * other) - self.mean * other_mean
        numerator = (self.mean * other_mean * 2 + C1) * (covariance * 2 + C2)
        denominator = (self.mean * self.mean + other_mean * other_mean + C1) * (
            self.spread + other_spread + C2
        )
        return float((numerator / denominator).avg())

    def dssim(self, candidate: pyvips.Image) -> float:
        """0 for the same picture, growing as `candidate` departs from the reference."""
        return 1 / max(self.ssim(candidate), 1e-9) - 1


def dssim(reference: pyvips.Image, candidate: pyvips.Image) -> float:
    return Reference(reference).dssim(candidate)
