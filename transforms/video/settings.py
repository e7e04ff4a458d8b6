"""What the server allows a video source, set once at start (no PyAV needed to read it)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from imgproxy.url.options import VideoAnimation, VideoTile

DEFAULT_PROBE_SIZE = 5_000_000
NO_TILE = VideoTile()
NO_ANIMATION = VideoAnimation()


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
    tile_auto_keyframes: bool = False
    """Several frames apart by more than the longest interval between keyframes around them:
    take keyframes only."""
    limits: VideoLimits = VideoLimits()
    tile: VideoTile = NO_TILE
    """The URL's `video_thumbnail_tile`: a sprite sheet instead of one frame."""
    animation: VideoAnimation = NO_ANIMATION
    """The URL's `video_thumbnail_animation` (when no sheet is asked for): an animation."""
    max_pages: int = 0
    """An animation's frames past this many are not decoded (the animation frame limit);
    0: no bound but the limits'."""

    def overridden(
        self,
        second: float | None,
        keyframes: bool | None,
        *,
        tile: VideoTile = NO_TILE,
        animation: VideoAnimation = NO_ANIMATION,
        max_pages: int = 0,
    ) -> VideoDefaults:
        """With a URL's `video_thumbnail_*` options, where set."""
        return replace(
            self,
            second=self.second if second is None else second,
            keyframes=self.keyframes if keyframes is None else keyframes,
            tile=tile,
            animation=animation,
            max_pages=max_pages,
        )


VIDEO_OFF = VideoDefaults()
