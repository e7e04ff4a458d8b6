"""Whether an embedded ICC profile describes sRGB itself, read from its tags: then its pixels
are sRGB already and converting them through it would only cost time.

Many files carry an sRGB profile written by another tool than the IEC reference (GIMP's and
lcms' "sRGB", Facebook's 524-byte "c2"): same primaries and the same tone curve, other bytes.
A profile counts as sRGB when its red, green and blue colorants (D50, as ICC stores them) are
sRGB's within `COLORANT_TOLERANCE` and each channel's curve follows sRGB's within
`CURVE_TOLERANCE` at every sampled level. Anything else, or anything unreadable, is converted.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

SRGB_COLORANTS = {
    b"rXYZ": (0.4361, 0.2225, 0.0139),
    b"gXYZ": (0.3851, 0.7169, 0.0971),
    b"bXYZ": (0.1431, 0.0606, 0.7141),
}
COLORANT_TOLERANCE = 0.002
CURVE_TOLERANCE = 0.005
"""Of the full output range: about 1.3 levels in 8 bits."""
SAMPLES = 32
CURVES = (b"rTRC", b"gTRC", b"bTRC")
Curve = Callable[[float], float]


def srgb_curve(level: float) -> float:
    return level / 12.92 if level <= 0.04045 else ((level + 0.055) / 1.055) ** 2.4


def _s15(data: bytes, at: int) -> float:
    return float(struct.unpack_from(">i", data, at)[0]) / 65536


def _tags(profile: bytes) -> dict[bytes, bytes]:
    (count,) = struct.unpack_from(">I", profile, 128)
    tags: dict[bytes, bytes] = {}
    for index in range(min(count, 64)):
        signature, offset, size = struct.unpack_from(">4sII", profile, 132 + 12 * index)
        tags[signature] = profile[offset : offset + size]
    return tags


def _xyz(tag: bytes) -> tuple[float, float, float]:
    if tag[:4] != b"XYZ " or len(tag) < 20:
        raise ValueError("not an XYZ tag")
    return _s15(tag, 8), _s15(tag, 12), _s15(tag, 16)


def _parametric(tag: bytes) -> Curve:
    (kind,) = struct.unpack_from(">H", tag, 8)
    count = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}[kind]
    g, a, b, c, d, e, f = [*(_s15(tag, 12 + 4 * i) for i in range(count)), 0, 0, 0, 0, 0, 0][:7]
    if kind == 0:
        return lambda x: x**g
    if kind == 3:
        return lambda x: (a * x + b) ** g if x >= d else c * x
    if kind == 4:
        return lambda x: (a * x + b) ** g + e if x >= d else c * x + f
    raise ValueError("a curve sRGB does not use")


def _table(tag: bytes) -> Curve:
    (count,) = struct.unpack_from(">I", tag, 8)
    if count == 0:
        return lambda x: x
    if count == 1:
        gamma = struct.unpack_from(">H", tag, 12)[0] / 256
        return lambda x: x**gamma
    values: tuple[int, ...] = struct.unpack_from(f">{count}H", tag, 12)

    def interpolated(x: float) -> float:
        at = x * (count - 1)
        low = min(int(at), count - 2)
        share = at - low
        return float(values[low] * (1 - share) + values[low + 1] * share) / 65535

    return interpolated


def _curve(tag: bytes) -> Curve:
    kind = tag[:4]
    if kind == b"para":
        return _parametric(tag)
    if kind == b"curv":
        return _table(tag)
    raise ValueError("an unknown curve type")


def is_srgb(profile: bytes) -> bool:
    """The profile is an RGB display profile with sRGB's primaries and tone curve."""
    if len(profile) < 132 or profile[12:24] != b"mntrRGB XYZ ":
        return False
    try:
        tags = _tags(profile)
        for name, wanted in SRGB_COLORANTS.items():
            found = _xyz(tags[name])
            if any(
                abs(got - want) > COLORANT_TOLERANCE
                for got, want in zip(found, wanted, strict=True)
            ):
                return False
        levels = [index / (SAMPLES - 1) for index in range(SAMPLES)]
        for name in CURVES:
            curve = _curve(tags[name])
            if any(abs(curve(x) - srgb_curve(x)) > CURVE_TOLERANCE for x in levels):
                return False
    except (KeyError, ValueError, struct.error, ZeroDivisionError, OverflowError):
        return False
    return True
