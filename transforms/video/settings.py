"""What the server allows a video source, set once at start (no PyAV needed to read it)."""

from __future__ import annotations

from dataclasses import dataclass, replace

DEFAULT_PROBE_SIZE = 5_000_000


@dataclass(frozen=True)
class VideoLimits:
    """Bounds on one thumbnail's work, beyond the pixel limit the caller passes in."""

    max_duration: float = 6 * 3600.0
    """Seconds; a longer source is refused before any frame is decoded."""
    max_frames: int = 1200
    """Frames decoded (from the keyframe before the requested second) before giving up."""
    read_factor: int = 8
    """The demuxer may read the source this many times over (seeks re-read) before giving up."""
    deadline: float = 10.0
    """Seconds of wall time for opening, seeking and decoding."""


@dataclass(frozen=True)
class VideoDefaults:
    """imgproxy Pro's video thumbnail settings; `enabled` off answers a video as it answers any
    unsupported source."""

    enabled: bool = False
    second: float = 1.0
    keyframes: bool = False
    probe_size: int = DEFAULT_PROBE_SIZE
    """Bytes FFmpeg may read to determine the streams."""
    max_analyze_duration: int = 0
    """Milliseconds FFmpeg may analyse to get the stream info; 0: its own heuristic."""
    limits: VideoLimits = VideoLimits()

    def overridden(self, second: float | None, keyframes: bool | None) -> VideoDefaults:
        """With a URL's `video_thumbnail_second` and `video_thumbnail_keyframes`, where set."""
        return replace(
            self,
            second=self.second if second is None else second,
            keyframes=self.keyframes if keyframes is None else keyframes,
        )


VIDEO_OFF = VideoDefaults()
