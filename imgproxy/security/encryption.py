"""Encrypted source URLs, compatible with imgproxy Pro's `/enc/` segment.

token = base64url_nopad(IV || AES-CBC(key, IV, PKCS#7(url))), with AES-128/192/256 chosen by
the key length (16/24/32 bytes). Every failure to decrypt raises the same
`InvalidPath("Invalid encrypted source URL")`, whatever went wrong (alphabet, length, padding,
UTF-8), so the response is no padding oracle. Encrypted URLs should still always be signed.

Encryption picks a deterministic IV unless one is given: HMAC-SHA256(iv_key or key, url)[:16],
so one URL always gives one token and CDN caches keep working.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from imgproxy.errors import InvalidPath
from imgproxy.security.encryption_key import check_key

ENCRYPTED_MARKER = "enc"
IV_SIZE = 16
BLOCK_BITS = 128
INVALID = "Invalid encrypted source URL"
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _invalid(why: str) -> InvalidPath:
    return InvalidPath(INVALID, detail=f"{INVALID}: {why}")


def decrypt_source(encoded: str, key: bytes) -> str:
    """The source URL inside `encoded` (base64url, padding optional, already joined)."""
    check_key(key)
    text = encoded.rstrip("=")
    if not BASE64URL.fullmatch(text):
        raise _invalid("not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _invalid("not base64url") from None
    if len(raw) < 2 * IV_SIZE or len(raw) % IV_SIZE:
        raise _invalid(f"{len(raw)} bytes is no IV plus whole blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:IV_SIZE])).decryptor()
    padded = decryptor.update(raw[IV_SIZE:]) + decryptor.finalize()
    try:
        unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
        url = (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        url = ""
    if not url:
        raise _invalid("does not decrypt")  # one reason for padding, UTF-8 and empty alike
    return url


def derive_iv(url: str, key: bytes) -> bytes:
    return hmac.new(key, url.encode("utf-8"), hashlib.sha256).digest()[:IV_SIZE]


def encrypt_source(
    url: str, key: bytes, iv: bytes | None = None, *, iv_key: bytes | None = None
) -> str:
    """base64url_nopad(IV || AES-CBC(key, IV, PKCS#7(url)))."""
    check_key(key)
    if iv is None:
        iv = derive_iv(url, iv_key or key)
    if len(iv) != IV_SIZE:
        raise ValueError(f"Expected a {IV_SIZE} byte IV but received {len(iv)} bytes")
    padder = padding.PKCS7(BLOCK_BITS).padder()
    padded = padder.update(url.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = iv + encryptor.update(padded) + encryptor.finalize()
    return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def decode_encrypted(segments: list[str], key: bytes) -> tuple[str, str]:
    """`segments` follow `enc/`; returns (source, extension or ''), like `decode_base64`."""
    joined = "".join(segments)
    encoded, *extensions = joined.split(".")
    if len(extensions) > 1:
        raise InvalidPath(f"Multiple formats are specified: {joined}")
    return decrypt_source(encoded, key), extensions[0] if extensions else ""


def encode_encrypted(
    source: str, key: bytes, extension: str = "", *, iv_key: bytes | None = None
) -> str:
    """The URL part `enc/<token>[.ext]` for `source` (deterministic IV)."""
    suffix = f".{extension}" if extension else ""
    return f"{ENCRYPTED_MARKER}/{encrypt_source(source, key, iv_key=iv_key)}{suffix}"
