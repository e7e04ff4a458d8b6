"""`/info`'s `video_meta` and `video_streams` (imgproxy Pro's shapes), from the header only."""

from __future__ import annotations

from fractions import Fraction

import av.audio.stream
import av.stream

from transforms.video.decode import opened
from transforms.video.demux import FORMAT_NAMES
from transforms.video.ranged import VideoBytes
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import Container

MEDIA_TYPES = {Container.MP4: "video/mp4", Container.MATROSKA: "video/x-matroska"}


def media_type(data: VideoBytes, container: Container) -> str:
    if container is Container.MP4 and data[8:12] == b"qt  ":
        return "video/quicktime"
    if container is Container.MATROSKA and b"webm" in data[:64]:
        return "video/webm"
    return MEDIA_TYPES[container]


def describe_video(
    data: VideoBytes, container: Container, defaults: VideoDefaults, max_pixels: int
) -> dict[str, object]:
    """`format` as FFmpeg names its demuxer (a comma-separated list, as Pro answers), the
    media type, the container's metadata and one entry per stream."""
    with opened(data, container, defaults, max_pixels) as source:
        input_container = source.container
        duration = source.header.duration
        return {
            "format": FORMAT_NAMES[container],
            "mime_type": media_type(data, container),
            "video_meta": dict(input_container.metadata),
            "video_streams": [_stream(stream, duration) for stream in input_container.streams],
        }


def _stream(stream: av.stream.Stream, container_duration: float | None) -> dict[str, object]:
    entry: dict[str, object] = {"type": stream.type}
    context = stream.codec_context
    codec = context.name if context is not None else stream.codec_tag
    entry["codec"] = codec
    if stream.type in {"video", "audio"}:
        duration = _seconds(stream.duration, stream.time_base)
        if duration is None:
            duration = container_duration
        if duration is not None:
            entry["duration"] = round(duration, 3)
        if context is not None and context.bit_rate:
            entry["bps"] = context.bit_rate
    if stream.type == "video" and stream.average_rate:
        entry["fps"] = _number(stream.average_rate)
    if isinstance(stream, av.audio.stream.AudioStream):
        entry["frequency"] = stream.sample_rate
        entry["layout"] = stream.layout.name
    language = stream.metadata.get("language")
    if language and language != "und":
        entry["language"] = language
    return entry


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or value <= 0 or not time_base:
        return None
    return float(value * time_base)


def _number(rate: Fraction) -> int | float:
    return int(rate) if rate.denominator == 1 else round(float(rate), 3)
