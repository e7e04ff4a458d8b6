"""JPEG pixels from libjpeg-turbo (simplejpeg): the pixels and metadata libvips gives, or none."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial

import pytest
import pyvips
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.transforms.images import CORPUS
from transforms import sources
from transforms.decoders import jpeg_turbo
from transforms.probe import open_encoded
from transforms.short_data import FILLER, guard_short_data
from transforms.sources import VipsSource, open_source
from transforms.steps.metadata import stripped

DECODED_BY_TURBO = [
    "jpeg-baseline-icc.jpg",
    "jpeg-progressive-icc.jpg",
    "jpeg-icc-nonsrgb.jpg",
    "jpeg-exif-orientation-1.jpg",
    "jpeg-exif-orientation-6.jpg",
    "jpeg-grayscale-icc.jpg",
    "jpeg-face-portrait.jpg",
    "jpeg-faces-two-people.jpg",
    "jpeg-no-face.jpg",
]
SHRINKS = [1, 2, 4, 8]


def header(data: bytes, shrink: int = 1) -> pyvips.Image:
    options: dict[str, object] = {"shrink": shrink} if shrink > 1 else {}
    return open_encoded(data, fail_on="error", access="sequential", **options)


def decoded(data: bytes, shrink: int) -> pyvips.Image | None:
    return jpeg_turbo.decoded(data, header(data), shrink)


def largest_difference(first: pyvips.Image, second: pyvips.Image) -> float:
    return float((first.cast("int") - second.cast("int")).abs().max())


def assert_libvips_own(turbo: pyvips.Image, data: bytes, shrink: int) -> None:
    libvips = header(data, shrink).copy_memory()
    assert (turbo.width, turbo.height, turbo.bands, turbo.format) == (
        libvips.width,
        libvips.height,
        libvips.bands,
        libvips.format,
    )
    assert largest_difference(turbo, libvips) == 0


@pytest.mark.parametrize("shrink", SHRINKS)
@pytest.mark.parametrize("name", DECODED_BY_TURBO)
def test_the_pixels_are_libvips_own(name: str, shrink: int) -> None:
    data = (CORPUS / name).read_bytes()
    turbo = decoded(data, shrink)
    assert turbo is not None
    assert_libvips_own(turbo, data, shrink)


@pytest.mark.parametrize("shrink", [1, 4])
@pytest.mark.parametrize(
    "name", ["jpeg-exif-orientation-6.jpg", "jpeg-icc-nonsrgb.jpg", "jpeg-grayscale-icc.jpg"]
)
def test_the_metadata_is_libvips_own(name: str, shrink: int) -> None:
    data = (CORPUS / name).read_bytes()
    shrunk = header(data, shrink)
    turbo = decoded(data, shrink)
    assert turbo is not None
    assert turbo.get_fields() == shrunk.get_fields()
    for field in shrunk.get_fields():
        if field != "filename":
            assert turbo.get(field) == shrunk.get(field), field


@pytest.mark.parametrize(
    ("name", "shrink"),
    [
        ("jpeg-cmyk-icc.jpg", 4),  # four bands: libvips inverts Adobe CMYK itself
        ("jpeg-cmyk-noicc-orientation6.jpg", 8),
        ("jpeg-truncated.jpg", 4),  # libvips decides what a short file gives
        ("jpeg-extraneous-bytes-warning.jpg", 2),  # libjpeg's warning: libvips decides
        ("jpeg-huge-20000x14000.jpg", 4),  # a whole 17.5 MP frame would be held in memory
    ],
)
def test_libvips_decodes_what_turbo_should_not(name: str, shrink: int) -> None:
    data = (CORPUS / name).read_bytes()
    assert decoded(data, shrink) is None


def test_a_frame_narrower_than_its_shrink_is_left_to_libvips() -> None:
    narrow = pyvips.Image.black(3, 64, bands=3).jpegsave_buffer()
    assert decoded(narrow, 4) is None


def noise(width: int, height: int, bands: int, seed: int) -> bytes:
    image = pyvips.Image.gaussnoise(width, height, mean=128, sigma=60, seed=seed)
    if bands == 3:
        image = image.bandjoin([image.rot180(), image.flip("horizontal")])
    return bytes(image.cast("uchar").jpegsave_buffer(Q=90))


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 48),
    height=st.integers(1, 48),
    bands=st.sampled_from([1, 3]),
    shrink=st.sampled_from(SHRINKS),
    seed=st.integers(0, 1000),
)
@example(width=2, height=9, bands=1, shrink=2, seed=0)  # 3/8 also gives 4 rows of 9
def test_any_size_gives_libvips_pixels_or_none(
    width: int, height: int, bands: int, shrink: int, seed: int
) -> None:
    """libjpeg picks its scale from the size asked for: on a small frame another scale could
    give the same size, so such a frame is left to libvips."""
    data = noise(width, height, bands, seed)
    turbo = decoded(data, shrink)
    if width // shrink and height // shrink and max(width, height) >= jpeg_turbo.MIN_SIDE:
        assert turbo is not None
    if turbo is not None:
        assert_libvips_own(turbo, data, shrink)


def test_the_pixels_outlive_the_decoded_frame() -> None:
    data = (CORPUS / "jpeg-face-portrait.jpg").read_bytes()
    turbo = decoded(data, 4)
    assert turbo is not None
    cropped = turbo.crop(1, 1, turbo.width - 2, turbo.height - 2)
    del turbo
    gc.collect()
    other = (CORPUS / "jpeg-no-face.jpg").read_bytes()
    others = [decoded(other, 4) for _ in range(8)]
    assert all(image is not None for image in others)
    expected = header(data, 4).copy_memory().crop(1, 1, cropped.width, cropped.height)
    assert largest_difference(cropped, expected) == 0


def test_threads_decoding_at_once_each_get_their_own_pixels() -> None:
    """simplejpeg decodes with the GIL let go, as the processing threads run it."""
    names = ["jpeg-face-portrait.jpg", "jpeg-no-face.jpg", "jpeg-grayscale-icc.jpg"]
    datas = [(CORPUS / name).read_bytes() for name in names] * 8
    shrinks = [1, 2, 4, 8] * 6
    with ThreadPoolExecutor(max_workers=6) as pool:
        frames = list(pool.map(decoded, datas, shrinks))
    for data, shrink, frame in zip(datas, shrinks, frames, strict=True):
        assert frame is not None
        assert_libvips_own(frame, data, shrink)


def test_bytes_that_are_no_jpeg_are_left_to_libvips() -> None:
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    assert jpeg_turbo.decoded(data[:2] + b"\x00" * 64, header(data), 2) is None


@pytest.mark.parametrize(
    ("shrink", "by_turbo"), [(1.0, False), (2.5, True), (5.0, True), (9.0, True)]
)
def test_a_jpeg_source_loads_the_pixels_libvips_would(
    shrink: float, by_turbo: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[pyvips.Image | None] = []
    decode = jpeg_turbo.decoded

    def recorded(
        data: bytes, header: pyvips.Image, shrink: int, skipped: object = None
    ) -> pyvips.Image | None:
        decoded.append(decode(data, header, shrink))
        return decoded[-1]

    monkeypatch.setattr(jpeg_turbo, "decoded", recorded)
    data = (CORPUS / "jpeg-photo-12mp-iphone.jpg").read_bytes()
    source = open_source(data, max_pixels=0)
    assert isinstance(source, VipsSource)
    loaded = source.load(shrink)
    # 12 MP whole is past the frame libjpeg-turbo may hold: libvips streams it, unasked
    assert [image is not None for image in decoded] == ([True] if by_turbo else [])
    factor = max((value for value in (8, 4, 2) if shrink >= value), default=1)
    expected = header(data, factor)
    assert (loaded.width, loaded.height) == (expected.width, expected.height)
    assert largest_difference(loaded, expected.copy_memory()) == 0


def test_a_source_opened_once_reads_its_header_once(monkeypatch: pytest.MonkeyPatch) -> None:
    opens: list[dict[str, object]] = []
    real_open = sources.open_encoded

    def counted(data: bytes, **options: object) -> pyvips.Image:
        opens.append(options)
        return real_open(data, **options)

    data = (CORPUS / "jpeg-exif-orientation-6.jpg").read_bytes()
    source = open_source(data, max_pixels=0)
    monkeypatch.setattr(sources, "open_encoded", counted)
    assert isinstance(source, VipsSource)
    loaded = source.load(2.0)
    assert opens == []
    assert loaded.get("orientation") == 6


def counted_guard(source: sources.Source) -> tuple[VipsSource, list[bytes]]:
    """`source` guarded, with a record of the bytes the guard is given."""
    guarded = guard_short_data(source)
    assert isinstance(guarded, VipsSource) and guarded.guard is not None
    scanned: list[bytes] = []
    guard = guarded.guard

    def counted(data: bytes) -> bytes:
        scanned.append(data)
        return guard(data)

    return replace(guarded, guard=counted), scanned


def test_a_jpeg_libjpeg_turbo_decodes_is_never_scanned_by_the_guard() -> None:
    """libjpeg-turbo refuses data that ends early by itself, so the guard waits for libvips."""
    data = (CORPUS / "jpeg-baseline-icc.jpg").read_bytes()
    source, scanned = counted_guard(open_source(data, max_pixels=0))
    assert_libvips_own(source.load(2.0), data, 2)
    assert source.data is data and scanned == []


@pytest.mark.parametrize("name", ["jpeg-cmyk-icc.jpg", "jpeg-extraneous-bytes-warning.jpg"])
def test_a_jpeg_left_to_libvips_is_guarded_first(name: str) -> None:
    """CMYK, which libjpeg-turbo is not asked for, and a warning, which it refuses: libvips
    decodes the guard's bytes (the scan and filler), libjpeg-turbo was given them as they came."""
    data = (CORPUS / name).read_bytes()
    source, scanned = counted_guard(open_source(data, max_pixels=0))
    loaded = source.load(2.0)
    assert scanned == [data] and source.data is data
    assert source.for_libvips.endswith(FILLER)
    assert loaded.write_to_memory() == header(data, shrink=2).write_to_memory()


def test_the_frame_is_not_given_the_fields_it_is_told_to_skip() -> None:
    data = (CORPUS / "jpeg-face-portrait.jpg").read_bytes()
    full = header(data)
    assert full.get_typeof("exif-ifd0-Artist") and full.get_typeof("xmp-data")
    frame = jpeg_turbo.decoded(data, full, 2, partial(stripped, keep_copyright=True))
    assert frame is not None
    fields = set(frame.get_fields())
    assert {"exif-ifd0-Artist", "exif-ifd0-Copyright", "icc-profile-data"} <= fields
    assert not {"exif-data", "xmp-data", "exif-ifd0-Make"} & fields
    assert_libvips_own(frame, data, 2)


MUTATED = (CORPUS / "jpeg-progressive-icc.jpg").read_bytes()


@settings(max_examples=200, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(min_value=2, max_value=3000), st.integers(0, 255)),
        min_size=1,
        max_size=6,
    ),
    cut=st.integers(min_value=200, max_value=len(MUTATED)),
    shrink=st.sampled_from(SHRINKS),
)
def test_damaged_jpegs_give_the_headers_pixels_or_none(
    changes: list[tuple[int, int]], cut: int, shrink: int
) -> None:
    damaged = bytearray(MUTATED)
    for at, value in changes:
        damaged[at] = value
    data = bytes(damaged[:cut])
    try:
        opened = header(data)
        shrunk = header(data, shrink)
    except pyvips.Error:
        return  # libvips refuses the header before any decoder runs
    turbo = jpeg_turbo.decoded(data, opened, shrink)
    if turbo is not None:
        assert (turbo.width, turbo.height, turbo.bands) == (
            shrunk.width,
            shrunk.height,
            shrunk.bands,
        )
        assert largest_difference(turbo, shrunk.copy_memory()) == 0
