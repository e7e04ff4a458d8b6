"""The dssim tool's pixels at each scale: linear-light RGB with alpha premultiplied, halved by
averaging 2x2 blocks (an odd last row or column dropped) while both sides are at least 8;
alpha composited over the tool's pattern of eight background colours (R, G and B each lit
where a bit of (x + 11) XOR (y + 11) is set); then its L*a*b*, scaled to about 0..1 with chroma
at half lightness' weight. libvips linearises, numpy (and OpenCV's cube root, exact where the
tool's is a polynomial refined twice) does the rest on (planes, height, width) float32 arrays.
A grey picture is compared as a colour one."""

from __future__ import annotations

import numpy as np
import pyvips

from transforms.dssim_window import Planes
from transforms.opencv import opencv

SMALLEST = 8
"""A scale with a side under this is the last."""
TO_XYZ = np.array(
    [
        [0.4124 / 0.9505, 0.3576 / 0.9505, 0.1805 / 0.9505],
        [0.2126, 0.7152, 0.0722],
        [0.0193 / 1.089, 0.1192 / 1.089, 0.9505 / 1.089],
    ],
    np.float32,
)
"""Linear RGB to CIE XYZ relative to the D65 white point, the tool's coefficients."""
EPSILON = np.float32(216 / 24389)
KAPPA = np.float32(24389 / (27 * 116))
PATTERN_BITS = (16, 8, 32)
"""A pixel's R, G, B background is lit where (x + 11) XOR (y + 11) has this bit."""
KNOWN = frozenset({"srgb", "b-w", "rgb16", "grey16", "scrgb"})


def _interpreted(image: pyvips.Image) -> pyvips.Image:
    if image.interpretation in KNOWN:
        return image
    if image.format in ("uchar", "ushort"):
        wide, grey = image.format == "ushort", image.bands <= 2
        names = {(False, False): "srgb", (False, True): "b-w", (True, False): "rgb16"}
        return image.copy(interpretation=names.get((wide, grey), "grey16"))
    return image.colourspace("srgb")


def linear(image: pyvips.Image) -> Planes:
    """Linear RGB planes, 0..1, and alpha (premultiplied into them) as a fourth if any."""
    alpha = image.hasalpha()
    scrgb = _interpreted(image).colourspace("scrgb")
    if scrgb.bands > 4 or (scrgb.bands == 4 and not alpha):
        scrgb = scrgb.extract_band(0, n=4 if alpha else 3)
    pixels = np.frombuffer(scrgb.cast("float").write_to_memory(), np.float32)
    interleaved = pixels.reshape(scrgb.height, scrgb.width, scrgb.bands)
    planes: Planes = np.ascontiguousarray(interleaved.transpose(2, 0, 1))
    np.clip(planes, 0, 1, out=planes)
    if alpha:
        planes[:3] *= planes[3]
    return planes


def halved(planes: Planes) -> Planes:
    height, width = planes.shape[1] // 2 * 2, planes.shape[2] // 2 * 2
    out = planes[:, 0:height:2, 0:width:2] + planes[:, 1:height:2, 0:width:2]
    out += planes[:, 0:height:2, 1:width:2]
    out += planes[:, 1:height:2, 1:width:2]
    out *= np.float32(0.25)
    return out


def _background(height: int, width: int) -> Planes:
    pattern = np.bitwise_xor.outer(np.arange(height) + 11, np.arange(width) + 11)
    bits = np.array(PATTERN_BITS)[:, None, None]
    lit: Planes = ((pattern & bits) != 0).astype(np.float32)
    return lit


def _lab_of_xyz(component: Planes) -> Planes:
    """f(t) of CIE L*a*b* divided by 116: t^(1/3) - 16/116 above epsilon, linear below."""
    curved: Planes = opencv().pow(component, 1 / 3)
    curved -= np.float32(16 / 116)
    chosen: Planes = np.where(component > EPSILON, curved, component * KAPPA)
    return chosen


def lab(planes: Planes) -> Planes:
    """The tool's L = 1.05 L* / 116, a = (a* + 86.2) / 220, b = (b* + 107.9) / 220."""
    rgb = planes[:3]
    if planes.shape[0] == 4:
        rgb = rgb + _background(*planes.shape[1:]) * (1 - planes[3])
    xyz: Planes = np.einsum("ij,jhw->ihw", TO_XYZ, rgb)
    x, y, z = (_lab_of_xyz(xyz[index]) for index in range(3))
    out = np.empty_like(xyz)
    np.multiply(y, np.float32(1.05), out=out[0])
    np.subtract(x, y, out=out[1])
    out[1] *= np.float32(500 / 220)
    out[1] += np.float32(86.2 / 220)
    np.subtract(y, z, out=out[2])
    out[2] *= np.float32(200 / 220)
    out[2] += np.float32(107.9 / 220)
    return out


def lab_scales(image: pyvips.Image, count: int) -> list[Planes]:
    """At most `count` scales of `image`, the full size first."""
    current = linear(image)
    scales = [lab(current)]
    while len(scales) < count and min(current.shape[1:]) >= SMALLEST:
        current = halved(current)
        scales.append(lab(current))
    return scales
