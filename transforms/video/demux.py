"""Opening a source with FFmpeg: the container named explicitly, bytes only, nothing nested."""

from __future__ import annotations

import av
import av.container
import av.video.stream

from transforms.video.errors import VideoError
from transforms.video.ranged import VideoBytes
from transforms.video.reader import BoundedReader, Deadline
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import Container

FORMAT_NAMES = {
    Container.MP4: "mov,mp4,m4a,3gp,3g2,mj2",
    Container.MATROSKA: "matroska,webm",
}
DECODERS = frozenset(
    {
        "h264", "hevc", "mpeg4", "h263", "mpeg1video", "mpeg2video", "vp8", "vp9", "av1",
        "libdav1d", "theora", "prores", "mjpeg",
    }
)  # fmt: skip
"""The video decoders FFmpeg may open, for probing and for the frame; anything else is 422."""
MP4_OPTIONS = {"enable_drefs": "0", "use_absolute_path": "0"}
"""No external data references (QuickTime `dref` atoms can name other files)."""
ONE_THREAD = {"threads": "1"}


def refuse_nested(url: str, flags: int, options: object) -> object:
    """FFmpeg asks this to open any second input (playlists, references); none is allowed."""
    raise VideoError("Source video cannot be decoded", f"nested open refused: {url[:80]!r}")


def format_options(container: Container, defaults: VideoDefaults) -> dict[str, str]:
    options = {
        "format_whitelist": FORMAT_NAMES[container],
        "codec_whitelist": ",".join(sorted(DECODERS)),
        "protocol_whitelist": "none",
        "probesize": str(max(32, defaults.probe_size)),
    }
    if defaults.max_analyze_duration > 0:
        options["analyzeduration"] = str(defaults.max_analyze_duration * 1000)
    if container is Container.MP4:
        options.update(MP4_OPTIONS)
    return options


def open_input(
    data: VideoBytes, container: Container, defaults: VideoDefaults, deadline: Deadline
) -> av.container.InputContainer:
    reader = BoundedReader(
        data, max_read=defaults.limits.read_factor * len(data) + (1 << 20), deadline=deadline
    )
    seconds = defaults.limits.deadline
    return av.open(
        reader,
        "r",
        format=container.value,
        options=ONE_THREAD,
        container_options=format_options(container, defaults),
        timeout=(seconds, seconds),
        io_open=refuse_nested,
    )


def video_stream(opened: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The first video stream, with its decoder on one thread; refused when its codec is not
    allow-listed."""
    if not opened.streams.video:
        raise VideoError("Source video has no video stream")
    stream = opened.streams.video[0]
    context = stream.codec_context
    if context is None or context.codec.name not in DECODERS:
        raise VideoError("Source video codec is not supported", f"codec {stream.codec_context}")
    context.thread_count = 1
    context.thread_type = "NONE"
    return stream
