"""The source URL encryption key's check, apart from the cipher so that start-up checks the
key without loading `cryptography`."""

from __future__ import annotations

KEY_SIZES = (16, 24, 32)


def check_key(key: bytes) -> None:
    """Raise ValueError (a configuration error, for start-up) unless `key` fits AES."""
    if len(key) not in KEY_SIZES:
        raise ValueError(
            f"Expected a 16, 24 or 32 byte source URL encryption key but received {len(key)} bytes"
        )
