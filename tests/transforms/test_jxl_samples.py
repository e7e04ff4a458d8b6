"""What a JPEG XL's header says of its samples (colour channels, depth, extra channels) against
what libjxl decodes (`/info` answers from it: `test_whole_sources`)."""

from __future__ import annotations

from collections.abc import Callable

import imagecodecs
import numpy as np
import pytest
import pyvips
from hypothesis import given, settings
from hypothesis import strategies as st

from imgproxy.errors import UndecodableSource
from tests.support import CORPUS
from tests.transforms.test_jxl import JXL_ROWS, BitWriter, large_size
from transforms.decoders import DecodeError
from transforms.decoders.jxl_header import (
    CODESTREAM_SIGNATURE,
    HEADER_BYTES,
    Samples,
    layout,
    read_header,
)
from transforms.sources import WholeSource, open_source


def facts(image: pyvips.Image) -> tuple[object, ...]:
    return image.width, image.height, image.bands, image.format, image.interpretation


def encoded(dtype: type[np.generic], channels: int, bits: int | None = None) -> bytes:
    """Noise of `channels` samples a pixel, lossless; `bits` of each integer sample used."""
    shape = (24, 32) if channels == 1 else (24, 32, channels)
    unit = np.random.default_rng(7).random(shape)
    if not np.issubdtype(dtype, np.integer):
        return bytes(imagecodecs.jpegxl_encode(unit.astype(dtype), lossless=True))
    top = (1 << (bits or 8 * np.dtype(dtype).itemsize)) - 1
    pixels = (unit * top).astype(dtype)
    return bytes(imagecodecs.jpegxl_encode(pixels, lossless=True, bitspersample=bits))


def jxl_source(data: bytes) -> WholeSource:
    source = open_source(data, max_pixels=0)
    assert isinstance(source, WholeSource)
    return source


ENCODED = {
    f"{np.dtype(dtype).name}-{channels}": encoded(dtype, channels)
    for dtype in (np.uint8, np.uint16, np.float16, np.float32)
    for channels in (1, 2, 3, 4)
} | {
    "uint16-3-10-bit": encoded(np.uint16, 3, bits=10),
    "uint16-4-12-bit": encoded(np.uint16, 4, bits=12),
}
REAL = {row["file"]: (CORPUS / row["file"]).read_bytes() for row in JXL_ROWS}


@pytest.mark.parametrize("data", [*ENCODED.values(), *REAL.values()], ids=[*ENCODED, *REAL])
def test_the_header_image_is_what_the_decode_gives_without_decoding(data: bytes) -> None:
    source = jxl_source(data)
    header = source.header_image()
    assert source.decoded is None
    assert (facts(header), header.hasalpha()) == (facts(source.load()), source.load().hasalpha())


@pytest.mark.parametrize(
    ("name", "samples"),
    [
        ("uint8-1", Samples(grey=True, bits=8, floating=False, extra_channels=0, alpha=False)),
        ("uint8-2", Samples(grey=True, bits=8, floating=False, extra_channels=1, alpha=True)),
        ("uint16-3", Samples(grey=False, bits=16, floating=False, extra_channels=0, alpha=False)),
        ("float16-4", Samples(grey=False, bits=16, floating=True, extra_channels=1, alpha=True)),
        ("float32-1", Samples(grey=True, bits=32, floating=True, extra_channels=0, alpha=False)),
        ("uint16-3-10-bit", Samples(False, 10, False, 0, False)),
        ("uint16-4-12-bit", Samples(False, 12, False, 1, True)),
    ],
)
def test_the_samples_are_read_as_they_were_written(name: str, samples: Samples) -> None:
    assert read_header(ENCODED[name]).samples == samples


def test_grey_with_other_extra_channels_is_left_to_the_decode_which_refuses_it() -> None:
    planes = (np.random.default_rng(7).random((3, 24, 32)) * 255).astype(np.uint8)
    data = bytes(imagecodecs.jpegxl_encode(planes, planar=True, photometric="gray", lossless=True))
    assert read_header(data).samples == Samples(True, 8, False, 2, False)
    with pytest.raises(UndecodableSource, match="differs from its header"):
        jxl_source(data).header_image()


def test_a_half_float_source_keeps_its_values() -> None:
    ramp = np.linspace(0.0, 1.0, 24 * 32, dtype=np.float32).reshape(24, 32)
    half = jxl_source(bytes(imagecodecs.jpegxl_encode(ramp.astype(np.float16), lossless=True)))
    full = jxl_source(bytes(imagecodecs.jpegxl_encode(ramp, lossless=True)))
    difference = half.load().numpy().astype(int) - full.load().numpy().astype(int)
    assert full.load().numpy().max() == 65535
    assert np.abs(difference).max() <= 32  # float16 keeps 11 significant bits


# Headers spelt out bit by bit: every kind of extra channel, and what libjxl would refuse


def metadata(bits: BitWriter, depth: tuple[int, int] = (0, 0)) -> BitWriter:
    """ImageMetadata, not all_default, without extra_fields; `depth` is the U32 of an integer
    BitDepth (selector, then its bits)."""
    bits.put(1, 0).put(1, 0).put(1, 0)  # not all_default; no extra_fields; integer samples
    selector, value = depth
    bits.put(2, selector)
    if selector == 3:
        bits.put(6, value)
    return bits.put(1, 1)  # modular_16_bit_buffer_sufficient


def channels(bits: BitWriter, count: int) -> BitWriter:
    return bits.put(2, count) if count < 2 else bits.put(2, 2).put(4, count - 2)


def channel(bits: BitWriter, kind: int, name: bytes = b"", tail: tuple[int, int] = (0, 0)) -> None:
    """An ExtraChannelInfo, not all_default: `kind` (< 18), 8-bit, no shift, `name`, then
    `tail` as (bit count, value) for the type's own fields."""
    bits.put(1, 0)
    if kind < 2:
        bits.put(2, kind)
    else:
        bits.put(2, 2).put(4, kind - 2)
    bits.put(1, 0).put(2, 0).put(2, 0)  # integer, 8 bits; dim_shift 0
    if not name:
        bits.put(2, 0)
    else:
        assert 16 <= len(name) < 48
        bits.put(2, 2).put(5, len(name) - 16)
        for byte in name:
            bits.put(8, byte)
    count, value = tail
    if count:
        bits.put(count, value)


def colour(bits: BitWriter, space: int | None, *, want_icc: bool = False) -> BitWriter:
    """xyb_encoded, then a ColourEncoding: all_default for `space` None."""
    bits.put(1, 1)
    if space is None:
        return bits.put(1, 1)
    bits.put(1, 0).put(1, int(want_icc))
    return bits.put(2, space) if space < 2 else bits.put(2, 2).put(4, space - 2)


def test_every_kind_of_extra_channel_is_stepped_over() -> None:
    bits = channels(metadata(large_size(64, 48), depth=(2, 0)), 4)  # 12-bit samples
    channel(bits, 1, name=b"a depth map here")  # depth, named
    channel(bits, 2, tail=(64, 0x3C00_3C00_3C00_3C00))  # spot colour: four F16
    channel(bits, 5, tail=(2, 0))  # CFA: cfa_channel 1
    channel(bits, 0, tail=(1, 1))  # alpha, associated
    header = read_header(colour(bits, 1, want_icc=True).codestream(bytes(64)))
    assert header.samples == Samples(
        grey=True, bits=12, floating=False, extra_channels=4, alpha=True
    )
    assert header.has_alpha  # the alpha channel is the fourth: libjxl finds it all the same


@pytest.mark.parametrize(
    "spoil",
    [
        lambda bits: channel(channels(bits, 1), 7),  # a reserved channel type
        lambda bits: channel(channels(bits, 1), 15),  # kUnknown
        lambda bits: colour(channels(bits, 0), 4),  # no such colour space
    ],
    ids=["reserved channel", "unknown channel", "unknown colour space"],
)
def test_what_libjxl_refuses_leaves_the_samples_unknown_but_the_size_read(
    spoil: Callable[[BitWriter], object],
) -> None:
    bits = metadata(large_size(64, 48))
    spoil(bits)
    header = read_header(colour(bits, None).codestream(bytes(64)))
    assert (header.width, header.height, header.samples) == (64, 48, None)


def test_integer_samples_past_31_bits_are_refused() -> None:
    bits = colour(channels(metadata(large_size(64, 48), depth=(3, 40)), 0), None)
    assert read_header(bits.codestream(bytes(64))).samples is None


def test_a_header_longer_than_the_bytes_read_leaves_the_samples_unknown() -> None:
    bits = channels(metadata(large_size(64, 48)), 5)
    for _ in range(5):  # depth channels named with 1,071 bytes each
        bits.put(1, 0).put(2, 1).put(1, 0).put(2, 0).put(2, 0).put(2, 3).put(10, 1023)
        bits.put(8 * 1071, 0)
    assert bits.length > 8 * HEADER_BYTES
    header = read_header(bits.codestream())
    assert (header.width, header.height, header.samples) == (64, 48, None)


@settings(max_examples=500, deadline=None)
@given(tail=st.binary(max_size=600))
def test_any_bytes_after_the_signature_give_a_header_or_a_clear_error(tail: bytes) -> None:
    try:
        header = read_header(CODESTREAM_SIGNATURE + tail)
    except DecodeError:
        return
    assert header.width > 0 and header.height > 0
    found = layout(header)
    assert found is None or (found.bands in (1, 2, 3, 4) and found.format in ("uchar", "ushort"))
