"""Which embedded profiles describe sRGB itself (`transforms.icc.is_srgb`), from real files and
from profiles built here tag by tag."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
import pyvips
from PIL import ImageCms

from tests.transforms import images as im
from transforms.icc import SRGB_COLORANTS, is_srgb
from transforms.steps import colorspace

BENCH_PHOTOS = Path(__file__).resolve().parents[2] / "bench" / "photos"


def profile_of(data: bytes) -> bytes:
    return bytes(pyvips.Image.new_from_buffer(data, "").get("icc-profile-data"))


@pytest.mark.parametrize(
    ("source", "srgb"),
    [
        ("bench:jpeg-kde-path-1920x1080.jpg", True),  # sRGB IEC61966-2.1
        ("bench:jpeg-kde-colorful-cups-1920x1080.jpg", True),  # lcms "sRGB"
        ("bench:jpeg-large-24mp-6000x4000.jpg", True),  # the 524-byte "c2"
        ("bench:jpeg-canon-adobergb-2000x1072.jpg", False),  # Adobe RGB (1998)
        ("jpeg-baseline-icc.jpg", False),  # Artifex A98
        ("jpeg-photo-12mp-iphone.jpg", False),  # Display P3
        ("jpeg-icc-nonsrgb.jpg", False),  # ColorSpin: sRGB's primaries swapped around
        ("jpeg-cmyk-icc.jpg", False),
        ("jpeg-grayscale-icc.jpg", False),
    ],
)
def test_real_profiles(source: str, srgb: bool) -> None:
    kind, _, name = source.rpartition(":")
    data = (BENCH_PHOTOS / name).read_bytes() if kind == "bench" else im.corpus(name)
    assert is_srgb(profile_of(data)) is srgb


def test_lcms_builtin_srgb_is_srgb() -> None:
    assert is_srgb(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def xyz(values: tuple[float, float, float]) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def parametric(g: float, a: float, b: float, c: float, d: float) -> bytes:
    fixed = b"".join(struct.pack(">i", round(v * 65536)) for v in (g, a, b, c, d))
    return b"para" + bytes(4) + struct.pack(">H", 3) + bytes(2) + fixed


def gamma(value: float) -> bytes:
    return b"curv" + bytes(4) + struct.pack(">IH", 1, round(value * 256)) + bytes(2)


def table(curve: list[float]) -> bytes:
    body = struct.pack(f">I{len(curve)}H", len(curve), *(round(v * 65535) for v in curve))
    return b"curv" + bytes(4) + body


SRGB_PARAMETRIC = parametric(2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)


def profile(
    *,
    colorants: dict[bytes, tuple[float, float, float]] = SRGB_COLORANTS,
    curve: bytes = SRGB_PARAMETRIC,
    header: bytes = b"mntrRGB XYZ ",
) -> bytes:
    tags = [*((name, xyz(value)) for name, value in colorants.items())]
    tags += [(name, curve) for name in (b"rTRC", b"gTRC", b"bTRC")]
    offset = 132 + 12 * len(tags)
    table_bytes, bodies = b"", b""
    for name, body in tags:
        table_bytes += struct.pack(">4sII", name, offset + len(bodies), len(body))
        bodies += body + bytes(-len(body) % 4)
    head = bytearray(128)
    head[12:24] = header
    return bytes(head) + struct.pack(">I", len(tags)) + table_bytes + bodies


def srgb_levels(count: int) -> list[float]:
    def srgb(x: float) -> float:
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    return [srgb(index / (count - 1)) for index in range(count)]


def test_built_profiles() -> None:
    assert is_srgb(profile())
    assert is_srgb(profile(curve=table(srgb_levels(1024))))
    assert is_srgb(profile(curve=table(srgb_levels(26))))  # a coarse table, interpolated
    assert not is_srgb(profile(curve=gamma(2.2)))  # sRGB primaries, another tone curve
    assert not is_srgb(profile(curve=gamma(1.0)))
    assert not is_srgb(profile(curve=parametric(2.2, 1, 0, 1, 0)))
    wider = {**SRGB_COLORANTS, b"rXYZ": (0.4400, 0.2225, 0.0139)}
    assert not is_srgb(profile(colorants=wider))
    assert not is_srgb(profile(header=b"scnrRGB XYZ "))
    assert not is_srgb(profile(header=b"mntrGRAYXYZ "))


@pytest.mark.parametrize(
    "broken",
    [
        b"",
        bytes(200),
        profile()[:140],  # the tag table cut short
        profile()[:-20],  # the last curve cut short
        profile(colorants={b"rXYZ": SRGB_COLORANTS[b"rXYZ"]}),  # green and blue missing
        profile(curve=b"desc" + bytes(12)),  # not a curve
    ],
)
def test_anything_unreadable_is_not_srgb(broken: bytes) -> None:
    assert is_srgb(broken) is False


def test_the_skipped_conversion_keeps_the_pixels_of_a_non_reference_srgb_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = (BENCH_PHOTOS / "jpeg-kde-colorful-cups-1920x1080.jpg").read_bytes()
    embedded = ImageCms.ImageCmsProfile(io.BytesIO(profile_of(data)))
    assert ImageCms.getProfileDescription(embedded).strip() == "sRGB"
    skipped = im.decode(im.run(data, "w:300/q:100", extension="png"))
    monkeypatch.setattr(colorspace, "is_standard_srgb", lambda _image: False)
    converted = im.decode(im.run(data, "w:300/q:100", extension="png"))
    difference = (skipped - converted).abs()
    assert difference.avg() < 0.5
    assert difference.max() <= 3
