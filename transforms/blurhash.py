"""BlurHash encoder for packed 8-bit RGB pixels.

Follows the BlurHash algorithm description (github.com/woltapp/blurhash, Algorithm.md) and its
reference encoders' rounding, so a given image hashes to the same string as theirs.
"""

from __future__ import annotations

import math
from operator import mul

BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
MAX_COMPONENTS = 9

_LINEAR = tuple(
    c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    for c in (v / 255 for v in range(256))
)


def base83(value: int, length: int) -> str:
    """The `length` least significant base-83 digits of `value`, most significant first."""
    digits = []
    for _ in range(length):
        value, digit = divmod(value, 83)
        digits.append(BASE83[digit])
    return "".join(reversed(digits))


def linear_to_srgb(value: float) -> int:
    v = min(max(value, 0.0), 1.0)
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def encode(
    pixels: bytes, width: int, height: int, *, x_components: int = 4, y_components: int = 3
) -> str:
    """BlurHash of `width` x `height` pixels given as packed rows of 8-bit R, G, B."""
    _check_range("x_components", x_components, 1, MAX_COMPONENTS)
    _check_range("y_components", y_components, 1, MAX_COMPONENTS)
    _check_range("width", width, 1, None)
    _check_range("height", height, 1, None)
    if len(pixels) != width * height * 3:
        raise ValueError(
            f"Expected {width * height * 3} bytes of RGB pixels for {width}x{height} "
            f"but received {len(pixels)}"
        )
    factors = _factors(pixels, width, height, x_components, y_components)
    dc, ac = factors[0], factors[1:]
    size_flag = (x_components - 1) + (y_components - 1) * 9
    if ac:
        largest = max(abs(value) for factor in ac for value in factor)
        quantised_max = max(0, min(82, math.floor(largest * 166 - 0.5)))
        maximum = (quantised_max + 1) / 166
    else:
        quantised_max, maximum = 0, 1.0
    r, g, b = (linear_to_srgb(value) for value in dc)
    parts = [base83(size_flag, 1), base83(quantised_max, 1), base83((r << 16) | (g << 8) | b, 4)]
    parts.extend(base83(_quantise_ac(factor, maximum), 2) for factor in ac)
    return "".join(parts)


def _factors(
    pixels: bytes, width: int, height: int, x_components: int, y_components: int
) -> list[tuple[float, float, float]]:
    """The DCT coefficients per component, in hash order: increasing x first, then y.

    The cosine basis is separable, so each row is first projected onto the x cosines and the
    per-row results onto the y cosines: width*height*(nx + ny) products instead of nx*ny times.
    """
    cos_x = [[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(x_components)]
    cos_y = [
        [math.cos(math.pi * j * y / height) for y in range(height)] for j in range(y_components)
    ]
    per_channel: list[list[float]] = []
    for channel in range(3):
        linear = [_LINEAR[v] for v in pixels[channel::3]]
        rows = [linear[y * width : (y + 1) * width] for y in range(height)]
        columns = [[sum(map(mul, basis, row)) for row in rows] for basis in cos_x]
        per_channel.append(
            [sum(map(mul, basis_y, column)) for basis_y in cos_y for column in columns]
        )
    scale = 1 / (width * height)
    factors = []
    for index, (r, g, b) in enumerate(zip(*per_channel, strict=True)):
        norm = scale if index == 0 else 2 * scale
        factors.append((r * norm, g * norm, b * norm))
    return factors


def _quantise_ac(factor: tuple[float, float, float], maximum: float) -> int:
    r, g, b = (
        max(0, min(18, math.floor(math.copysign(math.sqrt(abs(v / maximum)), v) * 9 + 9.5)))
        for v in factor
    )
    return r * 19 * 19 + g * 19 + b


def _check_range(name: str, value: int, low: int, high: int | None) -> None:
    if value < low or (high is not None and value > high):
        expected = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"Expected integer {expected} for {name} but received {value}")
