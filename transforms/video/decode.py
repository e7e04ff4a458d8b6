"""The frame at a second of a video, as an RGB pyvips image, within the video limits."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from fractions import Fraction

import av
import av.container
import av.video.frame
import av.video.stream
import pyvips

from transforms.video.demux import open_input, video_stream
from transforms.video.errors import VideoError, VideoTooLarge
from transforms.video.ranged import VideoBytes
from transforms.video.reader import Deadline
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import Container

TURNS = {90: "d90", 180: "d180", 270: "d270"}
"""Clockwise quarter turns that put a frame upright, as libvips names them."""
FAILURES = (av.FFmpegError, OSError, ValueError, OverflowError, EOFError, struct.error)
"""What FFmpeg and PyAV raise on a corrupt source; each becomes a VideoError."""


@dataclass(frozen=True)
class VideoHeader:
    width: int
    height: int
    """As displayed: after the display matrix's rotation."""
    duration: float | None
    """Seconds, when the container says."""
    codec: str
    turn: int = 0
    """Clockwise degrees (0, 90, 180, 270) that put a decoded frame upright."""


@dataclass
class Opened:
    container: av.container.InputContainer
    stream: av.video.stream.VideoStream
    header: VideoHeader
    deadline: Deadline


@contextmanager
def opened(
    data: VideoBytes, container: Container, defaults: VideoDefaults, max_pixels: int
) -> Iterator[Opened]:
    """The source opened and its header checked against the limits; every FFmpeg failure
    inside (also while the caller decodes) becomes a VideoError."""
    deadline = Deadline(defaults.limits.deadline)
    try:
        with open_input(data, container, defaults, deadline) as source:
            stream = video_stream(source)
            header = _header(source, stream)
            _check(header, defaults, max_pixels)
            yield Opened(source, stream, header, deadline)
    except VideoError:
        raise
    except FAILURES as error:
        raise VideoError("Source video cannot be decoded", str(error)[:200]) from None


def read_header(
    data: VideoBytes, container: Container, defaults: VideoDefaults, max_pixels: int
) -> VideoHeader:
    """The header, with the rotation the first frame carries (PyAV reads the display matrix
    from frames only): one frame is decoded."""
    with opened(data, container, defaults, max_pixels) as source:
        first = _decode_to(source, 0.0, False, defaults, max_pixels)
        turn = _turn(first)
        header = source.header
        if turn in {90, 270}:
            return replace(header, width=header.height, height=header.width, turn=turn)
        return replace(header, turn=turn)


def frame_at(
    data: VideoBytes,
    container: Container,
    defaults: VideoDefaults,
    max_pixels: int,
    *,
    second: float,
    keyframes: bool,
) -> pyvips.Image:
    """The first frame whose time is at or after `second` (with `keyframes`, the keyframe at or
    before it); past the end, the last frame."""
    with opened(data, container, defaults, max_pixels) as source:
        return upright(_decode_to(source, second, keyframes, defaults, max_pixels))


def upright(frame: av.video.frame.VideoFrame) -> pyvips.Image:
    """The frame in RGB, turned as its display matrix says."""
    image = _to_vips(frame)
    turn = _turn(frame)
    return image.rot(TURNS[turn]) if turn else image


def _header(
    source: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> VideoHeader:
    duration: float | None = None
    if source.duration is not None and source.duration > 0:
        duration = source.duration / av.time_base
    elif stream.duration is not None and stream.duration > 0:
        duration = float(stream.duration * stream.time_base) if stream.time_base else None
    context = stream.codec_context
    return VideoHeader(context.width, context.height, duration, context.codec.name)


def _check(header: VideoHeader, defaults: VideoDefaults, max_pixels: int) -> None:
    if header.duration is not None and header.duration > defaults.limits.max_duration:
        raise VideoError(
            "Source video is too long", f"{header.duration:.1f} s > {defaults.limits.max_duration}"
        )
    check_size(header.width, header.height, max_pixels)


def check_size(width: int, height: int, max_pixels: int) -> None:
    if max_pixels and width * height > max_pixels:
        raise VideoTooLarge("Source image resolution is too big", f"video {width}x{height}")


def _decode_to(
    source: Opened, second: float, keyframes: bool, defaults: VideoDefaults, max_pixels: int
) -> av.video.frame.VideoFrame:
    stream = source.stream
    time_base = stream.time_base or Fraction(1, 1000)
    start = stream.start_time or 0
    if second > 0 or keyframes:
        target = start + int(second / time_base)
        source.container.seek(target, stream=stream, backward=True, any_frame=False)
    if keyframes:
        stream.codec_context.skip_frame = "NONKEY"
    wanted = float(start * time_base) + second
    last: av.video.frame.VideoFrame | None = None
    decoded = 0
    for packet in source.container.demux(stream):
        source.deadline.check()
        for frame in packet.decode():
            decoded += 1
            if decoded > defaults.limits.max_frames:
                raise VideoError("Source video cannot be decoded", "frame limit reached")
            check_size(frame.width, frame.height, max_pixels)
            if keyframes or frame.time is None or frame.time >= wanted:
                return frame
            last = frame
    if last is None:
        raise VideoError("Source video cannot be decoded", "no frame decoded")
    return last


def _turn(frame: av.video.frame.VideoFrame) -> int:
    """PyAV gives the display matrix's counter-clockwise angle; libvips turns clockwise."""
    turn = -round(frame.rotation) % 360
    return turn if turn in TURNS else 0


def _to_vips(frame: av.video.frame.VideoFrame) -> pyvips.Image:
    rgb = frame.reformat(format="rgb24")
    plane = rgb.planes[0]
    width, height, line = rgb.width, rgb.height, plane.line_size
    raw = bytes(plane)
    if line != width * 3:
        raw = b"".join(raw[row * line : row * line + width * 3] for row in range(height))
    image = pyvips.Image.new_from_memory(raw, width, height, 3, "uchar")
    return image.copy(interpretation="srgb").copy_memory()
