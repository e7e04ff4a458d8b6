"""Which formats libvips reads and writes here, and how a concrete output format is settled."""

from __future__ import annotations

from imgproxy.url.formats import DEFAULT_PREFERRED_FORMATS, WRITABLE
from imgproxy.url.options import ImageFormat

__all__ = ["HEIF_COMPRESSIONS", "LOADERS", "WRITABLE", "format_of_loader", "settle_output"]

LOADERS: dict[str, ImageFormat] = {
    "jpegload": ImageFormat.JPEG,
    "uhdrload": ImageFormat.JPEG,
    "pngload": ImageFormat.PNG,
    "webpload": ImageFormat.WEBP,
    "gifload": ImageFormat.GIF,
    "tiffload": ImageFormat.TIFF,
    "svgload": ImageFormat.SVG,
    "jxlload": ImageFormat.JXL,
}
HEIF_COMPRESSIONS = {"av1": ImageFormat.AVIF, "hevc": ImageFormat.HEIC}


def format_of_loader(loader: str, heif_compression: str | None) -> ImageFormat | None:
    name = loader.removesuffix("_buffer").removesuffix("_source")
    if name == "heifload":
        return HEIF_COMPRESSIONS.get(heif_compression or "")
    return LOADERS.get(name)


def settle_output(
    requested: ImageFormat | None, source: ImageFormat, has_alpha: bool, *, animated: bool = False
) -> ImageFormat:
    """The format to encode: asked for, else the source's if preferred by default, else GIF
    for animations, PNG for alpha, JPEG otherwise (imgproxy's preferred formats)."""
    if requested is not None:
        return requested
    if source in DEFAULT_PREFERRED_FORMATS:
        return source
    if animated:
        return ImageFormat.GIF
    return ImageFormat.PNG if has_alpha else ImageFormat.JPEG
