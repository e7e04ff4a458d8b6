"""Response headers that steer CDNs and browsers: Cache-Control, ETag, Vary."""

from __future__ import annotations

import base64
import hashlib

# Served with every image, as imgproxy does: an SVG opened directly can run nothing.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def etag_of(data: bytes) -> str:
    """A strong validator for one result's bytes."""
    digest = hashlib.sha256(data).digest()[:18]
    return '"' + base64.urlsafe_b64encode(digest).decode("ascii") + '"'


def cache_control(ttl: int, expires: int | None, now: float) -> str:
    """`max-age=TTL, public`, capped by the URL's `expires`; `no-cache` once nothing is left."""
    max_age = ttl if expires is None else min(ttl, int(expires - now))
    return f"max-age={max_age}, public" if max_age > 0 else "no-cache"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def success_headers(
    *, media_type: str, etag: str | None, cache_control_value: str, vary: bool, disposition: str
) -> dict[str, str]:
    headers = {
        "Content-Type": media_type,
        "Cache-Control": cache_control_value,
        "Content-Disposition": disposition,
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
    }
    if etag:
        headers["ETag"] = etag
    if vary:
        headers["Vary"] = "Accept"
    return headers


def error_headers(retry_after: int | None) -> dict[str, str]:
    """Errors are never stored by shared caches."""
    headers = {"Cache-Control": "no-store"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers
