"""The one failure the video decoder raises; the caller answers it as an unprocessable source."""

from __future__ import annotations


class VideoError(Exception):
    """`message` is public and short; `detail` goes to the log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(detail or message)
        self.message = message
        self.detail = detail or message


class VideoTooLarge(VideoError):
    """Over a resolution limit (the caller's pixel limit)."""
