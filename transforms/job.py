"""Everything the steps read: the geometry plan, the options and the settled output."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TypeVar

import pyvips

from imgproxy.url.options import (
    AvifOptions,
    AvifSubsample,
    Color,
    ImageFormat,
    JpegOptions,
    Options,
    PngOptions,
    UnsharpMasking,
    UnsharpMode,
    WebpCompression,
    WebpOptions,
    WebpPreset,
)
from transforms.autoquality import AutoqualityDefaults
from transforms.cancellation import Cancellation
from transforms.faces import FaceDefaults
from transforms.plan import Plan

WHITE = Color(255, 255, 255)
SERVER_JPEG = JpegOptions(False, False, False, False, False, 0)
SERVER_PNG = PngOptions(False, False, 256)
SERVER_WEBP = WebpOptions(WebpCompression.LOSSY, False, WebpPreset.DEFAULT)
SERVER_AVIF = AvifOptions(AvifSubsample.AUTO)
SERVER_UNSHARP = UnsharpMasking(UnsharpMode.NONE, 1.0, 24.0)
"""imgproxy's defaults of the encoder and unsharp masking settings (but unsharp masking's
mode, `auto` in imgproxy Pro): every field set."""
UNSET = frozenset({JpegOptions(), PngOptions(), WebpOptions(), AvifOptions(), UnsharpMasking()})
"""What a URL that leaves the settings alone holds."""
ServerSettings = TypeVar(
    "ServerSettings", JpegOptions, PngOptions, WebpOptions, AvifOptions, UnsharpMasking
)


def resolved(asked: ServerSettings, server: ServerSettings) -> ServerSettings:
    """The server's settings with what a URL asked for (its non-`None` fields)."""
    if asked in UNSET:
        return server
    changes = {item.name: getattr(asked, item.name) for item in fields(asked)}
    return replace(server, **{name: value for name, value in changes.items() if value is not None})


@dataclass(frozen=True)
class Encoding:
    quality: int
    avif_effort: int = 1
    webp_effort: int = 4
    jxl_effort: int = 4
    jpeg: JpegOptions = SERVER_JPEG
    png: PngOptions = SERVER_PNG
    webp: WebpOptions = SERVER_WEBP
    avif: AvifOptions = SERVER_AVIF
    """Every field set (`resolved`)."""
    max_bytes: int = 0


@dataclass(frozen=True)
class Job:
    plan: Plan
    options: Options
    output: ImageFormat
    encoding: Encoding
    strip_metadata: bool = True
    keep_copyright: bool = True
    strip_color_profile: bool = True
    watermark: pyvips.Image | None = None
    watermark_opacity: float = 1.0
    frame: bytes | None = None
    """thumbor `frame(url)`: the nine-patch image's bytes."""
    frames: int = 1
    unsharp: UnsharpMasking = SERVER_UNSHARP
    """Every field set (`resolved`)."""
    downscaled: bool = False
    color_profile: str = ""
    autoquality: AutoqualityDefaults = field(default_factory=AutoqualityDefaults)
    """The server's autoquality settings (the URL's are in `options.autoquality`)."""
    """`color_profile`: a built-in profile's name (`srgb`, `cmyk`) or a profile file's path."""
    """The result is smaller than the source (when `unsharp_masking`'s `auto` mode acts)."""
    cancellation: Cancellation = field(default_factory=Cancellation)
    """Fired when the job's request is gone; every evaluation of pixels watches it."""
    faces: FaceDefaults = field(default_factory=FaceDefaults)
    faces_key: str = ""
    """Names the source and what shapes it before the crops (detections are remembered under
    it); empty: detect every time."""

    @property
    def background(self) -> Color:
        return self.options.background or WHITE

    @property
    def keeps_16_bit(self) -> bool:
        return self.options.preserve_hdr and self.output in {ImageFormat.PNG, ImageFormat.TIFF}
