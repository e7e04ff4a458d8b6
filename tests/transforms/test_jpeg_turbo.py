"""JPEG pixels from Pillow's libjpeg-turbo: the same pixels and metadata libvips gives, or none."""

from __future__ import annotations

import functools
import gc
import struct
import warnings

import pytest
import pyvips
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transforms.images import CORPUS
from transforms import decoders
from transforms.decoders import jpeg_turbo
from transforms.probe import open_encoded
from transforms.sources import VipsSource, open_source

DECODED_BY_TURBO = [
    "jpeg-baseline-icc.jpg",
    "jpeg-progressive-icc.jpg",
    "jpeg-icc-nonsrgb.jpg",
    "jpeg-exif-orientation-1.jpg",
    "jpeg-exif-orientation-6.jpg",
    "jpeg-grayscale-icc.jpg",
    "jpeg-extraneous-bytes-warning.jpg",
    "jpeg-face-portrait.jpg",
    "jpeg-faces-two-people.jpg",
    "jpeg-no-face.jpg",
]
SHRINKS = [4, 8]
decoded = functools.partial(jpeg_turbo.decoded, min_source_pixels=0)
"""The corpus' JPEGs are small: below the server's smallest source for libjpeg-turbo."""


def header(data: bytes, shrink: int) -> pyvips.Image:
    options: dict[str, object] = {"shrink": shrink} if shrink > 1 else {}
    return open_encoded(data, fail_on="error", access="sequential", **options)


def largest_difference(first: pyvips.Image, second: pyvips.Image) -> float:
    return float((first.cast("int") - second.cast("int")).abs().max())


@pytest.mark.parametrize("shrink", SHRINKS)
@pytest.mark.parametrize("name", DECODED_BY_TURBO)
def test_the_pixels_are_libvips_own(name: str, shrink: int) -> None:
    data = (CORPUS / name).read_bytes()
    turbo = decoded(data, header(data, shrink), shrink)
    assert turbo is not None
    libvips = header(data, shrink).copy_memory()
    assert (turbo.width, turbo.height, turbo.bands) == (
        libvips.width,
        libvips.height,
        libvips.bands,
    )
    assert largest_difference(turbo, libvips) == 0


@pytest.mark.parametrize("name", ["jpeg-exif-orientation-6.jpg", "jpeg-icc-nonsrgb.jpg"])
def test_the_metadata_is_libvips_own(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    opened = header(data, 4)
    turbo = decoded(data, header(data, 4), 4)
    assert turbo is not None
    fields = set(opened.get_fields())
    assert fields <= set(turbo.get_fields())
    for field in ("orientation", "icc-profile-data", "exif-data", "xres", "interpretation"):
        if field in fields:
            assert turbo.get(field) == opened.get(field)


@pytest.mark.parametrize(
    ("name", "shrink"),
    [
        ("jpeg-cmyk-icc.jpg", 4),  # four bands: libvips inverts Adobe CMYK itself
        ("jpeg-cmyk-noicc-orientation6.jpg", 8),
        ("jpeg-truncated.jpg", 4),  # libvips decides what a short file gives
        ("jpeg-huge-20000x14000.jpg", 4),  # a whole 17.5 MP frame would be held in memory
    ],
)
def test_libvips_decodes_what_turbo_should_not(name: str, shrink: int) -> None:
    data = (CORPUS / name).read_bytes()
    assert decoded(data, header(data, shrink), shrink) is None


@pytest.mark.parametrize("shrink", SHRINKS)
def test_a_source_of_a_few_megapixels_is_left_to_libvips(shrink: int) -> None:
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    opened = header(data, shrink)
    assert opened.width * opened.height * shrink**2 < jpeg_turbo.MIN_SOURCE_PIXELS
    assert jpeg_turbo.decoded(data, opened, shrink) is None
    assert decoded(data, header(data, shrink), shrink) is not None


@pytest.mark.parametrize("shrink", [1, 2])
def test_a_frame_shrunk_by_less_than_four_is_left_to_libvips(shrink: int) -> None:
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    assert decoded(data, header(data, shrink), shrink) is None


def test_a_shrink_libjpeg_cannot_match_is_left_to_libvips() -> None:
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    assert decoded(data, header(data, 1), 4) is None


def test_a_frame_narrower_than_its_shrink_is_left_to_libvips() -> None:
    narrow = pyvips.Image.black(3, 64, bands=3).jpegsave_buffer()
    assert decoded(narrow, header(narrow, 1), 4) is None


def test_the_lent_pixels_outlive_pillows_image() -> None:
    data = (CORPUS / "jpeg-face-portrait.jpg").read_bytes()
    turbo = decoded(data, header(data, 4), 4)
    assert turbo is not None
    gc.collect()
    other = (CORPUS / "jpeg-no-face.jpg").read_bytes()
    others = [decoded(other, header(other, 4), 4) for _ in range(8)]
    assert all(image is not None for image in others)
    assert largest_difference(turbo, header(data, 4).copy_memory()) == 0


def test_bytes_that_are_no_jpeg_are_left_to_libvips() -> None:
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    assert decoded(data[:2] + b"\x00" * 64, header(data, 2), 2) is None


@pytest.mark.parametrize(
    ("shrink", "by_turbo"), [(1.0, False), (2.5, False), (5.0, True), (9.0, True)]
)
def test_a_jpeg_source_loads_the_pixels_libvips_would(
    shrink: float, by_turbo: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[pyvips.Image | None] = []
    decode = jpeg_turbo.decoded

    def recorded(data: bytes, header: pyvips.Image, shrink: int) -> pyvips.Image | None:
        decoded.append(decode(data, header, shrink))
        return decoded[-1]

    monkeypatch.setattr(jpeg_turbo, "decoded", recorded)
    data = (CORPUS / "jpeg-photo-12mp-iphone.jpg").read_bytes()
    source = open_source(data, max_pixels=0)
    assert isinstance(source, VipsSource)
    loaded = source.load(shrink)
    assert [image is not None for image in decoded] == [by_turbo]
    factor = max((value for value in (8, 4, 2) if shrink >= value), default=1)
    expected = header(data, factor)
    assert (loaded.width, loaded.height) == (expected.width, expected.height)
    assert largest_difference(loaded, expected.copy_memory()) == 0


def with_resolution_past_the_end(data: bytes) -> bytes:
    """`data` with its EXIF resolution tags pointing past the end of the file."""
    changed = bytearray(data)
    tiff = changed.index(b"Exif\x00\x00") + 6
    order = ">" if changed[tiff : tiff + 2] == b"MM" else "<"
    ifd = tiff + struct.unpack_from(order + "I", changed, tiff + 4)[0]
    for index in range(struct.unpack_from(order + "H", changed, ifd)[0]):
        entry = ifd + 2 + 12 * index
        if struct.unpack_from(order + "H", changed, entry)[0] in (282, 283):
            struct.pack_into(order + "I", changed, entry + 8, 0x7FFFFFF0)
    return bytes(changed)


@pytest.mark.parametrize("quiet", [True, False])
def test_a_broken_exif_tag_writes_no_warning(quiet: bool) -> None:
    data = with_resolution_past_the_end((CORPUS / "jpeg-progressive-icc.jpg").read_bytes())
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()  # Python's default actions, as in the server, not pytest's
        if quiet:
            decoders.quiet_exif_warnings()
        turbo = decoded(data, header(data, 4), 4)
    assert turbo is not None
    messages = [str(warning.message) for warning in caught]
    if quiet:
        assert messages == []
    else:  # what the module's import keeps out of the log
        assert messages


MUTATED = (CORPUS / "jpeg-progressive-icc.jpg").read_bytes()


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")  # as in the server
@settings(max_examples=200, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(min_value=2, max_value=3000), st.integers(0, 255)),
        min_size=1,
        max_size=6,
    ),
    cut=st.integers(min_value=200, max_value=len(MUTATED)),
    shrink=st.sampled_from([4, 8]),
)
def test_damaged_jpegs_give_the_headers_pixels_or_none(
    changes: list[tuple[int, int]], cut: int, shrink: int
) -> None:
    damaged = bytearray(MUTATED)
    for at, value in changes:
        damaged[at] = value
    data = bytes(damaged[:cut])
    try:
        opened = header(data, shrink)
        size = (opened.width, opened.height, opened.bands)
    except pyvips.Error:
        return  # libvips refuses the header before any decoder runs
    turbo = decoded(data, opened, shrink)
    if turbo is not None:
        assert (turbo.width, turbo.height, turbo.bands) == size
