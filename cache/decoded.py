"""Records decoded once per stored blob: an L1 hit hands back the very bytes object it was
given, so the record decoded from it last time is still the right one. Bounded in bytes, as
a remembered blob may outlive its place in L1."""

from __future__ import annotations

from cachetools import LRUCache

from cache.record import CachedVariant, try_decode

DECODED_BYTES = 16 * 1024 * 1024


def _size(entry: tuple[bytes, CachedVariant]) -> float:
    blob, variant = entry
    return len(blob) + len(variant.data)


class DecodedRecords:
    def __init__(self, max_bytes: int = DECODED_BYTES) -> None:
        self.max_bytes = max_bytes
        self._by_key: LRUCache[str, tuple[bytes, CachedVariant]] = LRUCache(
            maxsize=max(max_bytes, 1), getsizeof=_size
        )
        self._last: tuple[bytes, CachedVariant] | None = None

    def decode(self, blob: bytes | None, key: str | None = None) -> CachedVariant | None:
        """`try_decode(blob)`, from memory when `blob` is the very object seen last for `key`
        (or last of all)."""
        if blob is None:
            return None
        if key is not None:
            found = self._by_key.get(key)
            if found is not None and found[0] is blob:
                return found[1]
        last = self._last
        if last is not None and last[0] is blob:
            variant = last[1]
        else:
            decoded = try_decode(blob)
            if decoded is None:
                return None
            variant = decoded
            self._last = (blob, variant)
        if key is not None:
            self._remember(key, (blob, variant))
        return variant

    def _remember(self, key: str, entry: tuple[bytes, CachedVariant]) -> None:
        if _size(entry) > self.max_bytes:
            self._by_key.pop(key, None)
        else:
            self._by_key[key] = entry
