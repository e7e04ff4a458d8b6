"""Sources whose data ends before the image their header declares are refused, never rendered
with a grey (or transparent) remainder; whole sources, warnings and all, render as before."""

from __future__ import annotations

import struct
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import pyvips
from hypothesis import given, settings
from hypothesis import strategies as st

from imgproxy.errors import UndecodableSource
from imgproxy.url.options import ImageFormat
from tests.transforms import images as im
from transforms.probe import SourceInfo
from transforms.short_data import (
    FILLER,
    MAX_TURNS,
    _most_pixels,
    guard_short_data,
    jpeg_for_libvips,
)
from transforms.sources import VipsSource, open_source

SHORT = "Source image cannot be decoded"
HARMLESS = "jpeg-extraneous-bytes-warning.jpg"
MID_GREY = 128


def gradient(width: int = 64, height: int = 48) -> pyvips.Image:
    """A picture with no flat grey in it anywhere."""
    ramp = pyvips.Image.xyz(width, height).extract_band(0).cast("uchar") * 3 + 20
    return ramp.bandjoin([ramp.rot180(), ramp.flip("horizontal")]).copy(interpretation="srgb")


def gradient_jpeg(*, progressive: bool = False) -> bytes:
    return bytes(gradient().jpegsave_buffer(Q=90, interlace=progressive))


def declared_jpeg(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG with another size written in its frame header."""
    patched, at = bytearray(data), 2
    while patched[at + 1] not in (0xC0, 0xC1, 0xC2):
        at += 2 + struct.unpack_from(">H", patched, at + 2)[0]
    struct.pack_into(">HH", patched, at + 5, height, width)
    return bytes(patched)


def declared_png(data: bytes, width: int, height: int) -> bytes:
    patched = bytearray(data)
    struct.pack_into(">II", patched, 16, width, height)
    struct.pack_into(">I", patched, 29, zlib.crc32(bytes(patched[12:29])))
    return bytes(patched)


def declared_gif(data: bytes, width: int, height: int, frame: int = 0) -> bytes:
    """One frame (and the screen) declared at this size, its LZW data left as it was."""
    patched = bytearray(data)
    struct.pack_into("<HH", patched, 6, width, height)
    at = 13 + (3 << ((patched[10] & 7) + 1) if patched[10] & 0x80 else 0)
    while True:
        introducer = patched[at]
        if introducer == 0x2C and frame == 0:
            struct.pack_into("<HH", patched, at + 5, width, height)
            return bytes(patched)
        if introducer == 0x2C:
            frame -= 1
            flags = patched[at + 9]
            at += 11 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
        else:
            at += 2
        while patched[at]:
            at += patched[at] + 1
        at += 1


def declared_webp(data: bytes, width: int, height: int) -> bytes:
    patched = bytearray(data)
    frame = patched.index(b"\x9d\x01\x2a")
    struct.pack_into("<HH", patched, frame + 3, width, height)
    return bytes(patched)


def declared_tiff(data: bytes, width: int, height: int) -> bytes:
    patched = bytearray(data)
    directory = struct.unpack_from("<I", patched, 4)[0]
    for index in range(struct.unpack_from("<H", patched, directory)[0]):
        entry = directory + 2 + 12 * index
        tag, kind = struct.unpack_from("<HH", patched, entry)
        if tag in (256, 257):
            struct.pack_into(
                "<H" if kind == 3 else "<I", patched, entry + 8, {256: width, 257: height}[tag]
            )
    return bytes(patched)


def refusal(data: bytes, path: str = "") -> UndecodableSource:
    with pytest.raises(UndecodableSource) as raised:
        im.run(data, path, extension="png")
    assert raised.value.message == SHORT
    return raised.value


def decoded_by_libvips_alone(data: bytes, **options: object) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "", fail_on="error", **options).copy_memory()


SIZES = ["", "rs:fit:64:64", "w:8"]
"""Full size, a thumbnail, and one small enough to decode a JPEG at 1/8 (DC only)."""


@pytest.mark.parametrize("path", SIZES)
def test_a_jpeg_declaring_7000x7000_over_64x48_of_data_is_refused(path: str) -> None:
    lying = declared_jpeg(gradient_jpeg(), 7000, 7000)
    grey = decoded_by_libvips_alone(lying, shrink=8).crop(0, 750, 875, 125)
    assert grey.min() == grey.max() == MID_GREY

    refused = refusal(lying, path)
    assert "frame needs" in refused.detail


@pytest.mark.parametrize("path", SIZES)
def test_a_single_scan_jpeg_one_row_of_blocks_short_is_refused(path: str) -> None:
    lying = declared_jpeg(gradient_jpeg(), 64, 64)
    bottom = decoded_by_libvips_alone(lying).crop(0, 56, 64, 8)
    assert bottom.min() == bottom.max() == MID_GREY
    assert jpeg_for_libvips(lying).endswith(FILLER)

    refused = refusal(lying, path)
    assert "premature end of JPEG" in refused.detail


@pytest.mark.parametrize("path", SIZES)
def test_a_progressive_jpeg_whose_first_scan_cannot_cover_its_frame_is_refused(path: str) -> None:
    lying = declared_jpeg(gradient_jpeg(progressive=True), 2000, 2000)
    grey = decoded_by_libvips_alone(lying, shrink=8).crop(0, 200, 250, 50)
    assert grey.min() == grey.max() == MID_GREY

    refusal(lying, path)


def test_a_gif_frame_declaring_more_pixels_than_its_lzw_data_holds_is_refused() -> None:
    lying = declared_gif(bytes(gradient().gifsave_buffer()), 2000, 2000)
    assert decoded_by_libvips_alone(lying).width == 2000

    refused = refusal(lying, "rs:fit:64:64")
    assert "2000x2000 frame" in refused.detail


def test_a_later_gif_frame_is_checked_when_the_animation_is_decoded() -> None:
    still = [gradient().flip("horizontal"), gradient(), gradient().flip("vertical")]
    animated = bytes(im.animation(still, [100] * 3, 0).gifsave_buffer())
    lying = declared_gif(animated, 2000, 2000, frame=1)

    source = open_source(lying, max_pixels=0)
    assert guard_short_data(source, frames=1) is source
    with pytest.raises(UndecodableSource) as refused:
        guard_short_data(source, frames=3)
    assert refused.value.message == SHORT
    assert "2000x2000 frame" in refused.value.detail


def test_a_file_with_more_marker_segments_than_any_real_one_is_left_to_the_decoder() -> None:
    """The walk is bounded: past `MAX_TURNS` segments a file is decoded as it is."""
    lying = declared_jpeg(gradient_jpeg(), 7000, 7000)
    padded = lying[:2] + b"\xff\xfe\x00\x02" * MAX_TURNS + lying[2:]
    assert jpeg_for_libvips(padded) is padded
    with pytest.raises(UndecodableSource):
        jpeg_for_libvips(padded[: 2 + 4 * (MAX_TURNS - 16)] + lying[2:])


HEADERS = {ImageFormat.JPEG: b"\xff\xd8", ImageFormat.GIF: b"GIF89a"}


@settings(max_examples=300, deadline=None)
@given(
    image_format=st.sampled_from(sorted(HEADERS, key=str)),
    body=st.binary(max_size=600),
    seed=st.sampled_from([b"", gradient_jpeg()[2:400], bytes(gradient().gifsave_buffer())[6:400]]),
    frames=st.integers(min_value=1, max_value=4),
)
def test_any_bytes_are_either_kept_or_refused_as_undecodable(
    image_format: ImageFormat, body: bytes, seed: bytes, frames: int
) -> None:
    data = HEADERS[image_format] + seed + body
    source = VipsSource(data, SourceInfo(image_format, 64, 48, 1, False))
    try:
        guarded = guard_short_data(source, frames)
        assert isinstance(guarded, VipsSource)
        if guarded.guard is not None:
            assert isinstance(guarded.guard(data), bytes)
    except UndecodableSource as refused:
        assert refused.message == SHORT


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(gradient_jpeg()[: len(gradient_jpeg()) // 2], id="jpeg-half"),
        pytest.param(im.corpus("jpeg-truncated.jpg"), id="jpeg-corpus"),
        pytest.param(im.png(gradient())[: len(im.png(gradient())) // 2], id="png-half"),
        pytest.param(im.corpus("png-truncated.png"), id="png-corpus"),
    ],
)
def test_truncated_jpeg_and_png_are_refused(data: bytes) -> None:
    refusal(data, "rs:fit:64:64")


@pytest.mark.parametrize(
    "lying",
    [
        pytest.param(declared_png(im.png(gradient()), 7000, 7000), id="png"),
        pytest.param(
            declared_png(bytes(gradient().pngsave_buffer(interlace=True)), 700, 700),
            id="png-interlaced",
        ),
        pytest.param(declared_webp(bytes(gradient().webpsave_buffer(Q=80)), 7000, 7000), id="webp"),
        pytest.param(declared_tiff(bytes(gradient().tiffsave_buffer()), 7000, 7000), id="tiff"),
    ],
)
def test_other_decoders_refuse_a_header_larger_than_the_data_by_themselves(lying: bytes) -> None:
    refusal(lying, "rs:fit:64:64")


@pytest.mark.parametrize("name", ["png-rgb8-pngsuite.png", "webp-lossy.webp", "tiff-rgb16.tif"])
def test_the_guard_leaves_formats_whose_decoders_refuse_by_themselves_alone(name: str) -> None:
    source = open_source(im.corpus(name), max_pixels=0)
    assert guard_short_data(source) is source


@pytest.mark.parametrize("path", SIZES)
def test_a_jpeg_with_a_harmless_libjpeg_warning_still_renders(path: str) -> None:
    data = im.corpus(HARMLESS)
    with pytest.raises(pyvips.Error, match="extraneous bytes before marker"):
        pyvips.Image.new_from_buffer(data, "", fail_on="warning").copy_memory()

    rendered = im.run(data, path, extension="png")
    expected = {"": (300, 225), "rs:fit:64:64": (64, 48), "w:8": (8, 6)}[path]
    assert (rendered.width, rendered.height) == expected


SINGLE_SCAN = [
    "jpeg-baseline-icc.jpg",
    "jpeg-cmyk-icc.jpg",
    "jpeg-grayscale-icc.jpg",
    "jpeg-exif-orientation-6.jpg",
    "jpeg-photo-12mp-iphone.jpg",
    HARMLESS,
]
"""Decoded from their scan's data and the filler: the rewritten path."""
CHECKED_IN_PLACE = [
    "jpeg-progressive-icc.jpg",
    "gif-animated-loop3.gif",
    "gif-static-interlaced.gif",
    "gif-transparent.gif",
]


@pytest.mark.parametrize("name", SINGLE_SCAN + CHECKED_IN_PLACE)
def test_a_whole_source_decodes_to_the_same_pixels_through_the_guard(name: str) -> None:
    data = im.corpus(name)
    source = open_source(data, max_pixels=0)
    guarded = guard_short_data(source)
    assert isinstance(guarded, VipsSource)
    if name.startswith("jpeg"):
        for_libvips = jpeg_for_libvips(data)
        assert for_libvips.endswith(FILLER) is (name in SINGLE_SCAN)
        for factor in (1, 8):
            assert (
                decoded_by_libvips_alone(for_libvips, shrink=factor).write_to_memory()
                == decoded_by_libvips_alone(data, shrink=factor).write_to_memory()
            )
    for shrink in (1.0, 8.0):
        assert guarded.load(shrink).write_to_memory() == source.load(shrink).write_to_memory()


def test_an_ultrahdr_jpeg_keeps_its_gain_map() -> None:
    data = im.corpus("jpeg-ultrahdr-gainmap.jpg")
    assert jpeg_for_libvips(data) is data
    guarded = guard_short_data(open_source(data, max_pixels=0))
    assert guarded.load(8.0).get_typeof("gainmap-data")


def test_the_most_pixels_lzw_codes_can_name() -> None:
    assert _most_pixels(3, 8) == 1 + 2 + 3
    assert _most_pixels(8192 // 8 * 10, 10) == 4096 * 4097 // 2 + 4096 * 4096


def test_short_and_whole_jobs_running_together_keep_their_own_verdicts() -> None:
    """Nothing is shared between jobs: every short one in a crowd of whole ones is refused,
    and every whole one renders, whichever thread runs which."""
    short = declared_jpeg(gradient_jpeg(), 64, 64)
    whole = gradient_jpeg()
    jobs = [short if index % 2 else whole for index in range(24)]
    all_threads_started = threading.Barrier(4)
    waited = threading.local()

    def verdict(data: bytes) -> str:
        if not getattr(waited, "done", False):
            waited.done = True
            all_threads_started.wait(timeout=30)
        try:
            im.run(data, "rs:fit:32:32", extension="jpg")
        except UndecodableSource:
            return "refused"
        return "rendered"

    with ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(verdict, jobs))
    assert verdicts == ["refused" if data is short else "rendered" for data in jobs]
