"""JPEG XL in and out: our size-header reader against libjxl on real files and on headers built
bit by bit, the pixel limit applied before any decode, one decoder thread, and the encoder."""

from __future__ import annotations

import resource
import subprocess
import sys

import imagecodecs
import numpy as np
import pytest
import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource
from imgproxy.url.options import Autoquality, AutoqualityMethod, ImageFormat
from tests.support import CORPUS, REPO, manifest
from transforms.autoquality import (
    MAX_ENCODES,
    AutoqualityDefaults,
    QualitySearch,
    quality_search,
    searched,
)
from transforms.decoders import DecodeError, jxl
from transforms.decoders.jxl_boxes import CONTAINER_SIGNATURE
from transforms.decoders.jxl_header import (
    CODESTREAM_SIGNATURE,
    SRGB_8_BIT,
    JxlHeader,
    read_header,
)
from transforms.dssim import dssim
from transforms.jxl_saver import jxl_bytes
from transforms.sources import WholeSource, open_source

JXL_ROWS = [row for row in manifest() if row["format"] == "jxl"]
PHOTO = CORPUS / "jpeg-photo-12mp-iphone.jpg"


class BitWriter:
    """The codestream's bit order, for headers the tests spell out field by field."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, count: int, value: int) -> BitWriter:
        assert 0 <= value < 1 << count
        self.value |= value << self.length
        self.length += count
        return self

    def u32_bits(self, selector: int, count: int, value: int) -> BitWriter:
        return self.put(2, selector).put(count, value)

    def codestream(self, tail: bytes = b"") -> bytes:
        return CODESTREAM_SIGNATURE + self.value.to_bytes((self.length + 7) // 8, "little") + tail


def large_size(width: int, height: int) -> BitWriter:
    """SizeHeader, not `small`, both sizes with 30-bit fields."""
    return BitWriter().put(1, 0).u32_bits(3, 30, height - 1).put(3, 0).u32_bits(3, 30, width - 1)


def with_default_metadata(bits: BitWriter) -> BitWriter:
    return bits.put(1, 1)  # ImageMetadata.all_default


def with_orientation(bits: BitWriter, orientation: int) -> BitWriter:
    bits.put(1, 0).put(1, 1).put(3, orientation - 1)  # not all_default; extra_fields; orientation
    bits.put(1, 0).put(1, 0).put(1, 0)  # no intrinsic size, preview or animation
    bits.put(1, 0).put(2, 0)  # integer samples, 8 bits
    return bits.put(1, 1).put(2, 0)  # modular_16_bit_buffer_sufficient; no extra channel


GARBAGE = bytes(range(256)) * 8


@pytest.mark.parametrize("row", JXL_ROWS, ids=lambda row: row["file"])
def test_the_header_says_what_libjxl_decodes(row: dict[str, str]) -> None:
    data = (CORPUS / row["file"]).read_bytes()
    header = read_header(data)
    pixels = imagecodecs.jpegxl_decode(data, index=0)
    assert (header.width, header.height) == (int(row["width"]), int(row["height"]))
    assert pixels.shape[:2] == (header.height, header.width)
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    assert header.has_alpha is (channels in (2, 4))
    assert header.animated is (row["file"] == "jxl-animated.jxl")


def test_orientation_is_read_from_the_real_files() -> None:
    assert read_header((CORPUS / "jxl-orientation-5.jxl").read_bytes()).orientation == 5
    oriented = read_header((CORPUS / "jxl-orientation-7-alpha.jxl").read_bytes())
    assert (oriented.orientation, oriented.has_alpha) == (7, True)
    assert read_header((CORPUS / "jxl-grayscale.jxl").read_bytes()).orientation == 1


@pytest.mark.parametrize(
    ("ratio", "height", "width"),
    [
        (1, 800, 800),
        (2, 800, 960),
        (3, 801, 1068),
        (4, 800, 1200),
        (5, 99, 176),
        (6, 80, 100),
        (7, 1, 2),
    ],
)
def test_every_aspect_ratio_code(ratio: int, height: int, width: int) -> None:
    bits = BitWriter().put(1, 0).u32_bits(1, 13, height - 1).put(3, ratio)
    header = read_header(with_default_metadata(bits).codestream())
    assert (header.width, header.height) == (width, height)


def test_small_sizes_count_in_eighths() -> None:
    bits = BitWriter().put(1, 1).put(5, 3).put(3, 0).put(5, 31)
    assert read_header(with_default_metadata(bits).codestream()) == JxlHeader(
        256, 32, 1, False, False, SRGB_8_BIT
    )


@pytest.mark.parametrize(("orientation", "displayed"), [(1, (300, 200)), (6, (200, 300))])
def test_a_transposing_orientation_swaps_the_displayed_size(
    orientation: int, displayed: tuple[int, int]
) -> None:
    header = read_header(with_orientation(large_size(300, 200), orientation).codestream())
    assert (header.width, header.height, header.orientation) == (*displayed, orientation)


def test_the_container_is_searched_for_the_codestream() -> None:
    codestream = with_default_metadata(large_size(640, 480)).codestream()
    ftyp = (20).to_bytes(4, "big") + b"ftypjxl \x00\x00\x00\x00jxl "
    level = (9).to_bytes(4, "big") + b"jxll\x05"
    part = (8 + 4 + len(codestream)).to_bytes(4, "big") + b"jxlp" + b"\x80\x00\x00\x00"
    header = read_header(CONTAINER_SIGNATURE + ftyp + level + part + codestream)
    assert (header.width, header.height) == (640, 480)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\x0a\x00", "JPEG XL header is truncated"),
        (CONTAINER_SIGNATURE + (16).to_bytes(4, "big") + b"ftyp" + bytes(8), "no codestream"),
        (CONTAINER_SIGNATURE + (4).to_bytes(4, "big") + b"jxlc", "container is corrupt"),
        (b"\x89PNG\r\n\x1a\n", "Expected JPEG XL data"),
    ],
)
def test_a_broken_header_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        read_header(data)


def test_a_declared_bomb_is_refused_before_libjxl_sees_it() -> None:
    # 100,000 x 100,000 declared, then bytes no decoder accepts: refused on the header, so the
    # message is the limit's, not a decode error's.
    bomb = with_default_metadata(large_size(100_000, 100_000)).codestream(GARBAGE)
    with pytest.raises(SourceResolutionTooLarge, match="resolution is too big"):
        open_source(bomb, max_pixels=50_000_000)
    unlimited = open_source(bomb, max_pixels=0)
    assert isinstance(unlimited, WholeSource)
    assert (unlimited.info.width, unlimited.info.height) == (100_000, 100_000)
    with pytest.raises(UndecodableSource, match="Cannot decode JPEG XL"):
        unlimited.load()


def test_the_decoder_applies_the_same_limit() -> None:
    data = (CORPUS / "jxl-photo-container.jxl").read_bytes()
    with pytest.raises(DecodeError, match="resolution is too big"):
        jxl.decode(data, read_header(data), max_pixels=1280 * 1600 - 1)
    assert jxl.decode(data, read_header(data), max_pixels=1280 * 1600).width == 1280


def test_a_header_that_lies_about_the_size_is_refused() -> None:
    data = (CORPUS / "jxl-grayscale.jxl").read_bytes()
    with pytest.raises(DecodeError, match="differs from its header"):
        jxl.decode(data, JxlHeader(100, 200, 1, False, False), max_pixels=0)


def test_a_truncated_file_is_undecodable() -> None:
    data = (CORPUS / "jxl-photo-container.jxl").read_bytes()
    source = open_source(data[: len(data) // 2], max_pixels=50_000_000)
    with pytest.raises(UndecodableSource, match="Cannot decode JPEG XL"):
        source.load()


def test_sources_open_without_decoding_and_decode_upright() -> None:
    source = open_source((CORPUS / "jxl-orientation-7-alpha.jxl").read_bytes(), max_pixels=0)
    assert isinstance(source, WholeSource) and source.decoded is None
    assert (source.info.format, source.info.width, source.info.height) == (
        ImageFormat.JXL,
        924,
        1386,
    )
    assert source.info.has_alpha
    image = source.load()
    assert (image.width, image.height, image.bands, image.format) == (924, 1386, 4, "ushort")
    assert image.interpretation == "rgb16"
    assert source.load(shrink=2).width == 462


def test_grey_decodes_as_grey() -> None:
    image = open_source((CORPUS / "jxl-grayscale.jxl").read_bytes(), max_pixels=0).load()
    assert (image.bands, image.interpretation) == (1, "b-w")


def test_an_animation_is_read_as_its_first_frame() -> None:
    data = (CORPUS / "jxl-animated.jxl").read_bytes()
    image = open_source(data, max_pixels=0).load()
    first = imagecodecs.jpegxl_decode(data, index=0)
    assert (image.width, image.height) == (320, 320)
    assert np.array_equal(image.numpy(), first)


def test_the_decoder_runs_on_one_thread() -> None:
    data = (CORPUS / "jxl-photo-container.jxl").read_bytes()
    header = read_header(data)

    def cpu(who: int) -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    thread_before, process_before = cpu(resource.RUSAGE_THREAD), cpu(resource.RUSAGE_SELF)
    jxl.decode(data, header, max_pixels=0)
    thread_cpu = cpu(resource.RUSAGE_THREAD) - thread_before
    process_cpu = cpu(resource.RUSAGE_SELF) - process_before
    # All the decode's CPU is this thread's: a pool would put most of it on other threads.
    assert process_cpu > 0
    assert thread_cpu >= 0.8 * process_cpu - 0.01, (thread_cpu, process_cpu)


@pytest.fixture(scope="module")
def photo() -> pyvips.Image:
    return pyvips.Image.thumbnail(str(PHOTO), 480).copy_memory()


def jxl_pixels(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_array(imagecodecs.jpegxl_decode(data))


def test_quality_trades_bytes_for_fidelity(photo: pyvips.Image) -> None:
    low, default, high = (jxl_bytes(photo, quality, 4) for quality in (40, 77, 95))
    assert len(low) < len(default) < len(high)
    errors = [dssim(photo, jxl_pixels(data)) for data in (low, default, high)]
    assert errors[0] > errors[1] > errors[2]
    assert all(data[:2] == CODESTREAM_SIGNATURE for data in (low, default, high))


def test_quality_100_is_lossless(photo: pyvips.Image) -> None:
    data = jxl_bytes(photo, 100, 4)
    assert np.array_equal(imagecodecs.jpegxl_decode(data), photo.numpy())


def test_effort_changes_the_encoding(photo: pyvips.Image) -> None:
    assert jxl_bytes(photo, 77, 1) != jxl_bytes(photo, 77, 7)


@pytest.mark.parametrize("bands", [1, 2, 3, 4])
def test_grey_and_alpha_are_kept(photo: pyvips.Image, bands: int) -> None:
    colour = photo.colourspace("b-w") if bands < 3 else photo
    image = colour.bandjoin(128) if bands in (2, 4) else colour
    decoded = imagecodecs.jpegxl_decode(jxl_bytes(image, 77, 4))
    assert (1 if decoded.ndim == 2 else decoded.shape[2]) == bands
    if bands in (2, 4):
        assert abs(int(decoded[..., -1].mean()) - 128) <= 1


def test_autoquality_searches_jpeg_xl_in_at_most_four_encodes(photo: pyvips.Image) -> None:
    tried: list[int] = []

    def encode(quality: int) -> bytes:
        tried.append(quality)
        return jxl_bytes(photo, quality, 4)

    target = 0.02
    search = QualitySearch(AutoqualityMethod.DSSIM, target, 40, 95, 0.001)
    quality, data = searched(photo, search, encode, 77)
    assert 1 <= len(tried) <= MAX_ENCODES
    assert data == jxl_bytes(photo, quality, 4)
    found = dssim(photo, jxl_pixels(data))
    assert quality == search.highest or found <= target + search.allowed_error
    assert (
        quality_search(
            Autoquality(AutoqualityMethod.DSSIM), AutoqualityDefaults(), ImageFormat.JXL, 100, 1
        )
        is not None
    )


def test_a_server_without_jpeg_xl_traffic_never_loads_libjxl() -> None:
    # Memory per process is a cost figure: libjxl is ~15 MB more. numpy (~12 MB, file pages
    # shared between processes) and imagecodecs' libjpeg-turbo come with JPEG decoding and
    # encoding.
    script = (
        "import sys\n"
        "from config.settings import Settings\n"
        "from imgproxy.app import create_app\n"
        "from tests.transforms import images as im\n"
        "create_app(Settings.from_env({}))\n"
        "im.run(im.corpus('jpeg-baseline-icc.jpg'), 'w:50/aq:none', extension='webp')\n"
        "print(sorted(name for name in sys.modules if 'jpegxl' in name))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert loaded.stdout.strip() == "[]", loaded.stderr
