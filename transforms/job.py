"""Everything the steps read: the geometry plan plus the settled output decisions."""

from __future__ import annotations

from dataclasses import dataclass

from imgproxy.url.options import ImageFormat
from transforms.plan import Plan

WHITE = (255.0, 255.0, 255.0)


@dataclass(frozen=True)
class Job:
    plan: Plan
    output: ImageFormat
    quality: int
    strip_metadata: bool
    auto_rotate: bool
    colour_manage: bool = False
    avif_effort: int = 1
    jpeg_progressive: bool = False
    background: tuple[float, float, float] = WHITE
