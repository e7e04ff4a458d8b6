"""HEIC/HEIF (pillow-heif), BMP and ICO (Pillow) decoded outside libvips, then handed to it.

`read_header` reads container and directory bytes only; `decode` checks the pixel limit against
that header before a single pixel is decoded. Pillow's plugin classes are used directly instead
of `Image.open`, so Pillow's process-wide `MAX_IMAGE_PIXELS` (which worker threads cannot set per
call) plays no part: the limit is the caller's `max_pixels`.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import pillow_heif
import pyvips
from PIL import BmpImagePlugin, IcoImagePlugin, Image

from transforms.decoders import DecodeError, Layout
from transforms.decoders.metadata import Blocks, blocks
from transforms.decoders.pillow_failures import PILLOW_FAILURES


class FallbackFormat(StrEnum):
    HEIC = "heic"
    BMP = "bmp"
    ICO = "ico"


@dataclass(frozen=True)
class FallbackHeader:
    format: FallbackFormat
    width: int  # as displayed: HEIF irot/imir applied
    height: int
    pages: int  # 1 for BMP; images in an ICO; top-level images in a HEIF
    has_alpha: bool
    deep: bool = False
    """More than 8 bits a sample (a HEIF's): decoded to 16."""
    metadata: Blocks = ()
    """A HEIF's EXIF and XMP blocks, as `transforms.decoders.metadata.blocks` gives them."""


class _IcoEntry(NamedTuple):
    offset: int
    width: int
    height: int
    bits: int
    has_alpha: bool


_HEVC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
_GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})
_AV1_BRANDS = frozenset({b"avif", b"avis", b"avio"})
_DIB_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_FAILURES = (*PILLOW_FAILURES, pyvips.Error)


def sniff(data: bytes) -> FallbackFormat | None:
    """The format from the leading bytes alone; AVIF is left to libvips, which decodes it."""
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in _DIB_HEADER_SIZES:
        return FallbackFormat.BMP
    if data[:4] == b"\x00\x00\x01\x00" and int.from_bytes(data[4:6], "little") > 0:
        return FallbackFormat.ICO
    if data[4:8] == b"ftyp":
        end = min(int.from_bytes(data[:4], "big"), len(data))
        compatible = {data[i : i + 4] for i in range(16, end - 3, 4)}
        major = data[8:12]
        if major in _HEVC_BRANDS or (major in _GENERIC_BRANDS and not compatible & _AV1_BRANDS):
            return FallbackFormat.HEIC
    return None


def read_header(data: bytes) -> FallbackHeader:
    """Displayed size, page count and alpha, without decoding pixels."""
    kind = sniff(data)
    if kind is None:
        found = "an empty file" if not data else "another format"
        raise DecodeError(f"Expected HEIC, BMP or ICO data but received {found}")
    try:
        if kind is FallbackFormat.HEIC:
            return _heif_header(data)
        if kind is FallbackFormat.BMP:
            return _bmp_header(data)
        return _ico_header(data)
    except _FAILURES as error:
        raise DecodeError(f"Cannot read {kind.upper()} header: {error}") from error


def layout(header: FallbackHeader) -> Layout:
    """What `decode` gives: always sRGB (grey made colour), 16-bit from a deep HEIF."""
    bands = 4 if header.has_alpha else 3
    return Layout(bands, "ushort", "rgb16") if header.deep else Layout(bands, "uchar", "srgb")


def decode(data: bytes, header: FallbackHeader, *, max_pixels: int) -> pyvips.Image:
    """Upright pixels tagged sRGB (8-bit, or 16-bit from a deeper HEIF), with their embedded
    profile if any (`_to_srgb`); max_pixels 0 means no limit."""
    if max_pixels and header.width * header.height > max_pixels:
        raise DecodeError("Source image resolution is too big")
    if read_header(data) != header:
        raise DecodeError("Expected the header read from this data but received another")
    try:
        if header.format is FallbackFormat.HEIC:
            image = _decode_heif(data)
        else:
            picture = _open_bmp(data) if header.format is FallbackFormat.BMP else _open_ico(data)
            image = _from_pillow(picture, header.has_alpha)
    except _FAILURES as error:
        raise DecodeError(f"Cannot decode {header.format.upper()}: {error}") from error
    if (image.width, image.height) != (header.width, header.height):
        raise DecodeError(f"Decoded {header.format.upper()} size differs from its header")
    return image


def _heif_header(data: bytes) -> FallbackHeader:
    _check_heif_extents(data)
    heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=False)
    primary = heif[heif.primary_index]
    width, height = primary.size
    deep = ";" in primary.mode  # "RGB;16", "I;16", ... against "RGB", "L"
    metadata = blocks(primary.info.get("exif"), primary.info.get("xmp"))
    return FallbackHeader(
        FallbackFormat.HEIC, width, height, len(heif), primary.has_alpha, deep, metadata
    )


def _decode_heif(data: bytes) -> pyvips.Image:
    # libheif applies irot/imir while decoding; per HEIF, EXIF orientation is then not applied.
    heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=False)
    primary = heif[heif.primary_index]
    channels, _, depth = primary.mode.partition(";")  # "RGBA", "RGB;16", "L", "I;16", ...
    deep = bool(depth)
    pixels = primary.data
    width, height = primary.size
    image = pyvips.Image.new_from_memory(
        pixels, width, height, len(channels), "ushort" if deep else "uchar"
    )
    if primary.premultiplied_alpha:
        image = image.unpremultiply(max_alpha=65535 if deep else 255).cast(image.format)
    icc = primary.info.get("icc_profile")
    return _to_srgb(image, icc if isinstance(icc, bytes) else None, 16 if deep else 8)


def _bmp_header(data: bytes) -> FallbackHeader:
    picture = BmpImagePlugin.BmpImageFile(io.BytesIO(data))
    tile = picture.tile[0]
    stride = tile.args[1] if tile.codec_name == "raw" and isinstance(tile.args, tuple) else 0
    if tile.offset + stride * picture.height > len(data):
        raise DecodeError("BMP pixel data lies beyond the end of the file")
    alpha = picture.mode.endswith(("A", "a"))
    return FallbackHeader(FallbackFormat.BMP, picture.width, picture.height, 1, alpha)


def _open_bmp(data: bytes) -> Image.Image:
    picture = BmpImagePlugin.BmpImageFile(io.BytesIO(data))
    picture.load()
    return picture


def _ico_entries(data: bytes) -> list[_IcoEntry]:
    """Each image's real size: read from its own PNG or DIB header, not the 8-bit directory."""
    entries = []
    for index in range(int.from_bytes(data[4:6], "little")):
        *_, bits, size, offset = struct.unpack_from("<4B2H2I", data, 6 + 16 * index)
        if offset + size > len(data):
            raise DecodeError("ICO image data lies beyond the end of the file")
        if data[offset : offset + 8] == _PNG_MAGIC:
            width, height, _, colour = struct.unpack_from(">2I2B", data, offset + 16)
            alpha = colour in (4, 6) or b"tRNS" in data[offset : offset + size]
        else:
            # The DIB height covers the colour image and the AND mask (always an alpha).
            _, width, double_height, _, bits = struct.unpack_from("<I2i2H", data, offset)
            width, height, alpha = abs(width), abs(double_height) // 2, True
        entries.append(_IcoEntry(offset, width, height, bits, alpha))
    return entries


def _largest(entries: list[_IcoEntry]) -> _IcoEntry:
    return max(entries, key=lambda entry: (entry.width * entry.height, entry.bits))


def _ico_header(data: bytes) -> FallbackHeader:
    entries = _ico_entries(data)
    best = _largest(entries)
    return FallbackHeader(FallbackFormat.ICO, best.width, best.height, len(entries), best.has_alpha)


def _open_ico(data: bytes) -> Image.Image:
    best = _largest(_ico_entries(data))
    icon = IcoImagePlugin.IcoFile(io.BytesIO(data))
    index = next(i for i, entry in enumerate(icon.entry) if entry.offset == best.offset)
    picture = icon.frame(index)
    picture.load()
    return picture


def _from_pillow(picture: Image.Image, has_alpha: bool) -> pyvips.Image:
    icc: bytes | None = picture.info.get("icc_profile")
    mode = "RGBA" if has_alpha else "RGB"
    pixels = picture.convert(mode).tobytes()
    image = pyvips.Image.new_from_memory(pixels, picture.width, picture.height, len(mode), "uchar")
    return _to_srgb(image, icc, 8)


def _to_srgb(image: pyvips.Image, icc: bytes | None, depth: int) -> pyvips.Image:
    """Tag the pixels as sRGB. A colour image keeps its embedded profile, which the render
    converts through as it does a JPEG's (after the resize where the plan shrinks: on fewer
    pixels); a grey one is made colour here, through its profile if it has one."""
    grey = image.bands < 3
    names = {(8, False): "srgb", (8, True): "b-w", (16, False): "rgb16", (16, True): "grey16"}
    image = image.copy(interpretation=names[depth, grey])
    if icc:
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", icc)
        if not grey:
            return image
        try:
            return image.icc_transform("srgb", embedded=True, depth=depth)
        except pyvips.Error:
            image.remove("icc-profile-data")  # unusable profile: take the pixels as sRGB
    return image.colourspace("rgb16" if depth == 16 else "srgb") if grey else image


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each ISO-BMFF box from start to end."""
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        payload = start + 8
        if size == 1:
            size = int.from_bytes(data[payload : payload + 8], "big")
            payload += 8
        elif size == 0:
            size = end - start
        if size < payload - start:
            raise DecodeError("HEIF container is corrupt")
        yield kind, payload, start + size
        start += size


def _check_heif_extents(data: bytes) -> None:
    # libheif fills missing grid tiles with grey, so a cut-off photo would otherwise "decode".
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"meta":
            continue
        for inner, payload, _ in _boxes(data, start + 4, end):
            if inner == b"iloc" and _iloc_end(data, payload) > len(data):
                raise DecodeError("HEIF item data lies beyond the end of the file")
        return


def _iloc_end(data: bytes, position: int) -> int:
    """The furthest file offset that item data stored in the file reaches (ISO 14496-12 8.11.3)."""

    def read(size: int) -> int:
        nonlocal position
        if position + size > len(data):
            raise DecodeError("HEIF container is truncated")
        position += size
        return int.from_bytes(data[position - size : position], "big")

    version = read(4) >> 24
    sizes = read(2)
    offset_size, length_size, base_size = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    index_size = sizes & 15 if version else 0
    id_size = 4 if version == 2 else 2
    furthest = 0
    for _ in range(read(id_size)):
        read(id_size)
        in_file = not (read(2) & 15 if version else 0)  # construction method 0: file offsets
        read(2)  # data reference index
        base = read(base_size)
        extents = read(2)
        for _ in range(extents if offset_size + length_size + index_size else min(extents, 1)):
            read(index_size)
            offset, length = read(offset_size), read(length_size)
            if in_file:
                furthest = max(furthest, base + offset + length)
    return furthest
