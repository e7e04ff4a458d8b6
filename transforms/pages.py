"""`pages` (imgproxy Pro): a still result made of several pages of a source (TIFF pages, or an
animation's frames with `disable_animation`), stacked top to bottom and left-aligned."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyvips

from imgproxy.url.options import Options
from transforms.probe import SourceInfo
from transforms.sources import Source


@dataclass
class StackedPages:
    """Loads pages `first` to `first + count - 1` of `source`, each at the shrink asked for."""

    source: Source
    first: int
    count: int
    info: SourceInfo
    vector: bool = False

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        parts = [self.source.load(shrink, page=self.first + index) for index in range(self.count)]
        return stack(parts)


def stack(parts: list[pyvips.Image]) -> pyvips.Image:
    """Top to bottom, left-aligned; where a page is narrower than the widest, transparent."""
    if len({part.bands for part in parts}) > 1 or len({part.interpretation for part in parts}) > 1:
        parts = [part.colourspace("srgb") for part in parts]
    if len({part.width for part in parts}) > 1 or any(part.hasalpha() for part in parts):
        parts = [part if part.hasalpha() else part.addalpha() for part in parts]
    stacked = parts[0]
    for part in parts[1:]:
        stacked = stacked.join(part, "vertical", expand=True, align="low", background=[0])
    return stacked


def stacked_pages(source: Source, options: Options, frames: int) -> Source:
    """`source`, or its pages the options ask for stacked, when the result is a still image.
    Pages past the last one are left out; `page` itself past it was refused before."""
    count = min(options.pages, source.info.pages - options.page)
    if frames > 1 or count <= 1:
        return source
    first = options.page
    sizes = [_page_size(source, first + index) for index in range(count)]
    info = replace(
        source.info,
        width=max(width for width, _ in sizes),
        height=sum(height for _, height in sizes),
        pages=1,
    )
    return StackedPages(source, first, count, info)


def _page_size(source: Source, page: int) -> tuple[int, int]:
    """The page's stored size, from its header (libvips decodes nothing yet)."""
    header = source.load(page=page)
    return header.width, header.height
