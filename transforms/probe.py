"""Header-only inspection of a source through libvips, before any pixel is decoded."""

from __future__ import annotations

from dataclasses import dataclass

import pyvips

from imgproxy.errors import UndecodableSource, UnsupportedFormat
from imgproxy.url.options import ImageFormat
from transforms.formats import format_of_loader

ROTATING_ORIENTATIONS = frozenset({5, 6, 7, 8})
PLAIN_DECODE: dict[str, object] = {"fail_on": "error", "access": "sequential"}
"""How a single frame is opened when nothing is shrunk on load."""


@dataclass(frozen=True)
class SourceInfo:
    format: ImageFormat
    width: int
    """Stored width (before EXIF orientation); one frame's for animations."""
    height: int
    pages: int
    has_alpha: bool
    orientation: int = 1
    has_icc_profile: bool = False
    interlaced: bool = False
    """Progressive (JPEG) or interlaced (PNG, GIF)."""
    chroma_subsampling: str = ""
    """JPEG only: "4:2:0", "4:2:2", "4:4:4"; empty when it does not apply."""
    bands: int = 3

    def oriented_size(self, auto_rotate: bool) -> tuple[int, int]:
        """Width and height as displayed, after EXIF orientation when it is applied."""
        if auto_rotate and self.orientation in ROTATING_ORIENTATIONS:
            return self.height, self.width
        return self.width, self.height


def _field(image: pyvips.Image, name: str, default: object) -> object:
    return image.get(name) if image.get_typeof(name) else default


def open_encoded(data: bytes, **options: object) -> pyvips.Image:
    """`data` decoded in place: libvips reads the caller's bytes, which must outlive the image,
    instead of copying them as `new_from_buffer` does (a copy per open, the size of the file)."""
    return pyvips.Image.new_from_source(pyvips.Source.new_from_memory(data), "", **options)


def loader_for(data: bytes) -> str | None:
    """The libvips loader that claims these bytes, from their leading bytes alone."""
    pointer = pyvips.vips_lib.vips_foreign_find_load_buffer(data, len(data))
    return None if pointer == pyvips.ffi.NULL else str(pyvips.ffi.string(pointer).decode())


def probe(data: bytes) -> SourceInfo:
    """Read the header; refuse what libvips cannot read."""
    return opened(data)[0]


def opened(data: bytes) -> tuple[SourceInfo, pyvips.Image]:
    """`probe`, and the image it read the header from: opened for one sequential read of
    its first page, as a single-frame decode without shrinking would open it."""
    if not data:
        raise UndecodableSource("Source image is empty")
    if loader_for(data) is None:
        raise UnsupportedFormat("Source image format is not recognised")
    try:
        header = open_encoded(data, **PLAIN_DECODE)
    except pyvips.Error as error:
        raise UndecodableSource(
            "Source image cannot be decoded", detail=str(error).strip()
        ) from None
    loader = str(header.get("vips-loader"))
    compression = _field(header, "heif-compression", None)
    image_format = format_of_loader(loader, compression if isinstance(compression, str) else None)
    if image_format is None:
        raise UnsupportedFormat("Source image format is not supported", detail=loader)
    pages = int(_field(header, "n-pages", 1))  # type: ignore[call-overload]
    page_height = int(_field(header, "page-height", header.height))  # type: ignore[call-overload]
    info = SourceInfo(
        format=image_format,
        width=header.width,
        height=page_height if pages > 1 else header.height,
        pages=pages,
        has_alpha=bool(header.hasalpha()),
        orientation=int(_field(header, "orientation", 1)),  # type: ignore[call-overload]
        has_icc_profile=bool(header.get_typeof("icc-profile-data")),
        interlaced=bool(_field(header, "interlaced", 0)),
        chroma_subsampling=str(_field(header, "jpeg-chroma-subsample", "")),
        bands=header.bands,
    )
    return info, header
