"""The file-like object FFmpeg reads the source through: in memory, bounded in bytes and time."""

from __future__ import annotations

import io
import time

from transforms.video.errors import VideoError
from transforms.video.ranged import VideoBytes


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise VideoError("Source video took too long to decode")


class BoundedReader(io.RawIOBase):
    """`data` (in memory or left at its origin), readable and seekable, that refuses to serve
    more than `max_read` bytes in all (a hostile index can make the demuxer seek and re-read)
    or to read past `deadline`."""

    def __init__(self, data: VideoBytes, *, max_read: int, deadline: Deadline) -> None:
        super().__init__()
        self._data = data
        self._at = 0
        self._served = 0
        self._max_read = max_read
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self._deadline.check()
        end = len(self._data) if size < 0 else min(len(self._data), self._at + size)
        chunk = self._data[self._at : end]
        self._served += len(chunk)
        if self._served > self._max_read:
            raise VideoError("Source video cannot be decoded", "read limit reached")
        self._at += len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: len(self._data)}[whence]
        self._at = max(0, base + offset)
        return self._at

    def tell(self) -> int:
        return self._at
