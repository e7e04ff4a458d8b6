"""The protocol every cache tier implements (memory, Redis, and the tiered cache itself)."""

from __future__ import annotations

from typing import Protocol


class Tier(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Keep `value` for `ttl` seconds; a ttl <= 0 stores nothing."""
        ...

    async def delete(self, key: str) -> None: ...


class TimedTier(Tier, Protocol):
    async def get_with_ttl(self, key: str) -> tuple[bytes, float] | None:
        """The value and the seconds it has left, so a lower tier can fill an upper one."""
        ...
