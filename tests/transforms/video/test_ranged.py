"""RangedBytes over a real fetch (slices of bytes in memory, every call recorded): it slices
like bytes, fetches in blocks with growing read-ahead, keeps a bounded cache, and FFmpeg
decodes the right frame of a long video from a small part of it."""

from __future__ import annotations

import random

import pytest

from tests.transforms.video.long_video import long_video
from tests.transforms.video.making import colour_at
from transforms.video.errors import VideoError
from transforms.video.ranged import BLOCK_BYTES, FIRST_FETCH, MAX_FETCH, RangedBytes
from transforms.video.settings import VideoDefaults, VideoLimits

DATA = random.Random(11).randbytes(3 * 1024 * 1024 + 123)
LIMITS = VideoLimits()


class Served:
    """The origin's side: spans of `data` (or all of it, when `whole`)."""

    def __init__(self, data: bytes, *, whole: bool = False, shift: int = 0) -> None:
        self.data = data
        self.whole = whole
        self.shift = shift
        self.asked: list[tuple[int, int]] = []

    def __call__(self, start: int, end: int) -> tuple[int, bytes]:
        self.asked.append((start, end))
        if self.whole:
            return 0, self.data
        return start + self.shift, self.data[start + self.shift : end]


def ranged(served: Served, prefix: int = 64 * 1024, **options: int) -> RangedBytes:
    data = served.data
    return RangedBytes(
        len(data), served, prefix=data[:prefix], identity=b"x", limits=LIMITS, **options
    )


def test_slices_are_the_bytes_slices() -> None:
    served = Served(DATA)
    data = ranged(served)
    spots = random.Random(2)
    for _ in range(200):
        start = spots.randrange(len(DATA) + 10)
        stop = start + spots.randrange(100_000)
        assert data[start:stop] == DATA[start:stop]
    assert len(data) == len(DATA)
    assert data[len(DATA) : len(DATA) + 5] == b""


def test_the_prefix_is_not_fetched_again_and_read_ahead_grows_going_forward() -> None:
    served = Served(DATA)
    data = ranged(served)
    assert data[0:1000] == DATA[:1000]
    assert served.asked == []
    at = BLOCK_BYTES
    while at < len(DATA):
        assert data[at : at + 32768] == DATA[at : at + 32768]
        at += 32768
    sizes = [end - start for start, end in served.asked]
    assert sizes[:3] == [FIRST_FETCH, 2 * FIRST_FETCH, 4 * FIRST_FETCH]
    assert max(sizes) <= MAX_FETCH
    assert data.fetched == len(DATA) - BLOCK_BYTES


def test_the_cache_is_bounded_in_bytes() -> None:
    served = Served(DATA)
    data = ranged(served, cache_bytes=4 * BLOCK_BYTES)
    for at in range(0, len(DATA), 100_000):
        data[at : at + 10]
    assert 0 < data.kept <= 4 * BLOCK_BYTES
    fetches = len(served.asked)
    assert data[0:10] == DATA[:10]
    assert len(served.asked) == fetches + 1  # block 0 was let go, and fetched again


def test_a_whole_answer_serves_everything_after_it() -> None:
    served = Served(DATA, whole=True)
    data = ranged(served)
    assert data[2_000_000:2_000_010] == DATA[2_000_000:2_000_010]
    assert data[5:1_000_000] == DATA[5:1_000_000]
    assert len(served.asked) == 1


def test_a_span_unlike_the_one_asked_for_is_refused() -> None:
    with pytest.raises(VideoError, match="asked bytes"):
        ranged(Served(DATA, shift=1))[1_000_000:1_000_010]


def test_fetching_is_bounded_by_the_read_factor() -> None:
    served = Served(DATA)
    data = RangedBytes(
        len(DATA),
        served,
        prefix=b"",
        identity=b"x",
        limits=VideoLimits(read_factor=1),
        cache_bytes=BLOCK_BYTES,
    )
    with pytest.raises(VideoError, match="read limit reached"):
        for _ in range(10):
            for at in range(0, len(DATA), 200_000):
                data[at : at + 10]


@pytest.mark.slow
def test_a_long_video_decodes_from_a_small_part_of_it() -> None:
    from transforms.video.decode import frame_at  # noqa: PLC0415
    from transforms.video.sniff import sniff  # noqa: PLC0415

    video = long_video(seconds=20)
    served = Served(video)
    data = ranged(served)
    container = sniff(video)
    assert container is not None
    defaults = VideoDefaults(enabled=True)
    image = frame_at(data, container, defaults, 0, second=13, keyframes=False)
    top = [round(v) for v in image.getpoint(image.width // 2, image.height // 4)]
    assert all(abs(a - b) <= 20 for a, b in zip(top, colour_at(13), strict=True))
    assert data.fetched < len(video) * 0.1
