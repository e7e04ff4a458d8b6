"""Which allow-listed video container these bytes are, from their magic bytes alone."""

from __future__ import annotations

from enum import Enum


class Container(Enum):
    """Allow-listed containers; the value is the FFmpeg demuxer named explicitly on open."""

    MP4 = "mp4"
    """ISO-BMFF and QuickTime: FFmpeg's one `mov,mp4,m4a,3gp,3g2,mj2` demuxer."""
    MATROSKA = "matroska"
    """Matroska and WebM: FFmpeg's `matroska,webm` demuxer."""


VIDEO_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"mp71",
        b"avc1", b"qt  ", b"M4V ", b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
        b"dash", b"MSNV", b"f4v ", b"XAVC", b"hvc1",
    }
)  # fmt: skip
IMAGE_BRANDS = frozenset({b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"})
"""HEIF/AVIF stills and sequences: the image path reads them."""
QUICKTIME_FIRST_ATOMS = frozenset({b"moov", b"wide", b"mdat"})
"""QuickTime files older than `ftyp` start with one of these."""
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
DOCTYPE_ID = b"\x42\x82"
MATROSKA_DOCTYPES = frozenset({b"webm", b"matroska"})


def sniff(data: bytes) -> Container | None:
    if data[4:8] == b"ftyp":
        return Container.MP4 if _video_brands(data) else None
    if data[4:8] in QUICKTIME_FIRST_ATOMS and int.from_bytes(data[:4], "big") >= 8:
        return Container.MP4
    if data[:4] == EBML_MAGIC and _ebml_doctype(data) in MATROSKA_DOCTYPES:
        return Container.MATROSKA
    return None


def _video_brands(data: bytes) -> bool:
    end = min(int.from_bytes(data[:4], "big"), len(data), 256)
    compatible = {data[i : i + 4] for i in range(16, end - 3, 4)}
    return data[8:12] in VIDEO_BRANDS and not compatible & IMAGE_BRANDS


def _ebml_doctype(data: bytes) -> bytes | None:
    """The DocType inside the EBML header that starts `data`, or None."""
    size, at = _vint(data, 4)
    if size is None:
        return None
    end = min(at + size, len(data), 256)
    while at < end:
        element = data[at : at + 2]
        element_id_length = _id_length(data, at)
        if element_id_length == 0:
            return None
        length, value_at = _vint(data, at + element_id_length)
        if length is None:
            return None
        if element == DOCTYPE_ID:
            return data[value_at : value_at + length].rstrip(b"\x00")
        at = value_at + length
    return None


def _id_length(data: bytes, at: int) -> int:
    if at >= len(data) or data[at] == 0:
        return 0
    return 9 - data[at].bit_length()


def _vint(data: bytes, at: int) -> tuple[int | None, int]:
    """An EBML variable-size integer at `at`: (value, offset after it); None when malformed."""
    if at >= len(data) or data[at] == 0:
        return None, at
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None, at
    value = data[at] & ((1 << (8 - length)) - 1)
    for byte in data[at + 1 : at + length]:
        value = value << 8 | byte
    return value, at + length
