"""The source of a chained pipeline (`/-/`): the previous pipeline's result, held in memory so
that its stages (a trim, a crop) may read it more than once, and never decoded again."""

from __future__ import annotations

from dataclasses import dataclass

import pyvips

from imgproxy.url.options import ImageFormat
from transforms.cancellation import Cancellation
from transforms.probe import SourceInfo


@dataclass
class IntermediateSource:
    """Loads as it is: the plan's scale step does what shrink-on-load does for a file, and
    the pages are the frames the first pipeline chose."""

    image: pyvips.Image
    info: SourceInfo
    vector: bool = False

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        return self.image


def intermediate_source(
    result: pyvips.Image, frames: int, source_format: ImageFormat, cancellation: Cancellation
) -> IntermediateSource:
    """`result` (upright, 8-bit or 16-bit sRGB or grey, `frames` stacked) made in memory."""
    image = cancellation.in_memory(result)
    info = SourceInfo(
        source_format,
        image.width,
        image.height // frames,
        frames,
        bool(image.hasalpha()),
        bands=image.bands,
    )
    return IntermediateSource(image, info)
