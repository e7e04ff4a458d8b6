"""A video left at its origin for the render to read span by span (`transforms.video.ranged`).

The render runs on a worker thread; each span it misses is the origin's ranged read, run on
the event loop (`run_coroutine_threadsafe`) while the thread waits for it: the loop is never
blocked, and a cancelled render stops waiting at once."""

from __future__ import annotations

import asyncio
import concurrent.futures

from imgproxy.errors import OriginError, OriginTimeout
from imgproxy.origins import Origin
from imgproxy.origins.ranges import Head, fetch_range
from imgproxy.url.options import Options
from transforms.cancellation import Cancellation
from transforms.video.ranged import RangedBytes
from transforms.video.settings import VideoDefaults
from transforms.video.sniff import sniff

WAIT_GRACE = 1.0
"""Seconds a thread waits for a span beyond the download timeout the loop enforces."""


def is_video(first: bytes) -> bool:
    """A head's `stops`: a video's other bytes are left to ranged reads."""
    return sniff(first) is not None


def wants_ranges(options: Options, video: VideoDefaults) -> bool:
    """Whether a render may read its source by ranges: video thumbnails are on, and nothing
    needs the whole source's bytes (a `hashsum` does)."""
    return video.enabled and options.hashsum is None


class LoopFetch:
    """`transforms.video.ranged.Fetch` for one source: called on the worker thread."""

    def __init__(
        self,
        origin: Origin,
        source: str,
        head: Head,
        *,
        max_bytes: int,
        loop: asyncio.AbstractEventLoop,
        timeout: float,
        cancellation: Cancellation,
    ) -> None:
        """`timeout`: the origin's own (the download timeout), which the loop enforces."""
        self.origin = origin
        self.source = source
        self.head = head
        self.max_bytes = max_bytes
        self.loop = loop
        self.timeout = timeout
        self.cancellation = cancellation

    def __call__(self, start: int, end: int) -> tuple[int, bytes]:
        self.cancellation.check()
        read = fetch_range(self.origin, self.source, start, end, self.max_bytes)
        future = asyncio.run_coroutine_threadsafe(read, self.loop)
        try:
            with self.cancellation.calling(future.cancel):
                span = future.result(self.timeout + WAIT_GRACE)
        except concurrent.futures.CancelledError:
            self.cancellation.check()
            raise
        except TimeoutError:
            raise OriginTimeout(detail=f"{self.source}: no span in {self.timeout}s") from None
        finally:
            future.cancel()  # a no-op once it is done
        if span.size != self.head.size or span.validator != self.head.validator:
            raise OriginError(
                "Source changed while it was read",
                detail=f"{self.source}: size {self.head.size} -> {span.size}, "
                f"validator {self.head.validator!r} -> {span.validator!r}",
            )
        return span.start, span.data


def ranged_bytes(fetch: LoopFetch, video: VideoDefaults) -> RangedBytes:
    head = fetch.head
    identity = f"{fetch.source}\n{head.size}\n{head.validator}".encode()
    return RangedBytes(
        head.size, fetch, prefix=head.original.data, identity=identity, limits=video.limits
    )
