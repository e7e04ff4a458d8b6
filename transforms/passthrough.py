"""Recognising a source's format from its leading bytes, for answers that skip processing."""

from __future__ import annotations

from imgproxy.url.options import ImageFormat

SIGNATURES: tuple[tuple[bytes, int, ImageFormat], ...] = (
    (b"\xff\xd8\xff", 0, ImageFormat.JPEG),
    (b"\x89PNG\r\n\x1a\n", 0, ImageFormat.PNG),
    (b"GIF8", 0, ImageFormat.GIF),
    (b"WEBP", 8, ImageFormat.WEBP),
    (b"II*\x00", 0, ImageFormat.TIFF),
    (b"MM\x00*", 0, ImageFormat.TIFF),
    (b"BM", 0, ImageFormat.BMP),
    (b"\x00\x00\x01\x00", 0, ImageFormat.ICO),
)
HEIF_BRANDS = {
    b"avif": ImageFormat.AVIF,
    b"avis": ImageFormat.AVIF,
    b"heic": ImageFormat.HEIC,
    b"heix": ImageFormat.HEIC,
    b"mif1": ImageFormat.HEIC,
    b"msf1": ImageFormat.HEIC,
}


def sniff_format(data: bytes) -> ImageFormat | None:
    for magic, offset, image_format in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return image_format
    if data[4:8] == b"ftyp":
        return HEIF_BRANDS.get(data[8:12])
    head = data[:1024].lstrip()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return ImageFormat.SVG
    return None
