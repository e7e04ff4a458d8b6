"""Decoding and encoding of the source-URL part of a path (plain or base64url)."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, unquote

from imgproxy.url.args import ArgumentError

PLAIN_MARKER = "plain"
PLAIN_SAFE = "/:=&,;+!$'()*~"
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def decode_plain(segments: list[str]) -> tuple[str, str]:
    """`segments` follow `plain/`; returns (source, extension or '')."""
    joined = "/".join(segments)
    source, *extensions = joined.split("@")
    if len(extensions) > 1:
        raise ArgumentError(f"Multiple formats are specified: {joined}")
    if BAD_ESCAPE.search(source):
        raise ArgumentError(f"Invalid percent-encoding in source URL: {source}")
    try:
        decoded = unquote(source, errors="strict") if source else ""
    except UnicodeDecodeError:
        raise ArgumentError(f"Invalid percent-encoding in source URL: {source}") from None
    return _nonempty(decoded), extensions[0] if extensions else ""


def decode_base64(segments: list[str]) -> tuple[str, str]:
    joined = "".join(segments)
    encoded, *extensions = joined.split(".")
    if len(extensions) > 1:
        raise ArgumentError(f"Multiple formats are specified: {joined}")
    encoded = encoded.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if re.search(r"[^A-Za-z0-9_-]", encoded):
            raise binascii.Error
        decoded = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ArgumentError(f"Invalid base64url source URL: {encoded}") from None
    return _nonempty(decoded), extensions[0] if extensions else ""


def _nonempty(source: str) -> str:
    if not source:
        raise ArgumentError("Image URL is empty")
    return source


def encode_plain(source: str, extension: str = "") -> str:
    suffix = f"@{extension}" if extension else ""
    return f"{PLAIN_MARKER}/{quote(source, safe=PLAIN_SAFE)}{suffix}"


def encode_base64(source: str, extension: str = "") -> str:
    encoded = base64.urlsafe_b64encode(source.encode("utf-8")).decode("ascii").rstrip("=")
    suffix = f".{extension}" if extension else ""
    return f"{encoded}{suffix}"
