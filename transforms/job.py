"""Everything the steps read: the geometry plan, the options and the settled output."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyvips

from imgproxy.url.options import Color, ImageFormat, Options
from transforms.cancellation import Cancellation
from transforms.plan import Plan

WHITE = Color(255, 255, 255)


@dataclass(frozen=True)
class Encoding:
    quality: int
    avif_effort: int = 1
    jpeg_progressive: bool = False
    png_interlaced: bool = False
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
    cancellation: Cancellation = field(default_factory=Cancellation)
    """Fired when the job's request is gone; every evaluation of pixels watches it."""

    @property
    def background(self) -> Color:
        return self.options.background or WHITE

    @property
    def keeps_16_bit(self) -> bool:
        return self.options.preserve_hdr and self.output in {ImageFormat.PNG, ImageFormat.TIFF}
