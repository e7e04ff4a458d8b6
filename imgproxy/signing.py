"""URL signatures: base64url_nopad(HMAC-SHA256(key, salt + path)[:size]). Standard library only."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from imgproxy.errors import InvalidSignature

SIGNATURE_LOOKS_LIKE_OPTION = (
    "The signature appears to be a processing option: the path must start with a signature "
    "segment (any value such as 'unsafe' or '_' when signing is off), then the options"
)


def sign(path: str, key: bytes, salt: bytes, size: int = 32) -> str:
    """Signature of `path` (everything after the signature segment, leading '/' included)."""
    digest = hmac.new(key, salt + path.encode("utf-8"), hashlib.sha256).digest()[:size]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Verifier:
    """Checks signatures against every key/salt pair (so keys can rotate without downtime)."""

    keys: Sequence[bytes] = ()
    salts: Sequence[bytes] = ()
    size: int = 32
    trusted: Sequence[str] = ()
    """Signatures accepted as they are, without checking (IMGPROXY_TRUSTED_SIGNATURES)."""

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def verify(self, signature: str, path: str) -> None:
        """Raise `InvalidSignature` unless `signature` matches `path` under some pair."""
        if not self.enabled:
            if ":" in signature:
                raise InvalidSignature(SIGNATURE_LOOKS_LIKE_OPTION)
            return
        if self.is_trusted(signature):
            return
        if "=" in signature:
            raise InvalidSignature(detail="Invalid signature encoding: padding is not allowed")
        try:
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        except (binascii.Error, ValueError):
            raise InvalidSignature(detail="Invalid signature encoding") from None
        if base64.urlsafe_b64encode(given).decode("ascii").rstrip("=") != signature:
            raise InvalidSignature(detail="Invalid signature encoding: not canonical base64url")
        message = path.encode("utf-8")
        matched = False
        for key, salt in zip(self.keys, self.salts, strict=True):
            expected = hmac.new(key, salt + message, hashlib.sha256).digest()[: self.size]
            matched |= hmac.compare_digest(given, expected)
        if not matched:
            raise InvalidSignature(detail=f"Invalid signature for {path}")

    def is_trusted(self, signature: str) -> bool:
        given = signature.encode("utf-8")
        return any(hmac.compare_digest(given, known.encode("utf-8")) for known in self.trusted)
