"""The `/info` document for a source, within the same limits as processing."""

from __future__ import annotations

from dataclasses import replace

import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource, UnprocessableSource
from imgproxy.url.info_options import DEFAULT_INFO_OPTIONS, InfoOptions
from transforms.info import describe
from transforms.info_hashes import check_hashsum
from transforms.limits import Limits
from transforms.short_data import guard_short_data
from transforms.sources import Source, open_source
from transforms.video.ranged import RangedBytes, VideoBytes
from transforms.video.ranged_video import open_ranged
from transforms.video.settings import VIDEO_OFF, VideoDefaults
from transforms.video.sniff import sniff as sniff_video
from transforms.video.source import VideoSource


def inspect(
    data: VideoBytes,
    limits: Limits,
    options: InfoOptions = DEFAULT_INFO_OPTIONS,
    video: VideoDefaults = VIDEO_OFF,
) -> dict[str, object]:
    """What `options` ask about the source in `data` (runs in a worker thread), or about the
    video left at its origin. Hashsums of a video are neither checked nor answered, as in
    imgproxy Pro."""
    if isinstance(data, RangedBytes):
        ranged = open_ranged(data, video, max_pixels=limits.max_src_pixels)
        return _described(ranged, data, limits, _without_hashsums(options))
    if video.enabled and sniff_video(data) is not None:
        options = _without_hashsums(options)
    if options.hashsum is not None:
        check_hashsum(data, options.hashsum)
    source = open_source(data, max_pixels=limits.max_src_pixels, video=video)
    return _described(source, data, limits, options)


def _without_hashsums(options: InfoOptions) -> InfoOptions:
    return replace(options, hashsum=None, calc_hashsums=())


def _described(
    source: Source, data: VideoBytes, limits: Limits, options: InfoOptions
) -> dict[str, object]:
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
        document = describe(source, data, options)
    except pyvips.Error as error:
        raise UndecodableSource(
            "Source image cannot be decoded", detail=f"info: {' '.join(str(error).split())}"
        ) from None
    if isinstance(source, VideoSource):
        document.update(_video_facts(source, options))
    return document


def _video_facts(source: VideoSource, options: InfoOptions) -> dict[str, object]:
    from transforms.video.meta import describe_video  # noqa: PLC0415 - PyAV on demand

    facts = describe_video(source.data, source.container, source.defaults, source.max_pixels)
    keys = (("format", "mime_type") if options.format else ()) + (
        ("video_meta", "video_streams") if options.video_meta else ()
    )
    return {key: facts[key] for key in keys}
