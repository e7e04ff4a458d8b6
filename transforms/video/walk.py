"""Several frames of one video in a single forward walk: one seek to the first wanted time,
then decoding forward, seeking again only when the container's index puts a keyframe between
the last frame decoded and the next wanted time. Every frame decoded counts against the limits
of the whole walk (frames, pixels, bytes read, wall time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

import av.video.frame
import av.video.stream

from transforms.video.decode import Opened, check_size, opened
from transforms.video.errors import VideoError
from transforms.video.ranged import VideoBytes
from transforms.video.settings import VideoDefaults, VideoLimits
from transforms.video.sniff import Container

Kept = TypeVar("Kept")
Frame = av.video.frame.VideoFrame
NO_FRAME = "no frame decoded"


class Walk:
    def __init__(self, source: Opened, limits: VideoLimits, max_pixels: int) -> None:
        self.source = source
        self.stream: av.video.stream.VideoStream = source.stream
        self.time_base = self.stream.time_base or Fraction(1, 1000)
        self.limits = limits
        self.max_pixels = max_pixels
        self.decoded = 0
        self.seeks = 0
        self._frames: Iterator[Frame] = self._decoding()

    def pts(self, second: float) -> int:
        """In the stream's time base, rounded: `0.1 * 24` is the frame at 2.4 s."""
        return round(second / self.time_base)

    def reached(self, frame: Frame, second: float) -> bool:
        return frame.pts is None or frame.pts >= self.pts(second)

    def seek(self, second: float) -> None:
        """To the keyframe at or before `second` (absolute); the decoder starts again there."""
        self.source.container.seek(
            self.pts(second), stream=self.stream, backward=True, any_frame=False
        )
        self.seeks += 1
        self._frames = self._decoding()

    def next(self) -> Frame | None:
        """The next frame in presentation order; None at the end."""
        return next(self._frames, None)

    def keyframe_at_or_before(self, second: float) -> int | None:
        """Its timestamp, when the container's index knows it."""
        entries = self.stream.index_entries
        at = entries.search_timestamp(self.pts(second), backward=True)
        return None if at < 0 else int(entries[at].timestamp)

    def keyframe_between(self, frame: Frame, second: float) -> bool:
        """A keyframe after the frame that follows `frame`, at or before `second`: seeking
        there skips decoding at least one frame."""
        keyframe = self.keyframe_at_or_before(second)
        if keyframe is None or frame.pts is None:
            return False
        return keyframe > frame.pts + (frame.duration or 0)

    def keyframe_interval(self, seconds: tuple[float, ...]) -> float | None:
        """The longest interval from the keyframe before each of `seconds` to the next one,
        where the index knows both; None when it knows none."""
        entries = self.stream.index_entries
        gaps = []
        for second in seconds:
            keyframe = self.keyframe_at_or_before(second)
            if keyframe is None:
                continue
            after = entries.search_timestamp(keyframe + 1, backward=False)
            if after >= 0:
                gaps.append(int(entries[after].timestamp) - keyframe)
        return float(max(gaps) * self.time_base) if gaps else None

    def _decoding(self) -> Iterator[Frame]:
        for packet in self.source.container.demux(self.stream):
            self.source.deadline.check()
            for frame in packet.decode():
                self.decoded += 1
                if self.decoded > self.limits.max_frames:
                    raise VideoError("Source video cannot be decoded", "frame limit reached")
                check_size(frame.width, frame.height, self.max_pixels)
                yield frame


def exact(
    walk: Walk, seconds: tuple[float, ...], end: float | None, keep: Callable[[Frame], Kept]
) -> list[Kept | None]:
    """For each of `seconds` (absolute, rising), `keep` of the first frame at or after it.
    Past the last frame, the last frame while before `end` (the first always), else None."""
    kept: list[Kept | None] = [None] * len(seconds)
    wanted, last, last_kept = 0, None, None
    while wanted < len(seconds):
        frame = walk.next()
        if frame is None:
            break
        last, last_kept = frame, None
        while wanted < len(seconds) and walk.reached(frame, seconds[wanted]):
            last_kept = keep(frame) if last_kept is None else last_kept
            kept[wanted] = last_kept
            wanted += 1
        if wanted < len(seconds) and walk.keyframe_between(frame, seconds[wanted]):
            walk.seek(seconds[wanted])
    if last is None:
        raise VideoError("Source video cannot be decoded", NO_FRAME)
    for index in range(wanted, len(seconds)):
        if index == 0 or (end is not None and seconds[index] < end):
            last_kept = keep(last) if last_kept is None else last_kept
            kept[index] = last_kept
    return kept


def keyframes(
    walk: Walk, seconds: tuple[float, ...], end: float | None, keep: Callable[[Frame], Kept]
) -> list[Kept | None]:
    """For each of `seconds` (absolute, rising), `keep` of the keyframe at or before it, each
    keyframe decoded once; from `end` on, None (but for the first)."""
    walk.stream.codec_context.skip_frame = "NONKEY"
    kept: list[Kept | None] = []
    previous: tuple[int, Kept] | None = None
    for index, second in enumerate(seconds):
        if index and end is not None and second >= end:
            kept.append(None)
            continue
        known = walk.keyframe_at_or_before(second)
        if previous is not None and known == previous[0]:
            kept.append(previous[1])
            continue
        if index:
            walk.seek(second)
        frame = walk.next()
        if frame is None:
            if not index:
                raise VideoError("Source video cannot be decoded", NO_FRAME)
            kept.append(None)
            continue
        image = keep(frame)
        previous = None if known is None else (known, image)
        kept.append(image)
    return kept


@dataclass
class Walked(Generic[Kept]):
    kept: list[Kept | None]
    """One per time asked for; None past the video's end."""
    decoded: int
    seeks: int
    keyframes_only: bool


def walk_series(
    data: VideoBytes,
    container: Container,
    defaults: VideoDefaults,
    max_pixels: int,
    *,
    times: tuple[float, ...],
    keep: Callable[[Frame], Kept],
) -> Walked[Kept]:
    """`keep` of the frame at each of `times` (seconds from the start, rising): keyframes
    only with `defaults.keyframes`, or with `tile_auto_keyframes` when the times are further
    apart than the keyframes are."""
    with opened(data, container, defaults, max_pixels) as source:
        walk = Walk(source, defaults.limits, max_pixels)
        start = float(source.stream.start_time * walk.time_base) if source.stream.start_time else 0
        seconds = tuple(start + time for time in times)
        duration = source.header.duration
        end = None if duration is None else start + duration
        walk.seek(seconds[0])
        only_keyframes = defaults.keyframes or (
            defaults.tile_auto_keyframes and _apart(walk, seconds)
        )
        take = keyframes if only_keyframes else exact
        kept = take(walk, seconds, end, keep)
        return Walked(kept, walk.decoded, walk.seeks, only_keyframes)


def _apart(walk: Walk, seconds: tuple[float, ...]) -> bool:
    """The step between `seconds` is longer than the longest keyframe interval around them."""
    if len(seconds) < 2:
        return False
    interval = walk.keyframe_interval(seconds)
    return interval is not None and seconds[1] - seconds[0] > interval
