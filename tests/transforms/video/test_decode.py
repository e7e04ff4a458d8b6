"""The frame at a second, from MP4/MOV and WebM/Matroska made here, and the limits around it."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import av.video.frame
import av.video.stream
import pytest

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource, UnsupportedFormat
from tests.transforms.video.making import (
    MKV_MPEG4,
    MOV_H264,
    MP4_H264,
    MP4_MPEG4,
    WEBM_VP8,
    WEBM_VP9,
    Kind,
    colour_at,
    make_video,
)
from transforms.sources import open_source
from transforms.video.errors import VideoError
from transforms.video.reader import BoundedReader, Deadline
from transforms.video.settings import VideoDefaults, VideoLimits
from transforms.video.source import VideoSource

ON = VideoDefaults(enabled=True)
MAX_PIXELS = 1_000_000


def centre(source: VideoSource) -> tuple[int, ...]:
    image = source.load()
    return tuple(round(value) for value in image.getpoint(image.width // 2, image.height // 2))


def near(actual: tuple[int, ...], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(actual, expected, strict=True))


def opened(data: bytes, defaults: VideoDefaults = ON) -> VideoSource:
    source = open_source(data, max_pixels=MAX_PIXELS, video=defaults)
    assert isinstance(source, VideoSource)
    return source


@pytest.mark.parametrize("kind", [MP4_H264, MP4_MPEG4, MOV_H264, WEBM_VP8, WEBM_VP9, MKV_MPEG4])
@pytest.mark.parametrize("second", [0.0, 1.0, 2.0, 2.5, 3.5])
def test_the_frame_at_the_requested_second(kind: Kind, second: float) -> None:
    data = make_video(kind, seconds=4)
    source = opened(data, VideoDefaults(enabled=True, second=second))
    assert (source.info.width, source.info.height, source.info.pages) == (160, 120, 1)
    assert near(centre(source), colour_at(second))


@pytest.mark.parametrize("faststart", [True, False])
def test_keyframes_take_the_keyframe_at_or_before_the_second(faststart: bool) -> None:
    data = make_video(MP4_H264, seconds=4, keyframe_interval=25, faststart=faststart)
    exact = opened(data, VideoDefaults(enabled=True, second=2.0))
    keyframe = opened(data, VideoDefaults(enabled=True, second=2.0, keyframes=True))
    assert near(centre(exact), colour_at(2.0))
    assert near(centre(keyframe), colour_at(0.0))  # keyframes at 0 s and 2.5 s


def test_a_second_past_the_end_takes_the_last_frame() -> None:
    source = opened(make_video(WEBM_VP9, seconds=3), VideoDefaults(enabled=True, second=60))
    assert near(centre(source), colour_at(2.9))


def test_the_frame_is_decoded_on_the_first_load_only() -> None:
    source = opened(make_video(MP4_MPEG4, seconds=2))
    assert source.decoded is None
    assert source.load() is source.load()
    assert source.load(2.0).width == 80


def test_with_video_off_a_video_is_refused_as_before() -> None:
    with pytest.raises(UnsupportedFormat, match="Source image format is not recognised"):
        open_source(make_video(MP4_H264, seconds=1), max_pixels=MAX_PIXELS)


def test_a_video_longer_than_the_limit_is_refused() -> None:
    limits = VideoDefaults(enabled=True, limits=VideoLimits(max_duration=2.5))
    with pytest.raises(UndecodableSource) as caught:
        opened(make_video(MP4_H264, seconds=3), limits)
    assert caught.value.message == "Source video is too long"


def test_a_resolution_over_the_pixel_limit_is_refused_before_decoding() -> None:
    data = make_video(WEBM_VP8, seconds=1, width=320, height=240)
    with pytest.raises(SourceResolutionTooLarge) as caught:
        open_source(data, max_pixels=320 * 240 - 1, video=ON)
    assert caught.value.message == "Source image resolution is too big"


def test_decoding_stops_at_the_frame_limit() -> None:
    defaults = VideoDefaults(enabled=True, second=2.0, limits=VideoLimits(max_frames=5))
    source = opened(make_video(MP4_H264, seconds=3, keyframe_interval=30), defaults)
    with pytest.raises(UndecodableSource) as caught:
        source.load()
    assert caught.value.detail == "frame limit reached"


def test_a_spent_deadline_stops_the_work() -> None:
    defaults = VideoDefaults(enabled=True, limits=VideoLimits(deadline=0.0))
    with pytest.raises(UndecodableSource) as caught:
        opened(make_video(MP4_H264, seconds=1), defaults)
    assert caught.value.message == "Source video took too long to decode"


def test_a_codec_off_the_allow_list_is_refused() -> None:
    data = make_video(Kind("mov", "png", "rgb24"), seconds=1)
    with pytest.raises(UndecodableSource) as caught:
        opened(data)
    assert caught.value.message == "Source video codec is not supported"


def test_the_reader_refuses_to_serve_past_its_byte_budget() -> None:
    reader = BoundedReader(b"x" * 100, max_read=150, deadline=Deadline(60))
    assert len(reader.read(100)) == 100
    reader.seek(0)
    assert len(reader.read(50)) == 50
    with pytest.raises(VideoError) as caught:
        reader.read(1)
    assert (caught.value.message, caught.value.detail) == (
        "Source video cannot be decoded",
        "read limit reached",
    )


def test_a_urls_second_and_keyframes_override_the_servers() -> None:
    server = VideoDefaults(enabled=True, second=1.0, keyframes=False)
    assert server.overridden(None, None) == server
    assert server.overridden(3.5, True) == VideoDefaults(enabled=True, second=3.5, keyframes=True)
    assert server.overridden(0.0, None).second == 0.0


def halves(rotation: int) -> bytes:
    """One second of 160x120 MPEG-4 in MP4, left half red and right half blue, with a display
    matrix turning it `rotation` degrees counter-clockwise (phones record portrait so)."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4", options={"movflags": "frag_keyframe+empty_moov"}) as c:
        stream = c.add_stream("mpeg4", rate=10)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.set_display_rotation(rotation)
        for index in range(10):
            frame = av.video.frame.VideoFrame(160, 120, "rgb24")
            plane = frame.planes[0]
            row = bytes((220, 30, 30)) * 80 + bytes((30, 40, 220)) * 80
            plane.update((row + bytes(plane.line_size - 480)) * 120)
            frame.pts, frame.time_base = index, Fraction(1, 10)
            c.mux(stream.encode(frame))
        c.mux(stream.encode(None))
    return out.getvalue()


RED, BLUE = (220, 30, 30), (30, 40, 220)


@pytest.mark.parametrize(
    ("rotation", "size", "corners"),
    [
        (0, (160, 120), (RED, BLUE)),  # (top-left, bottom-right)
        (-90, (120, 160), (RED, BLUE)),  # turned clockwise: the left half on top
        (90, (120, 160), (BLUE, RED)),  # turned counter-clockwise: the left half below
        (180, (160, 120), (BLUE, RED)),
    ],
)
def test_the_display_rotation_is_applied(
    rotation: int, size: tuple[int, int], corners: tuple[tuple[int, int, int], ...]
) -> None:
    source = opened(halves(rotation), VideoDefaults(enabled=True, second=0.5))
    assert (source.info.width, source.info.height) == size
    image = source.load()
    assert (image.width, image.height) == size
    top_left = tuple(round(v) for v in image.getpoint(10, 10))
    bottom_right = tuple(round(v) for v in image.getpoint(image.width - 10, image.height - 10))
    assert near(top_left, corners[0])
    assert near(bottom_right, corners[1])
