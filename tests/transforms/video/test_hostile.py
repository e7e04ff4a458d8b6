"""Truncated and bit-flipped videos made here: each answers a frame or a 422, quickly."""

from __future__ import annotations

import contextlib
import random
import resource
import time

import av
import pytest

from imgproxy.errors import UnprocessableSource
from tests.transforms.video.making import (
    MKV_MPEG4,
    MOV_H264,
    MP4_H264,
    MP4_MPEG4,
    WEBM_VP8,
    WEBM_VP9,
    Kind,
    make_video,
)
from transforms.sources import open_source
from transforms.video.demux import open_input
from transforms.video.errors import VideoError
from transforms.video.reader import Deadline
from transforms.video.settings import VideoDefaults, VideoLimits
from transforms.video.sniff import Container

DEFAULTS = VideoDefaults(enabled=True, second=1.5, limits=VideoLimits(deadline=2.0))
PER_CASE_SECONDS = 3.0


def mutations(data: bytes, seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    cases = [data[: rng.randrange(8, len(data))] for _ in range(count // 3)]
    for _ in range(count - len(cases)):
        damaged = bytearray(data)
        for _ in range(rng.randrange(1, 24)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        cases.append(bytes(damaged))
    return cases


@pytest.mark.parametrize(
    ("kind", "faststart", "seed"),
    [(MP4_H264, True, 1), (MP4_H264, False, 2), (WEBM_VP9, True, 3), (MKV_MPEG4, True, 4)],
)
def test_damaged_videos_answer_a_frame_or_a_422_quickly(
    kind: Kind, faststart: bool, seed: int
) -> None:
    data = make_video(kind, seconds=2, faststart=faststart)
    outcomes = {"frame": 0, "422": 0}
    for case in mutations(data, seed, 36):
        started = time.monotonic()
        try:
            image = open_source(case, max_pixels=1_000_000, video=DEFAULTS).load()
            assert image.width > 0
            assert image.height > 0
            outcomes["frame"] += 1
        except UnprocessableSource:
            outcomes["422"] += 1
        assert time.monotonic() - started < PER_CASE_SECONDS
    assert outcomes["422"] > 0  # the damage is real


@pytest.mark.parametrize(
    "text",
    [
        b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
        b"ffconcat version 1.0\nfile '/etc/passwd'\n",
    ],
)
def test_playlists_never_reach_a_demuxer_that_opens_names(text: bytes) -> None:
    with pytest.raises(UnprocessableSource) as caught:
        open_source(text, max_pixels=1_000_000, video=DEFAULTS)
    assert caught.value.message == "Source image format is not recognised"
    # Even forced through the allow-listed demuxer, it is not a playlist there.
    with pytest.raises((VideoError, av.FFmpegError)):
        open_input(text, Container.MP4, DEFAULTS, Deadline(2.0))


@pytest.mark.slow
def test_many_damaged_videos_stay_quick_and_bounded() -> None:
    """The longer run (`pytest -m slow`): seven container/codec pairs, 300 mutations each."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kinds = [(MP4_H264, True), (MP4_H264, False), (MOV_H264, True), (MP4_MPEG4, False)]
    kinds += [(WEBM_VP8, True), (WEBM_VP9, True), (MKV_MPEG4, True)]
    slowest = 0.0
    for seed, (kind, faststart) in enumerate(kinds):
        for case in mutations(make_video(kind, seconds=3, faststart=faststart), seed, 300):
            started = time.monotonic()
            with contextlib.suppress(UnprocessableSource):
                open_source(case, max_pixels=1_000_000, video=DEFAULTS).load()
            slowest = max(slowest, time.monotonic() - started)
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert slowest < PER_CASE_SECONDS
    assert growth_mb < 300
