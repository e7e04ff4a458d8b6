"""A long MP4 with its index (`moov`) at the end, as FFmpeg writes it by default: the top half
of each frame is its second's colour (making.colour_at), the bottom half noise, so the file is
large (megabytes per second) and a ranged reader has to skip most of it."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import av.video.stream
import numpy as np

from tests.transforms.video.making import colour_at


def long_video(*, seconds: int = 30, fps: int = 10, width: int = 320, height: int = 240) -> bytes:
    """A keyframe every second; MPEG-4 part 2 at a bit rate noise fills."""
    noise = np.random.default_rng(7)
    output = io.BytesIO()
    with av.open(output, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = fps
        stream.codec_context.time_base = Fraction(1, fps)
        stream.codec_context.bit_rate = 8_000_000
        for index in range(seconds * fps):
            pixels = noise.integers(0, 256, (height, width, 3), dtype=np.uint8)
            pixels[: height // 2] = colour_at(index / fps)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return output.getvalue()


def index_at_the_end(data: bytes) -> bool:
    """The `moov` atom comes after the `mdat` atom (no faststart)."""
    return 0 < data.find(b"mdat") < data.rfind(b"moov")
