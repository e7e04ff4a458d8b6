"""A video source whose bytes are left at its origin (`transforms.video.ranged`)."""

from __future__ import annotations

from imgproxy.errors import UnsupportedFormat
from transforms.video.ranged import RangedBytes
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import sniff
from transforms.video.source import VideoSource, open_video


def open_ranged(data: RangedBytes, defaults: VideoDefaults, *, max_pixels: int) -> VideoSource:
    container = sniff(data.prefix)
    if container is None or not defaults.enabled:
        raise UnsupportedFormat(detail="a ranged source that is not an enabled video")
    return open_video(data, container, defaults, max_pixels=max_pixels)
