"""Header-only inspection of a source, and the limits checked before any pixel is decoded."""

from __future__ import annotations

from dataclasses import dataclass

import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource, UnsupportedFormat
from imgproxy.url.options import ImageFormat
from transforms.formats import UNDECODABLE, format_of_loader

ROTATING_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True)
class SourceInfo:
    format: ImageFormat
    width: int
    height: int
    pages: int
    has_alpha: bool
    orientation: int
    has_icc_profile: bool = False

    def oriented_size(self, auto_rotate: bool) -> tuple[int, int]:
        """Width and height as displayed, after EXIF orientation when it is applied."""
        if auto_rotate and self.orientation in ROTATING_ORIENTATIONS:
            return self.height, self.width
        return self.width, self.height


def _field(image: pyvips.Image, name: str, default: object) -> object:
    return image.get(name) if image.get_typeof(name) else default


def loader_for(data: bytes) -> str | None:
    """The libvips loader that claims these bytes, from their leading bytes alone."""
    pointer = pyvips.vips_lib.vips_foreign_find_load_buffer(data, len(data))
    return None if pointer == pyvips.ffi.NULL else str(pyvips.ffi.string(pointer).decode())


def probe(data: bytes, max_pixels: int) -> SourceInfo:
    """Read the header; refuse unknown formats and images over `max_pixels` (0 = no limit)."""
    if not data:
        raise UndecodableSource("Source image is empty")
    loader = loader_for(data)
    if loader is None:
        raise UnsupportedFormat("Source image format is not recognised")
    try:
        header = pyvips.Image.new_from_buffer(data, "", fail_on="error")
    except pyvips.Error as error:
        raise UndecodableSource(
            "Source image cannot be decoded", detail=f"{loader}: {str(error).strip()}"
        ) from None
    loader = str(header.get("vips-loader"))
    image_format = format_of_loader(loader, _text(_field(header, "heif-compression", None)))
    if image_format is None:
        raise UnsupportedFormat("Source image format is not supported", detail=loader)
    if image_format in UNDECODABLE:
        raise UnsupportedFormat(UNDECODABLE[image_format])
    info = SourceInfo(
        format=image_format,
        width=header.width,
        height=header.height,
        pages=int(_field(header, "n-pages", 1)),  # type: ignore[call-overload]
        has_alpha=bool(header.hasalpha()),
        orientation=int(_field(header, "orientation", 1)),  # type: ignore[call-overload]
        has_icc_profile=bool(header.get_typeof("icc-profile-data")),
    )
    if max_pixels and info.width * info.height > max_pixels:
        raise SourceResolutionTooLarge(
            "Source image resolution is too big",
            detail=f"{info.width}x{info.height} is over {max_pixels} pixels",
        )
    return info


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
