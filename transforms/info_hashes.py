"""Hashes `/info` answers: hashsums of the source's bytes, its ThumbHash and a perceptual hash."""

from __future__ import annotations

import hashlib
import math
from functools import cache

from imgproxy.errors import SourceHashsumMismatch
from imgproxy.url.hashsums import ExpectedHashsum, Hashsum

PHASH_SIDE = 32
PHASH_BITS_SIDE = 8


def hashsums(data: bytes, kinds: tuple[Hashsum, ...]) -> dict[str, str]:
    return {kind.value: hashlib.new(kind.value, data).hexdigest() for kind in kinds}


def check_hashsum(data: bytes, expected: ExpectedHashsum) -> None:
    """A 422 when the source is not what the URL says it is."""
    found = hashlib.new(expected.type.value, data).hexdigest()
    if found != expected.value:
        raise SourceHashsumMismatch(
            detail=f"{expected.type.value} {found}, expected {expected.value}"
        )


def thumb_hash(rgba: bytes, width: int, height: int) -> str:
    """ThumbHash of an 8-bit RGBA image of at most 100x100, as upper-case hex (as Pro)."""
    # Only this answer needs the encoder (`thash`, the maintained ThumbHash port).
    import thash  # noqa: PLC0415

    return bytes(thash.rgba_to_thumb_hash(width, height, list(rgba))).hex().upper()


def perceptual_hash(grey: bytes) -> str:
    """64-bit DCT hash of a 32x32 8-bit grey image, as 16 hex digits: the lowest 8x8
    frequencies of its 2-D DCT-II, each bit set when above their median."""
    rows = [grey[row * PHASH_SIDE : (row + 1) * PHASH_SIDE] for row in range(PHASH_SIDE)]
    basis = _cosines()
    by_row = [
        [sum(value * weight for value, weight in zip(row, k, strict=True)) for k in basis]
        for row in rows
    ]
    low = [
        sum(by_row[y][u] * basis[v][y] for y in range(PHASH_SIDE))
        for v in range(PHASH_BITS_SIDE)
        for u in range(PHASH_BITS_SIDE)
    ]
    median = sorted(low)[len(low) // 2 - 1 : len(low) // 2 + 1]
    threshold = sum(median) / 2
    bits = "".join("1" if value > threshold else "0" for value in low)
    return f"{int(bits, 2):016x}"


@cache
def _cosines() -> list[list[float]]:
    """cos(pi * k * (2n + 1) / 2N) for the first 8 frequencies k, at every sample n."""
    side = PHASH_SIDE
    return [
        [math.cos(math.pi * k * (2 * n + 1) / (2 * side)) for n in range(side)]
        for k in range(PHASH_BITS_SIDE)
    ]
