"""The JPEG XL header, read from the codestream's first bytes (ISO/IEC 18181-1, SizeHeader and
ImageMetadata up to its colour space) without a decoder: a source the pixel limits refuse is
never handed to one, and `/info` learns what a decode would give (bands, depth) without one.
Bare codestreams and the ISO-BMFF container (`jxlc`, or `jxlp` parts) both."""

from __future__ import annotations

from dataclasses import dataclass

from transforms.decoders import DecodeError, Layout
from transforms.decoders.jxl_boxes import CONTAINER_SIGNATURE, boxes

CODESTREAM_SIGNATURE = b"\xff\x0a"
HEADER_BYTES = 4096
"""More than SizeHeader and ImageMetadata up to its colour space take, unless extra channels
carry long names (up to 1,071 bytes each): then the samples are left unknown."""
ASPECT_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}
"""SizeHeader's `ratio`: xsize = floor(ysize * numerator / denominator)."""
TRANSPOSING_ORIENTATIONS = frozenset({5, 6, 7, 8})


ALPHA, SPOT_COLOUR, CFA = 0, 2, 5
"""ExtraChannelInfo types with fields of their own (libjxl's `ExtraChannel`)."""
KNOWN_CHANNEL_TYPES = frozenset({0, 1, 2, 3, 4, 5, 6, 16})
"""Alpha, depth, spot colour, selection mask, black, CFA, thermal, optional: libjxl refuses the
reserved types and `kUnknown`."""
INTERPRETATIONS = {
    ("uchar", False): "srgb",
    ("uchar", True): "b-w",
    ("ushort", False): "rgb16",
    ("ushort", True): "grey16",
}
"""What the decode's pixels are tagged, by sample format and greyness."""
GREY, COLOUR_SPACES = 1, 4
"""ColourEncoding's `colour_space`: RGB, grey, XYB, unknown."""


@dataclass(frozen=True)
class Samples:
    """What libjxl's basic info says of the pixels: its colour channels and sample depth."""

    grey: bool
    bits: int
    floating: bool
    extra_channels: int
    alpha: bool
    """Whether any extra channel is alpha (libjxl's `alpha_bits` > 0)."""


SRGB_8_BIT = Samples(grey=False, bits=8, floating=False, extra_channels=0, alpha=False)
"""ImageMetadata's defaults."""


@dataclass(frozen=True)
class JxlHeader:
    width: int  # as displayed: the orientation applied
    height: int
    orientation: int
    animated: bool
    has_alpha: bool
    samples: Samples | None = None
    """None where the header cannot tell: an extra channel or colour encoding libjxl refuses, or
    more header than `HEADER_BYTES` holds."""


def is_jxl(data: bytes) -> bool:
    return data.startswith((CODESTREAM_SIGNATURE, CONTAINER_SIGNATURE))


class _Bits:
    """The codestream's bit order: least significant bit of each byte first."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "little")
        self.available = len(data) * 8
        self.position = 0

    def read(self, count: int) -> int:
        if self.position + count > self.available:
            raise DecodeError("JPEG XL header is truncated")
        bits = (self.value >> self.position) & ((1 << count) - 1)
        self.position += count
        return bits

    def flag(self) -> bool:
        return bool(self.read(1))

    def u32(self, *choices: tuple[int, int]) -> int:
        """U32(): a 2-bit selector picks (offset, bit count) of the value."""
        offset, count = choices[self.read(2)]
        return offset + self.read(count)


_DIMENSION = ((1, 9), (1, 13), (1, 18), (1, 30))


def _size(bits: _Bits) -> tuple[int, int]:
    small = bits.flag()
    height = (bits.read(5) + 1) * 8 if small else bits.u32(*_DIMENSION)
    ratio = bits.read(3)
    if ratio:
        numerator, denominator = ASPECT_RATIOS[ratio]
        return height * numerator // denominator, height
    width = (bits.read(5) + 1) * 8 if small else bits.u32(*_DIMENSION)
    return width, height


def _skip_preview(bits: _Bits) -> None:
    divided = bits.flag()
    dimension = (
        ((16, 0), (32, 0), (1, 5), (33, 9)) if divided else ((1, 6), (65, 8), (321, 10), (1345, 12))
    )
    bits.u32(*dimension)
    if bits.read(3) == 0:
        bits.u32(*dimension)


def _skip_animation(bits: _Bits) -> None:
    bits.u32((100, 0), (1000, 0), (1, 10), (1, 30))  # ticks per second: numerator
    bits.u32((1, 0), (1001, 0), (1, 8), (1, 10))  # and denominator
    bits.u32((0, 0), (0, 3), (0, 16), (0, 32))  # loops
    bits.flag()  # have_timecodes


class _Refused(Exception):
    """A field libjxl would refuse: the header cannot say what a decode gives."""


def _bit_depth(bits: _Bits) -> tuple[bool, int] | None:
    """BitDepth: (floating point samples, bits per sample), or None where libjxl refuses it."""
    if bits.flag():
        depth = bits.u32((32, 0), (16, 0), (24, 0), (1, 6))
        exponent = bits.read(4) + 1
        valid = 2 <= exponent <= 8 and 2 <= depth - exponent - 1 <= 23
        return (True, depth) if valid else None
    depth = bits.u32((8, 0), (10, 0), (12, 0), (1, 6))
    return (False, depth) if depth <= 31 else None


def _enum(bits: _Bits) -> int:
    return bits.u32((0, 0), (1, 0), (2, 4), (18, 6))


def _channel_start(bits: _Bits) -> tuple[int, bool]:
    """The start of an ExtraChannelInfo: its type, and whether more fields follow (all_default
    is an alpha channel with nothing more)."""
    if bits.flag():
        return ALPHA, False
    return _enum(bits), True


def _skip_channel_rest(bits: _Bits, kind: int) -> None:
    """The rest of an ExtraChannelInfo that is not all_default."""
    if kind not in KNOWN_CHANNEL_TYPES or _bit_depth(bits) is None:
        raise _Refused
    if bits.u32((0, 0), (3, 0), (4, 0), (1, 3)) > 3:  # dim_shift: libjxl allows 1 << 3 at most
        raise _Refused
    bits.read(8 * bits.u32((0, 0), (0, 4), (16, 5), (48, 10)))  # the name
    if kind == ALPHA:
        bits.flag()  # alpha_associated
    elif kind == SPOT_COLOUR:
        bits.read(4 * 16)  # red, green, blue and solidity as F16
    elif kind == CFA:
        bits.u32((1, 0), (0, 2), (3, 4), (19, 8))


def _is_grey(bits: _Bits) -> bool:
    """ColourEncoding, up to its colour space (all_default: sRGB)."""
    if bits.flag():
        return False
    bits.flag()  # want_icc: the colour space is sent all the same
    space = _enum(bits)
    if space >= COLOUR_SPACES:
        raise _Refused
    return space == GREY


def _read(codestream: bytes) -> JxlHeader:
    bits = _Bits(codestream[2:HEADER_BYTES])
    width, height = _size(bits)
    orientation, animated, has_alpha = 1, False, False
    samples: Samples | None = SRGB_8_BIT
    if not bits.flag():  # ImageMetadata.all_default
        if bits.flag():  # extra_fields
            orientation = bits.read(3) + 1
            if bits.flag():  # have_intrinsic_size
                _size(bits)
            if bits.flag():  # have_preview
                _skip_preview(bits)
            animated = bits.flag()
            if animated:
                _skip_animation(bits)
        depth = _bit_depth(bits)
        bits.flag()  # modular_16_bit_buffer_sufficient
        channels = bits.u32((0, 0), (1, 0), (2, 4), (1, 12))  # num_extra_channels
        first = _channel_start(bits) if channels else None
        samples = _samples(bits, depth, channels, first)
        has_alpha = samples.alpha if samples else first is not None and first[0] == ALPHA
    if orientation in TRANSPOSING_ORIENTATIONS:
        width, height = height, width
    return JxlHeader(width, height, orientation, animated, has_alpha, samples)


def _samples(
    bits: _Bits, depth: tuple[bool, int] | None, channels: int, first: tuple[int, bool] | None
) -> Samples | None:
    """The extra channels from the first one's type on, xyb_encoded and the colour space; None
    where libjxl would refuse them or the bytes read end first."""
    try:
        types: list[int] = []
        start = first
        for _ in range(channels):
            kind, more = start if start is not None else _channel_start(bits)
            if more:
                _skip_channel_rest(bits, kind)
            types.append(kind)
            start = None
        bits.flag()  # xyb_encoded
        grey = _is_grey(bits)
    except (_Refused, DecodeError):
        return None
    if depth is None:
        return None
    floating, bits_per_sample = depth
    return Samples(grey, bits_per_sample, floating, channels, ALPHA in types)


def _codestream_start(data: bytes) -> bytes:
    """The codestream's first bytes: the data itself, or gathered from the container's boxes."""
    if data.startswith(CODESTREAM_SIGNATURE):
        return data[:HEADER_BYTES]
    gathered = b""
    for kind, payload, end in boxes(data):
        if kind == b"jxlc":
            gathered += data[payload:end]
        elif kind == b"jxlp":
            gathered += data[payload + 4 : end]  # after the part's sequence number
        if len(gathered) >= HEADER_BYTES:
            break
    if not gathered.startswith(CODESTREAM_SIGNATURE):
        raise DecodeError("JPEG XL container holds no codestream")
    return gathered[:HEADER_BYTES]


def read_header(data: bytes) -> JxlHeader:
    """Displayed size, orientation, animation, alpha and the samples' layout, from the header
    bits only."""
    if not is_jxl(data):
        raise DecodeError("Expected JPEG XL data but received another format")
    return _read(_codestream_start(data))


def layout(header: JxlHeader) -> Layout | None:
    """What `jxl.decode` gives (imagecodecs' arrays, floats made 16-bit integers), from the
    header alone; None where only a decode can tell, or where it fails."""
    samples = header.samples
    if samples is None:
        return None
    if samples.floating and samples.bits not in (16, 32):
        return None  # imagecodecs has no such float type
    if samples.grey and samples.extra_channels and not samples.alpha:
        return None  # imagecodecs returns grey with extra channels as planes, which are refused
    bands = (1 if samples.grey else 3) + (1 if samples.alpha else 0)
    sample_format = "uchar" if samples.bits <= 8 and not samples.floating else "ushort"
    return Layout(bands, sample_format, INTERPRETATIONS[sample_format, bands < 3])
