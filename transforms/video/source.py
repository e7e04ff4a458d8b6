"""A video as a pipeline source: the header read on opening, the frame decoded on first load;
a sprite sheet or an animation (`video_thumbnail_tile`, `_animation`) decoded on opening, as
its size depends on where the video ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource, UnsupportedFormat
from imgproxy.url.options import ImageFormat
from transforms.decoded import shrunk
from transforms.probe import SourceInfo
from transforms.video.errors import VideoError, VideoTooLarge
from transforms.video.ranged import VideoBytes
from transforms.video.series import Series, check_pixels, series_of, tile_size
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import Container

if TYPE_CHECKING:
    from transforms.video.decode import VideoHeader

STILL_FORMAT = ImageFormat.JPEG
"""What the pipeline treats a video as: a still whose default output is JPEG (there is no
video member in ImageFormat)."""
ANIMATION_FORMAT = ImageFormat.GIF
"""What it treats a video animation as: an animation whose default output is GIF, or the
first animated format IMGPROXY_PREFERRED_FORMATS lists when GIF is not in it."""


@dataclass
class VideoSource:
    data: VideoBytes
    container: Container
    info: SourceInfo
    header: VideoHeader
    defaults: VideoDefaults
    max_pixels: int
    vector: bool = False
    decoded: pyvips.Image | None = None

    def load(
        self, shrink: float = 1.0, *, page: int = 0, frames: int = 1, thumbnail: bool = False
    ) -> pyvips.Image:
        if self.decoded is not None and self.decoded.get_typeof("page-height"):
            from transforms.video.sheet import pages_of  # noqa: PLC0415 - with the series

            return pages_of(self.decoded, page, frames)
        if self.decoded is None:
            from transforms.video import decode  # noqa: PLC0415 - PyAV on demand

            with _public_errors():
                self.decoded = decode.frame_at(
                    self.data,
                    self.container,
                    self.defaults,
                    self.max_pixels,
                    second=self.defaults.second,
                    keyframes=self.defaults.keyframes,
                )
        return shrunk(self.decoded, shrink)


def open_video(
    data: VideoBytes,
    container: Container,
    defaults: VideoDefaults,
    *,
    max_pixels: int,
) -> VideoSource:
    """`defaults` carry the URL's `video_thumbnail_*` where it set them
    (`VideoDefaults.overridden`)."""
    try:
        from transforms.video import decode  # noqa: PLC0415 - PyAV on demand
    except ImportError:
        raise UnsupportedFormat(
            "Video sources need PyAV (the `video` extra)", detail="import av failed"
        ) from None
    with _public_errors():
        header = decode.read_header(data, container, defaults, max_pixels)
        series = series_of(defaults, header.duration)
        if series is not None:
            return _series_source(
                data, container, header, defaults, max_pixels=max_pixels, series=series
            )
    info = SourceInfo(STILL_FORMAT, header.width, header.height, 1, False)
    return VideoSource(data, container, info, header, defaults, max_pixels)


def _series_source(
    data: VideoBytes,
    container: Container,
    header: VideoHeader,
    defaults: VideoDefaults,
    *,
    max_pixels: int,
    series: Series,
) -> VideoSource:
    """Every frame of the series decoded, resized into its tile and laid out."""
    from transforms.video import decode, sheet, walk  # noqa: PLC0415 - PyAV on demand

    size = tile_size(header.width, header.height, series.box)
    check_pixels(series, size, max_pixels)
    walked = walk.walk_series(
        data,
        container,
        defaults,
        max_pixels,
        times=series.times,
        keep=lambda frame: sheet.into_box(decode.upright(frame), series.box, size),
    )
    if series.animated:
        image = sheet.roll(walked.kept, series, size)
        pages = image.height // size[1]
        info = SourceInfo(ANIMATION_FORMAT, size[0], size[1], pages, False)
    else:
        image = sheet.sheet(walked.kept, series, size)
        info = SourceInfo(STILL_FORMAT, image.width, image.height, 1, False)
    return VideoSource(data, container, info, header, defaults, max_pixels, decoded=image)


@contextmanager
def _public_errors() -> Iterator[None]:
    """A VideoError raised inside becomes the 422 the client sees."""
    try:
        yield
    except VideoTooLarge as error:
        raise SourceResolutionTooLarge(error.message, detail=error.detail) from None
    except VideoError as error:
        raise UndecodableSource(error.message, detail=error.detail) from None
