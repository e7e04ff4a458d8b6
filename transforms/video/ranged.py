"""A video's bytes left at its origin and read span by span as FFmpeg asks for them: fetched in
blocks, read ahead further while the reads go forward, and kept in a cache bounded in bytes.

Nothing here knows the origin: `Fetch` is a blocking call the caller provides, made on the
worker thread that decodes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from transforms.video.errors import VideoError
from transforms.video.settings import VideoLimits

Fetch = Callable[[int, int], tuple[int, bytes]]
"""Bytes `start` to `end` (exclusive, within the size) as (offset, data): the span asked for,
or the whole source at offset 0 from an origin that ignores ranges."""

BLOCK_BYTES = 64 * 1024
"""The unit fetched and kept."""
FIRST_FETCH = 256 * 1024
"""Bytes a fetch asks for at least (more when FFmpeg asked for more)."""
MAX_FETCH = 4 * 1024 * 1024
"""What read-ahead grows to, doubling on each fetch that continues the previous one."""
CACHE_BYTES = 8 * 1024 * 1024
"""Blocks kept (least recently read go first); one fetch may pass it while it is served."""
SLACK = 1 << 20
"""As `demux.open_input`: a small source may be read more than `read_factor` times over."""


class RangedBytes:
    """Sliced like bytes (`data[a:b]`, `len(data)`) by the reader FFmpeg reads through."""

    def __init__(
        self,
        size: int,
        fetch: Fetch,
        *,
        prefix: bytes,
        identity: bytes,
        limits: VideoLimits,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        """`prefix`: the source's first bytes, already fetched; `identity`: what stands for
        the source's bytes in digests (its location, size and validator)."""
        self.size = size
        self.prefix = prefix
        self.identity = identity
        self.fetched = 0
        """Bytes fetched so far; refused past `read_factor` times the size."""
        self.fetches = 0
        self._fetch = fetch
        self._max_fetched = limits.read_factor * size + SLACK
        self._cache_bytes = cache_bytes
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        self._whole: bytes | None = None
        self._ahead = FIRST_FETCH
        self._last_end = -1
        for index in range(min(len(prefix), size) // BLOCK_BYTES):
            self._blocks[index] = prefix[index * BLOCK_BYTES : (index + 1) * BLOCK_BYTES]

    def __len__(self) -> int:
        return self.size

    @property
    def kept(self) -> int:
        """Bytes in the cache."""
        return sum(map(len, self._blocks.values()))

    def __getitem__(self, span: slice) -> bytes:
        start, stop, _ = span.indices(self.size)
        if stop <= start:
            return b""
        if self._whole is None:
            first, last = start // BLOCK_BYTES, (stop - 1) // BLOCK_BYTES
            missing = next((i for i in range(first, last + 1) if i not in self._blocks), None)
            if missing is not None:
                self._load(missing, last)
        if self._whole is not None:
            return self._whole[start:stop]
        blocks = [self._block(index) for index in range(first, last + 1)]
        self._evict()
        offset = first * BLOCK_BYTES
        return b"".join(blocks)[start - offset : stop - offset]

    def _block(self, index: int) -> bytes:
        self._blocks.move_to_end(index)
        return self._blocks[index]

    def _load(self, first: int, last: int) -> None:
        """Blocks `first` to `last` and, reading ahead, the ones after them."""
        start = first * BLOCK_BYTES
        self._ahead = min(2 * self._ahead, MAX_FETCH) if start == self._last_end else FIRST_FETCH
        end = min(self.size, max((last + 1) * BLOCK_BYTES, start + self._ahead))
        if self.fetched + end - start > self._max_fetched:
            raise VideoError("Source video cannot be decoded", "read limit reached")
        offset, data = self._fetch(start, end)
        self.fetches += 1
        self.fetched += len(data)
        self._last_end = end
        if offset == 0 and len(data) == self.size:
            self._whole, self._blocks = data, OrderedDict()
        elif offset != start or len(data) != end - start:
            raise VideoError(
                "Source video cannot be decoded",
                f"asked bytes {start}-{end - 1}, got {len(data)} at {offset}",
            )
        else:
            for at in range(0, len(data), BLOCK_BYTES):
                self._blocks[(start + at) // BLOCK_BYTES] = data[at : at + BLOCK_BYTES]

    def _evict(self) -> None:
        kept = self.kept
        while kept > self._cache_bytes and self._blocks:
            _, block = self._blocks.popitem(last=False)
            kept -= len(block)


VideoBytes = bytes | RangedBytes
"""What a video source reads: its bytes in memory, or left at its origin."""
