"""`/info` of a video: the frame's facts, FFmpeg's format names, the video metadata and
streams; hashsums neither checked nor answered (as in imgproxy Pro)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imgproxy.errors import UnsupportedFormat
from imgproxy.url.hashsums import ExpectedHashsum, Hashsum
from imgproxy.url.info_options import DEFAULT_INFO_OPTIONS
from tests.transforms.video.making import MP4_H264, make_video
from transforms.inspect import inspect
from transforms.limits import Limits
from transforms.video.settings import VideoDefaults

ON = VideoDefaults(enabled=True)


def test_a_video_is_described_with_its_streams() -> None:
    document = inspect(make_video(MP4_H264, seconds=2), Limits(), DEFAULT_INFO_OPTIONS, ON)
    assert (document["width"], document["height"]) == (160, 120)
    assert (document["format"], document["mime_type"]) == ("mov,mp4,m4a,3gp,3g2,mj2", "video/mp4")
    meta = document["video_meta"]
    assert isinstance(meta, dict)
    assert meta["major_brand"] == "isom"
    streams = document["video_streams"]
    assert isinstance(streams, list)
    assert [(s["type"], s["codec"], s["duration"], s["fps"]) for s in streams] == [
        ("video", "h264", 2.0, 10)
    ]


def test_video_meta_off_leaves_the_streams_out() -> None:
    options = replace(DEFAULT_INFO_OPTIONS, video_meta=False)
    document = inspect(make_video(MP4_H264, seconds=1), Limits(), options, ON)
    assert "video_meta" not in document
    assert "video_streams" not in document


def test_hashsums_of_a_video_are_skipped() -> None:
    wrong = ExpectedHashsum(Hashsum.SHA256, "00" * 32)
    options = replace(DEFAULT_INFO_OPTIONS, hashsum=wrong, calc_hashsums=(Hashsum.MD5,))
    document = inspect(make_video(MP4_H264, seconds=1), Limits(), options, ON)
    assert "hashsums" not in document


def test_with_video_off_info_refuses_a_video_as_before() -> None:
    with pytest.raises(UnsupportedFormat):
        inspect(make_video(MP4_H264, seconds=1), Limits())
