"""`pages` (imgproxy Pro): a still result made of several pages of a source (TIFF pages, or an
animation's frames with `disable_animation`), stacked top to bottom and left-aligned.

An animation's frames (GIF, WebP: all of the canvas' size) are decoded by one libvips load,
which stacks them already. Other pages (TIFF) are loaded one by one: libvips refuses to load
pages of different sizes together, and gives palette pages loaded together the colours of one
of them. Each such load reads the directory of every page of the file (libvips counts them),
which is why their number is bounded by `MAX_PAGE_READS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyvips

from imgproxy.errors import UndecodableSource, UnprocessableSource
from imgproxy.url.options import Options
from transforms.probe import SourceInfo
from transforms.sources import Source

MAX_PAGE_READS = 10_000
"""Pages to stack one by one times the source's pages: the page directories their loads read,
twice each (the sizes first, then the pixels)."""
ANIMATION_FIELDS = ("page-height", "n-pages", "delay", "loop", "gif-delay")
"""What would make a saver write the stack as frames again."""


@dataclass
class StackedPages:
    """Pages `first` to `first + count - 1` of `source`: an animation's frames in one load
    (`together`), other pages one by one."""

    source: Source
    first: int
    count: int
    info: SourceInfo
    together: bool
    vector: bool = False

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        if self.together:
            return still(self.source.load(shrink, page=self.first, frames=self.count))
        pages = range(self.first, self.first + self.count)
        return stack([self.source.load(shrink, page=index) for index in pages])


def still(image: pyvips.Image) -> pyvips.Image:
    """`image` without the fields that describe it as frames."""
    image = image.copy()
    for name in ANIMATION_FIELDS:
        if image.get_typeof(name):
            image.remove(name)
    return image


def stack(parts: list[pyvips.Image]) -> pyvips.Image:
    """Top to bottom, left-aligned; where a page is narrower than the widest, transparent.
    Joined in pairs, so that the pipeline is as deep as the log of the page count."""
    if len({part.bands for part in parts}) > 1 or len({part.interpretation for part in parts}) > 1:
        parts = [part.colourspace("srgb") for part in parts]
    if len({part.width for part in parts}) > 1 or any(part.hasalpha() for part in parts):
        parts = [part if part.hasalpha() else part.addalpha() for part in parts]
    while len(parts) > 1:
        pairs = [parts[index : index + 2] for index in range(0, len(parts), 2)]
        parts = [_above(*pair) if len(pair) == 2 else pair[0] for pair in pairs]
    return still(parts[0])


def _above(top: pyvips.Image, bottom: pyvips.Image) -> pyvips.Image:
    return top.join(bottom, "vertical", expand=True, align="low", background=[0])


def stacked_pages(source: Source, options: Options, frames: int) -> Source:
    """`source`, or its pages the options ask for stacked, when the result is a still image.
    Pages past the last one are left out; `page` itself past it was refused before."""
    total = source.info.pages
    count = min(options.pages, total - options.page)
    if frames > 1 or count <= 1:
        return source
    first = options.page
    if source.info.format.supports_animation:
        info = replace(source.info, height=source.info.height * count, pages=1)
        return StackedPages(source, first, count, info, together=True)
    if count * total > MAX_PAGE_READS:
        raise UnprocessableSource(
            f"Too many pages to stack: at most {max(1, MAX_PAGE_READS // total)} "
            f"of this source's {total}",
            detail=f"{count} pages asked for",
        )
    sizes = [_page_size(source, first + index) for index in range(count)]
    info = replace(
        source.info,
        width=max(width for width, _ in sizes),
        height=sum(height for _, height in sizes),
        pages=1,
    )
    return StackedPages(source, first, count, info, together=False)


def _page_size(source: Source, page: int) -> tuple[int, int]:
    """The page's stored size, from its header (libvips decodes nothing yet)."""
    try:
        header = source.load(page=page)
    except pyvips.Error as error:
        raise UndecodableSource(
            "Source image cannot be decoded", detail=f"page {page}: {str(error).strip()}"
        ) from None
    return header.width, header.height
