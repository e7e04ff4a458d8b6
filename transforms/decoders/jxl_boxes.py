"""The JPEG XL container's boxes (ISO/IEC 18181-2): the codestream's parts, and the EXIF and
XMP carried beside them (`Exif` and `xml ` boxes, or either brotli-compressed in a `brob` box),
which libvips' own JPEG XL loader reads as well."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from transforms.decoders import DecodeError
from transforms.decoders.metadata import Blocks, blocks

CONTAINER_SIGNATURE = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"
METADATA_BOXES = {b"Exif": "exif", b"xml ": "xmp"}
MAX_EXPANDED_BYTES = 4 << 20
"""Most a compressed metadata box may expand to; a larger one is left out."""


def boxes(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, end) of each box after the container's signature; the last may
    end past the data when it is cut short."""
    position = len(CONTAINER_SIGNATURE)
    while position + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, position)
        payload = position + 8
        if size == 1:
            size = int.from_bytes(data[payload : payload + 8], "big")
            payload += 8
        end = len(data) if size == 0 else position + size
        if end < payload:
            raise DecodeError("JPEG XL container is corrupt")
        yield kind, payload, end
        position = end


def metadata(data: bytes) -> Blocks:
    """The container's first EXIF and XMP blocks, as `transforms.decoders.metadata.blocks`
    gives them: none for a bare codestream, and none from a box that is damaged or expands past
    `MAX_EXPANDED_BYTES`."""
    if not data.startswith(CONTAINER_SIGNATURE):
        return ()
    found: dict[str, bytes] = {}
    try:
        for kind, start, end in boxes(data):
            compressed = kind == b"brob"
            name = METADATA_BOXES.get(data[start : start + 4] if compressed else kind)
            if name is None or name in found:
                continue
            found[name] = _expanded(data[start + 4 : end]) if compressed else data[start:end]
    except DecodeError:
        pass  # what came before the damage
    return blocks(_tiff_data(found.get("exif", b"")), found.get("xmp"))


def _expanded(compressed: bytes) -> bytes:
    import imagecodecs  # noqa: PLC0415 - brotli only for a compressed box

    try:
        return bytes(imagecodecs.brotli_decode(compressed, out=MAX_EXPANDED_BYTES))
    except (imagecodecs.BrotliError, ValueError, MemoryError):
        return b""


def _tiff_data(exif_box: bytes) -> bytes:
    """An `Exif` box's TIFF data: past its four-byte offset to the TIFF header."""
    if len(exif_box) < 4:
        return b""
    return exif_box[4 + int.from_bytes(exif_box[:4], "big") :]
