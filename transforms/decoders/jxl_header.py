"""The JPEG XL size header, read from the codestream's first bytes (ISO/IEC 18181-1, SizeHeader
and the start of ImageMetadata) without a decoder, so a source the pixel limits refuse is never
handed to one. Bare codestreams and the ISO-BMFF container (`jxlc`, or `jxlp` parts) both."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from transforms.decoders import DecodeError

CODESTREAM_SIGNATURE = b"\xff\x0a"
CONTAINER_SIGNATURE = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"
HEADER_BYTES = 64
"""More than SizeHeader, orientation, an intrinsic size, a preview and the animation flag take."""
ASPECT_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}
"""SizeHeader's `ratio`: xsize = floor(ysize * numerator / denominator)."""
TRANSPOSING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class JxlHeader:
    width: int  # as displayed: the orientation applied
    height: int
    orientation: int
    animated: bool
    has_alpha: bool


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


def _skip_bit_depth(bits: _Bits) -> None:
    if bits.flag():  # float samples
        bits.u32((32, 0), (16, 0), (24, 0), (1, 6))
        bits.read(4)
    else:
        bits.u32((8, 0), (10, 0), (12, 0), (1, 6))


def _first_extra_channel_is_alpha(bits: _Bits) -> bool:
    if not bits.u32((0, 0), (1, 0), (2, 4), (1, 12)):  # num_extra_channels
        return False
    if bits.flag():  # ExtraChannelInfo.all_default: an alpha channel
        return True
    return bits.u32((0, 0), (1, 0), (2, 4), (18, 6)) == 0  # type 0: alpha


def _read(codestream: bytes) -> JxlHeader:
    bits = _Bits(codestream[2:HEADER_BYTES])
    width, height = _size(bits)
    orientation, animated, has_alpha = 1, False, False
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
        _skip_bit_depth(bits)
        bits.flag()  # modular_16_bit_buffer_sufficient
        has_alpha = _first_extra_channel_is_alpha(bits)
    if orientation in TRANSPOSING_ORIENTATIONS:
        width, height = height, width
    return JxlHeader(width, height, orientation, animated, has_alpha)


def _codestream_start(data: bytes) -> bytes:
    """The codestream's first bytes: the data itself, or gathered from the container's boxes."""
    if data.startswith(CODESTREAM_SIGNATURE):
        return data[:HEADER_BYTES]
    gathered = b""
    position = len(CONTAINER_SIGNATURE)
    while position + 8 <= len(data) and len(gathered) < HEADER_BYTES:
        size, kind = struct.unpack_from(">I4s", data, position)
        payload = position + 8
        if size == 1:
            size = int.from_bytes(data[payload : payload + 8], "big")
            payload += 8
        end = len(data) if size == 0 else position + size
        if end < payload:
            raise DecodeError("JPEG XL container is corrupt")
        if kind == b"jxlc":
            gathered += data[payload:end]
        elif kind == b"jxlp":
            gathered += data[payload + 4 : end]  # after the part's sequence number
        position = end
    if not gathered.startswith(CODESTREAM_SIGNATURE):
        raise DecodeError("JPEG XL container holds no codestream")
    return gathered[:HEADER_BYTES]


def read_header(data: bytes) -> JxlHeader:
    """Displayed size, orientation, animation and alpha, from the header bits only."""
    if not is_jxl(data):
        raise DecodeError("Expected JPEG XL data but received another format")
    return _read(_codestream_start(data))
