"""URL signatures: base64url_nopad(HMAC-SHA256(key, salt + path)[:size]). Standard library only."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from imgproxy.errors import InvalidSignature, MissingSignature

UNSIGNED_MARKERS = frozenset({"unsafe", "insecure", "_"})
"""Signature segments that mean "no signature" (what clients write when signing is off)."""

SIGNATURE_LOOKS_LIKE_OPTION = (
    "The signature appears to be a processing option: the path must start with a signature "
    "segment (any value such as 'unsafe' or '_' when signing is off), then the options"
)


class SigningKeyError(ValueError):
    """Keys and salts that cannot sign: not hex, or not in pairs. The message is one line."""


def read_key_pairs(
    keys: str, salts: str, names: tuple[str, str] = ("IMGPROXY_KEY", "IMGPROXY_SALT")
) -> list[tuple[bytes, bytes]]:
    """Comma-separated hex keys and salts, paired in order, as the server reads them.
    `names` are what the error messages call the two values."""
    key_list, salt_list = read_hex(names[0], keys), read_hex(names[1], salts)
    if len(key_list) == len(salt_list):
        return list(zip(key_list, salt_list, strict=True))
    if not salt_list or not key_list:
        given, missing = names if key_list else names[::-1]
        raise SigningKeyError(f"{given} is set but {missing} is not: each key needs its salt")
    raise SigningKeyError(
        f"{names[0]} has {len(key_list)} entries but {names[1]} has {len(salt_list)}: "
        "they are used in pairs"
    )


def read_hex(name: str, raw: str) -> list[bytes]:
    try:
        return [bytes.fromhex(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise SigningKeyError(f"{name} must be hex (digits 0-9 and a-f, two per byte)") from None


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
        """Raise `InvalidSignature` unless `signature` matches `path` under some pair;
        `MissingSignature` when the path was written for signing turned off."""
        if not self.enabled:
            if ":" in signature:
                raise InvalidSignature(SIGNATURE_LOOKS_LIKE_OPTION)
            return
        if self.is_trusted(signature):
            return
        if signature in UNSIGNED_MARKERS:
            raise MissingSignature(detail=f"Signing is on but the signature is {signature!r}")
        if ":" in signature or signature == "plain":
            raise MissingSignature(detail=f"The path starts with {signature!r}, not a signature")
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
