"""The decoder's own guards: one thread, no nested opens, and a clear 422 without PyAV."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.transforms.video.making import MP4_H264, make_video
from transforms.video.demux import open_input, refuse_nested, video_stream
from transforms.video.errors import VideoError
from transforms.video.reader import Deadline
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import Container

REPO = Path(__file__).resolve().parents[3]


def test_the_decoder_runs_on_one_thread() -> None:
    data = make_video(MP4_H264, seconds=1)
    with open_input(data, Container.MP4, VideoDefaults(), Deadline(5)) as opened:
        context = video_stream(opened).codec_context
        assert (context.thread_count, context.thread_type.name) == (1, "NONE")


def test_a_nested_open_is_refused() -> None:
    with pytest.raises(VideoError) as caught:
        refuse_nested("file:///etc/passwd", 1, {})
    assert caught.value.detail == "nested open refused: 'file:///etc/passwd'"


def test_without_pyav_a_video_is_a_clear_422(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(make_video(MP4_H264, seconds=1))
    script = f"""
import sys
sys.modules["av"] = None  # as if the `video` extra were not installed
from imgproxy.errors import UnsupportedFormat
from transforms.sources import open_source
from transforms.video.settings import VideoDefaults
try:
    open_source(open({str(video)!r}, "rb").read(), max_pixels=0, video=VideoDefaults(enabled=True))
except UnsupportedFormat as error:
    print(error.status, error.message)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "422 Video sources need PyAV (the `video` extra)"
