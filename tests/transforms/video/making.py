"""Small test videos made with PyAV: each second one solid colour, so a frame's second is known."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.video.frame
import av.video.stream

COLOURS: tuple[tuple[int, int, int], ...] = (
    (220, 30, 30),
    (30, 200, 40),
    (30, 40, 220),
    (230, 230, 230),
    (230, 200, 20),
    (20, 200, 200),
)
"""The colour of second 0, 1, 2, … (cycling)."""


@dataclass(frozen=True)
class Kind:
    container: str
    codec: str
    pixel_format: str = "yuv420p"


MP4_H264 = Kind("mp4", "libx264")
MP4_MPEG4 = Kind("mp4", "mpeg4")
MOV_H264 = Kind("mov", "libx264")
WEBM_VP8 = Kind("webm", "libvpx")
WEBM_VP9 = Kind("webm", "libvpx-vp9")
MKV_MPEG4 = Kind("matroska", "mpeg4")


def colour_at(second: float) -> tuple[int, int, int]:
    return COLOURS[int(second) % len(COLOURS)]


def make_video(
    kind: Kind = MP4_H264,
    *,
    seconds: int = 3,
    fps: int = 10,
    width: int = 160,
    height: int = 120,
    keyframe_interval: int = 25,
    faststart: bool = True,
) -> bytes:
    """`seconds` long; a keyframe every `keyframe_interval` frames (so a second between two
    keyframes needs decoding forward). MP4/MOV have their index first unless `faststart` is off."""
    with tempfile.TemporaryDirectory() as folder:
        # The faststart pass reopens the output by name, so it is a file, not a buffer.
        path = Path(folder) / "video"
        _encode(path, kind, seconds, fps, (width, height), keyframe_interval, faststart)
        return path.read_bytes()


def _encode(
    path: Path,
    kind: Kind,
    seconds: int,
    fps: int,
    size: tuple[int, int],
    keyframe_interval: int,
    faststart: bool,
) -> None:
    width, height = size
    options = {"movflags": "+faststart"} if faststart and kind.container in {"mp4", "mov"} else {}
    with av.open(str(path), "w", format=kind.container, options=options) as container:
        stream = container.add_stream(kind.codec, rate=fps)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height = width, height
        stream.pix_fmt = kind.pixel_format
        stream.codec_context.gop_size = keyframe_interval
        stream.codec_context.time_base = Fraction(1, fps)
        if kind.codec == "libx264":
            stream.codec_context.options = {"bf": "0", "sc_threshold": "0"}
        if kind.codec.startswith("libvpx"):
            stream.codec_context.options = {"auto-alt-ref": "0", "lag-in-frames": "0"}
        for index in range(seconds * fps):
            frame = solid_frame(colour_at(index / fps), width, height)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def solid_frame(colour: tuple[int, int, int], width: int, height: int) -> av.video.frame.VideoFrame:
    frame = av.video.frame.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    row = bytes(colour) * width + bytes(plane.line_size - width * 3)
    plane.update(row * height)
    return frame
