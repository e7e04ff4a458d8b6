"""The processing options one URL asks for, as one frozen typed value.

Standard library only: the URL-signing helper builds these too. Fields hold exactly what the
URL says; `None` means "the server's configured default" (for example `IMGPROXY_AUTO_ROTATE`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ResizingType(StrEnum):
    FIT = "fit"
    FILL = "fill"
    FILL_DOWN = "fill-down"
    FORCE = "force"
    AUTO = "auto"


class GravityType(StrEnum):
    CENTER = "ce"
    NORTH = "no"
    SOUTH = "so"
    EAST = "ea"
    WEST = "we"
    NORTH_EAST = "noea"
    NORTH_WEST = "nowe"
    SOUTH_EAST = "soea"
    SOUTH_WEST = "sowe"
    SMART = "sm"
    FOCUS_POINT = "fp"


class ImageFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    AVIF = "avif"
    GIF = "gif"
    TIFF = "tiff"
    HEIC = "heic"
    BMP = "bmp"
    ICO = "ico"
    SVG = "svg"
    JXL = "jxl"

    @property
    def extension(self) -> str:
        return "jpg" if self is ImageFormat.JPEG else self.value

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]

    @property
    def supports_alpha(self) -> bool:
        return self not in {ImageFormat.JPEG, ImageFormat.BMP}


MEDIA_TYPES = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.AVIF: "image/avif",
    ImageFormat.GIF: "image/gif",
    ImageFormat.TIFF: "image/tiff",
    ImageFormat.HEIC: "image/heif",
    ImageFormat.BMP: "image/bmp",
    ImageFormat.ICO: "image/x-icon",
    ImageFormat.SVG: "image/svg+xml",
    ImageFormat.JXL: "image/jxl",
}

FORMAT_NAMES: dict[str, ImageFormat] = {
    **{image_format.value: image_format for image_format in ImageFormat},
    "jpg": ImageFormat.JPEG,
    "tif": ImageFormat.TIFF,
    "heif": ImageFormat.HEIC,
}


@dataclass(frozen=True)
class Gravity:
    """Where a crop or an extension is anchored. Offsets >= 1 are pixels, < 1 fractions."""

    type: GravityType = GravityType.CENTER
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Extend:
    enabled: bool = False
    gravity: Gravity = field(default_factory=Gravity)


@dataclass(frozen=True)
class Options:
    resizing_type: ResizingType = ResizingType.FIT
    width: int = 0
    height: int = 0
    dpr: float = 1.0
    enlarge: bool = False
    extend: Extend = field(default_factory=Extend)
    gravity: Gravity = field(default_factory=Gravity)
    quality: int = 0
    format: ImageFormat | None = None
    auto_rotate: bool | None = None
    strip_metadata: bool | None = None
    cachebuster: str = ""
    expires: int | None = None


@dataclass(frozen=True)
class ImageRequest:
    """A parsed image path: what to do (`options`) to which original (`source`)."""

    options: Options
    source: str
