"""The `/info` document for a source, within the same limits as processing."""

from __future__ import annotations

import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource, UnprocessableSource
from imgproxy.url.info_options import DEFAULT_INFO_OPTIONS, InfoOptions
from transforms.info import describe
from transforms.info_hashes import check_hashsum
from transforms.limits import Limits
from transforms.short_data import guard_short_data
from transforms.sources import open_source


def inspect(
    data: bytes, limits: Limits, options: InfoOptions = DEFAULT_INFO_OPTIONS
) -> dict[str, object]:
    """What `options` ask about the source in `data` (runs in a worker thread)."""
    if options.hashsum is not None:
        check_hashsum(data, options.hashsum)
    source = open_source(data, max_pixels=limits.max_src_pixels)
    info = source.info
    too_big = limits.max_src_pixels and info.width * info.height > limits.max_src_pixels
    if too_big and not source.vector:
        raise SourceResolutionTooLarge("Source image resolution is too big")
    if options.page >= info.pages:
        raise UnprocessableSource(
            f"Page {options.page} does not exist", detail=f"source has {info.pages} pages"
        )
    source = guard_short_data(source)
    try:
        return describe(source, data, options)
    except pyvips.Error as error:
        raise UndecodableSource(
            "Source image cannot be decoded", detail=f"info: {' '.join(str(error).split())}"
        ) from None
