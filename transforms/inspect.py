"""The `/info` document for a source: decoded small, within the same limits as processing."""

from __future__ import annotations

import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource
from transforms.info import describe
from transforms.limits import Limits
from transforms.short_data import guard_short_data
from transforms.sources import open_source

PREVIEW_SIDE = 256


def inspect(data: bytes, limits: Limits) -> dict[str, object]:
    source = open_source(data, max_pixels=limits.max_src_pixels)
    info = source.info
    too_big = limits.max_src_pixels and info.width * info.height > limits.max_src_pixels
    if too_big and not source.vector:
        raise SourceResolutionTooLarge("Source image resolution is too big")
    source = guard_short_data(source)
    shrink = max(1.0, max(info.width, info.height) / PREVIEW_SIDE)
    try:
        image = source.load(shrink)
        document = describe(
            image,
            data_size=len(data),
            format_name=info.format.value,
            media_type=info.format.media_type,
            pages=info.pages,
            orientation=info.orientation,
            width=info.width,
            height=info.height,
        )
    except pyvips.Error as error:
        raise UndecodableSource("Source image cannot be decoded", detail=str(error)) from None
    return document
