"""The BlurHash encoder against Wolt's reference encoder and against its own inverse.

REFERENCE hashes were produced by Wolt's C encoder (github.com/woltapp/blurhash, C/encode.c
with stb_image, commit 0a1f978) from PNGs of exactly the images built below. The same encoder
run over that repository's sample images reproduces the example string of its Algorithm.md.
"""

from __future__ import annotations

import math

import pytest

from transforms.blurhash import BASE83, base83, encode


def pattern(width: int, height: int) -> bytes:
    return bytes(
        value
        for y in range(height)
        for x in range(width)
        for value in ((x * 7 + y * 3) % 256, (x * y * 5) % 256, (255 - x * 6 - y * 4) % 256)
    )


def gradient(width: int, height: int) -> bytes:
    return bytes(
        value
        for y in range(height)
        for x in range(width)
        for value in (x * 255 // (width - 1), y * 255 // (height - 1), 128)
    )


def solid(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    return bytes(colour) * (width * height)


IMAGES = {
    "pattern37x23": (pattern(37, 23), 37, 23),
    "gradient32x32": (gradient(32, 32), 32, 32),
    "solid5x4": (solid(5, 4, (12, 200, 99)), 5, 4),
    "pixel1x1": (solid(1, 1, (200, 50, 25)), 1, 1),
}

REFERENCE = [
    ("pattern37x23", 4, 3, "LYHU,^1mA5;4ryEq+[Ngi+WCsCNx"),
    ("pattern37x23", 1, 1, "00HU,^"),
    ("pattern37x23", 5, 2, "DYHU,^1mA5;4EnryEq+[Ngay"),
    (
        "pattern37x23",
        8,
        8,
        ":YHU,^1mA5;4Enw5V|akryEq+[NgaywKN{w]i+WCsCNxwuOYs*bcsFR-jdfgkDW,ofSeijWYoIX8ocbakCbX"
        "s;WrflbHj@a~j=a$i%W=ocX7k9j@a#e:r_WYbbj?j[a#jGah",
    ),
    ("gradient32x32", 4, 3, "L$Het82swxX8l}WDjte;gJfjfQfj"),
    ("gradient32x32", 1, 1, "00Het8"),
    ("gradient32x32", 5, 2, "D$Het82swxX8a|l}WDjte;fQ"),
    ("solid5x4", 4, 3, "Ll1coCljfQljl%gLfQgLfQfQfQfQ"),
    ("solid5x4", 1, 1, "001coC"),
    ("solid5x4", 5, 2, "Dl1coCljfQljfQl%gLfQgLfQ"),
    ("pixel1x1", 4, 3, "L~M_en}E}E}E}E}E}E}E}E}E}E}E"),
    ("pixel1x1", 1, 1, "00M_en"),
    ("pixel1x1", 5, 2, "D~M_en}E}E}E}E}E}E}E}E}E"),
]


def decode83(text: str) -> int:
    value = 0
    for character in text:
        value = value * 83 + BASE83.index(character)
    return value


def to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def to_srgb(value: float) -> int:
    v = min(max(value, 0.0), 1.0)
    encoded = v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055
    return round(encoded * 255)


def decode(blurhash: str, width: int, height: int) -> bytes:
    """The inverse transform, written from Algorithm.md: packed 8-bit RGB rows."""
    size_flag = decode83(blurhash[0])
    nx, ny = size_flag % 9 + 1, size_flag // 9 + 1
    assert len(blurhash) == 4 + 2 * nx * ny
    maximum = (decode83(blurhash[1]) + 1) / 166
    dc = decode83(blurhash[2:6])
    components = [tuple(to_linear(dc >> shift & 255) for shift in (16, 8, 0))]
    for index in range(1, nx * ny):
        value = decode83(blurhash[4 + 2 * index : 6 + 2 * index])
        quantised = (value // (19 * 19), value // 19 % 19, value % 19)
        components.append(
            tuple(math.copysign(((q - 9) / 9) ** 2, q - 9) * maximum for q in quantised)
        )
    out = bytearray()
    for y in range(height):
        for x in range(width):
            pixel = [0.0, 0.0, 0.0]
            for j in range(ny):
                for i in range(nx):
                    basis = math.cos(math.pi * x * i / width) * math.cos(math.pi * y * j / height)
                    for channel in range(3):
                        pixel[channel] += components[j * nx + i][channel] * basis
            out.extend(to_srgb(value) for value in pixel)
    return bytes(out)


def mean_abs_diff(a: bytes, b: bytes) -> float:
    assert len(a) == len(b)
    return sum(abs(p - q) for p, q in zip(a, b, strict=True)) / len(a)


@pytest.mark.parametrize(("image", "x", "y", "expected"), REFERENCE)
def test_matches_reference_encoder(image: str, x: int, y: int, expected: str) -> None:
    pixels, width, height = IMAGES[image]
    assert encode(pixels, width, height, x_components=x, y_components=y) == expected


@pytest.mark.parametrize(
    ("value", "length", "expected"),
    [
        (0, 1, "0"),
        (82, 1, "~"),
        (83, 2, "10"),
        (3429, 2, "fQ"),
        (6858, 2, "~q"),
        (83**4 - 1, 4, "~~~~"),
    ],
)
def test_base83_known_values(value: int, length: int, expected: str) -> None:
    assert base83(value, length) == expected
    assert decode83(expected) == value


def test_base83_round_trips() -> None:
    for value in (*range(0, 83**2, 7), 0xFFFFFF, 0x123456):
        assert decode83(base83(value, 4)) == value


@pytest.mark.parametrize("x", range(1, 10))
@pytest.mark.parametrize("y", range(1, 10))
def test_length_and_size_flag(x: int, y: int) -> None:
    pixels, width, height = IMAGES["pattern37x23"]
    blurhash = encode(pixels, width, height, x_components=x, y_components=y)
    assert len(blurhash) == 4 + 2 * x * y
    assert blurhash[0] == BASE83[(x - 1) + (y - 1) * 9]
    assert set(blurhash) <= set(BASE83)


def test_decoded_hash_approximates_a_smooth_image() -> None:
    pixels, width, height = IMAGES["gradient32x32"]
    decoded = decode(encode(pixels, width, height), width, height)
    flat = solid(width, height, (127, 127, 128))
    assert mean_abs_diff(decoded, pixels) < 10
    assert mean_abs_diff(flat, pixels) > 40


def test_solid_colour_keeps_its_exact_average_and_decodes_to_it() -> None:
    pixels = solid(32, 32, (12, 200, 99))
    blurhash = encode(pixels, 32, 32)
    assert decode83(blurhash[2:6]) == 0x0CC863
    assert mean_abs_diff(decode(blurhash, 32, 32), pixels) < 6


def test_solid_colour_ac_is_zero_wherever_the_sampled_cosines_cancel() -> None:
    # The reference samples cos(pi*i*x/w) at x = 0..w-1: the samples sum to 0 for even i > 0 but
    # to 1 for odd i, so a flat image keeps small components where i and j are both 0 or odd.
    blurhash = encode(solid(32, 32, (12, 200, 99)), 32, 32)
    ac = {(k % 4, k // 4): blurhash[4 + 2 * k : 6 + 2 * k] for k in range(1, 12)}
    cancelled = [(i, j) for (i, j) in ac if (i and i % 2 == 0) or (j and j % 2 == 0)]
    assert cancelled == [(2, 0), (2, 1), (0, 2), (1, 2), (2, 2), (3, 2)]
    assert {ac[key] for key in cancelled} == {"fQ"}
    assert ac[(1, 0)] == ac[(3, 0)] == ac[(0, 1)] != "fQ"


def test_black_image_is_all_zero() -> None:
    assert encode(solid(8, 8, (0, 0, 0)), 8, 8) == "L00000" + "fQ" * 11


def test_one_pixel_image_keeps_its_colour_as_average() -> None:
    blurhash = encode(bytes((200, 50, 25)), 1, 1)
    assert len(blurhash) == 28
    assert decode83(blurhash[2:6]) == (200 << 16) | (50 << 8) | 25


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x_components": 0}, "Expected integer 1..9 for x_components but received 0"),
        ({"y_components": 10}, "Expected integer 1..9 for y_components but received 10"),
        ({"width": 0, "height": 1}, "Expected integer >= 1 for width but received 0"),
        ({"pixels": b"\x00" * 5}, "Expected 3 bytes of RGB pixels for 1x1 but received 5"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"pixels": b"\x00\x00\x00", "width": 1, "height": 1}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=f"^{message}$"):
        encode(**arguments)  # type: ignore[arg-type]
