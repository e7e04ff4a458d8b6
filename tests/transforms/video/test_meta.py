"""`/info`'s video facts in imgproxy Pro's `video_meta` and `video_streams` shapes."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import av.audio.frame
import av.audio.stream
import av.video.stream
import pytest

from tests.transforms.video.making import MP4_H264, WEBM_VP9, make_video, solid_frame
from transforms.video.meta import describe_video
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import Container, sniff


def with_audio() -> bytes:
    """Two seconds of MPEG-4 video at 10 fps beside 48 kHz stereo AAC, tagged in English."""
    out = io.BytesIO()
    with av.open(out, "w", format="matroska") as container:
        container.metadata["title"] = "clip"
        video = container.add_stream("mpeg4", rate=10)
        assert isinstance(video, av.video.stream.VideoStream)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        video.metadata["language"] = "eng"
        audio = container.add_stream("aac", rate=48000, layout="stereo")
        assert isinstance(audio, av.audio.stream.AudioStream)
        audio.metadata["language"] = "eng"
        for index in range(20):
            frame = solid_frame((200, 20, 20), 160, 120)
            frame.pts, frame.time_base = index, Fraction(1, 10)
            container.mux(video.encode(frame))
        for index in range(2 * 48000 // 1024):
            sound = av.audio.frame.AudioFrame(format="fltp", layout="stereo", samples=1024)
            for plane in sound.planes:
                plane.update(bytes(plane.buffer_size))
            sound.sample_rate, sound.pts = 48000, index * 1024
            container.mux(audio.encode(sound))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return out.getvalue()


def test_video_and_audio_streams_in_pros_shape() -> None:
    data = with_audio()
    document = describe_video(data, Container.MATROSKA, VideoDefaults(), 1_000_000)
    assert document["format"] == "matroska,webm"
    assert document["mime_type"] == "video/x-matroska"
    meta, streams = document["video_meta"], document["video_streams"]
    assert isinstance(meta, dict)
    assert meta["title"] == "clip"
    assert isinstance(streams, list)
    video, audio = streams
    assert video.pop("duration") == pytest.approx(2.0, abs=0.05)
    assert video == {"type": "video", "codec": "mpeg4", "fps": 10, "language": "eng"}
    assert {key: audio[key] for key in ("type", "codec", "frequency", "layout", "language")} == {
        "type": "audio",
        "codec": "aac",
        "frequency": 48000,
        "layout": "2 channels",  # Matroska keeps the channel count only
        "language": "eng",
    }
    assert audio["duration"] == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize(
    ("data", "format_name", "media_type"),
    [
        (make_video(MP4_H264, seconds=2), "mov,mp4,m4a,3gp,3g2,mj2", "video/mp4"),
        (make_video(WEBM_VP9, seconds=2), "matroska,webm", "video/webm"),
    ],
)
def test_the_format_is_ffmpegs_demuxer_names(
    data: bytes, format_name: str, media_type: str
) -> None:
    container = sniff(data)
    assert container is not None
    document = describe_video(data, container, VideoDefaults(), 1_000_000)
    assert (document["format"], document["mime_type"]) == (format_name, media_type)
    streams = document["video_streams"]
    assert isinstance(streams, list)
    [stream] = streams
    assert (stream["type"], stream["duration"], stream["fps"]) == ("video", 2.0, 10)
