"""Single-frame sRGB WebPs are written by Pillow (`transforms.pillow_savers.webp_bytes`) with
the very bytes libvips' `webpsave_buffer` writes; every other WebP still by libvips."""

from __future__ import annotations

import pytest
import pyvips

from tests.transforms import images as im
from transforms import encode
from transforms.pillow_savers import webp_bytes

PHOTO = "jpeg-baseline-icc.jpg"


@pytest.fixture(scope="module")
def photo() -> pyvips.Image:
    return pyvips.Image.new_from_buffer(im.corpus(PHOTO), "").resize(0.4).copy_memory()


@pytest.fixture
def pillow_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The qualities `webp_bytes` was called with, through the encoder."""
    calls: list[int] = []

    def counted(image: pyvips.Image, quality: int, effort: int, keep: str) -> bytes:
        calls.append(quality)
        return webp_bytes(image, quality, effort, keep)

    monkeypatch.setattr(encode, "webp_bytes", counted)
    return calls


@pytest.mark.parametrize("quality", [10, 80, 100])
@pytest.mark.parametrize("effort", [0, 4, 6])
@pytest.mark.parametrize("keep", ["none", "icc"])
@pytest.mark.parametrize("alpha", [False, True])
def test_pillow_writes_the_bytes_libvips_writes(
    photo: pyvips.Image, quality: int, effort: int, keep: str, alpha: bool
) -> None:
    image = (photo.bandjoin(photo.extract_band(1)) if alpha else photo).copy()
    image.remove("icc-profile-data")
    if keep == "icc":
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", photo.get("icc-profile-data"))

    ours = webp_bytes(image, quality, effort, keep)
    libvips = image.webpsave_buffer(Q=quality, effort=effort, keep=keep)

    assert ours == bytes(libvips)
    assert (b"ICCP" in ours) == (keep == "icc")
    assert (b"ALPH" in ours) == alpha


def test_a_plain_webp_is_written_by_pillow(pillow_calls: list[int]) -> None:
    rendered = im.run(im.corpus(PHOTO), "w:200/q:70", extension="webp")

    assert pillow_calls == [70]
    assert rendered.data[8:12] == b"WEBP"
    assert im.decode(rendered).width == 200


@pytest.mark.parametrize(
    "path",
    [
        "webpo:lossless",
        "webpo:near_lossless",
        "webpo::1",  # smart subsampling
        "webpo:::photo",  # another preset
        "sm:0",  # metadata kept
    ],
)
def test_what_pillow_does_not_write_is_written_by_libvips(
    pillow_calls: list[int], path: str
) -> None:
    rendered = im.run(im.corpus(PHOTO), f"w:200/{path}", extension="webp")

    assert pillow_calls == []
    assert im.decode(rendered).width == 200


def test_animations_and_large_webps_are_written_by_libvips(pillow_calls: list[int]) -> None:
    frames = [im.solid(40, 30, (200, 0, 0)), im.solid(40, 30, (0, 0, 200))]
    animated = im.encode(im.animation(frames, [100, 100], 0), "gif")
    side = 1500
    large = im.png(im.solid(side, side, (10, 20, 30)))
    assert side * side > encode.PILLOW_MAX_PIXELS

    frames_kept = im.defaults(max_animation_frames=2)
    animated_out = im.decode(im.run(animated, "", frames_kept, extension="webp"), all_pages=True)
    large_out = im.decode(im.run(large, "", extension="webp"))

    assert pillow_calls == []
    assert (animated_out.height, large_out.width) == (60, side)
