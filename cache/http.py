"""Response headers that steer CDNs and browsers: Cache-Control, validators, Vary, purge keys
and cache tags."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

# Served with every image, as imgproxy does: an SVG opened directly can run nothing.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@dataclass(frozen=True)
class CachePolicy:
    ttl: int = 31_536_000
    stale_while_revalidate: int = 86_400
    stale_if_error: int = 604_800
    not_found_ttl: int = 60


def digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\0")
    return base64.urlsafe_b64encode(hasher.digest()[:18]).decode("ascii")


def etag_of(data: bytes) -> str:
    """A strong validator for bytes served as they are."""
    return f'"{digest(data)}"'


def variant_etag(variant_key: str, source_validator: str) -> str:
    """Changes with the options, the requested format, the settings and the source."""
    return f'"{digest(variant_key, source_validator)}"'


def cache_control(policy: CachePolicy, expires: int | None, now: float) -> str:
    """`public, max-age=TTL` plus the stale allowances, capped by the URL's `expires`."""
    max_age = policy.ttl if expires is None else min(policy.ttl, int(expires - now))
    if max_age <= 0:
        return "no-cache"
    parts = [f"public, max-age={max_age}"]
    if policy.stale_while_revalidate and expires is None:
        parts.append(f"stale-while-revalidate={policy.stale_while_revalidate}")
    if policy.stale_if_error and expires is None:
        parts.append(f"stale-if-error={policy.stale_if_error}")
    return ", ".join(parts)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def not_modified_since(if_modified_since: str | None, last_modified: str | None) -> bool:
    if not if_modified_since or not last_modified:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Conditions:
    """A request's validators (RFC 9110 §13: If-None-Match wins over If-Modified-Since)."""

    if_none_match: str | None = None
    if_modified_since: str | None = None

    @property
    def present(self) -> bool:
        return self.if_none_match is not None or self.if_modified_since is not None

    def satisfied_by(self, etag: str, last_modified: str | None) -> bool:
        if self.if_none_match is not None:
            return etag_matches(self.if_none_match, etag)
        return not_modified_since(self.if_modified_since, last_modified)


TAG_HEADERS: dict[str, tuple[str, ...]] = {
    "all": ("Cache-Tag", "x-amz-meta-cache-tag"),
    "cloudflare": ("Cache-Tag",),
    "cloudfront": ("x-amz-meta-cache-tag",),
    "none": (),
}
"""IMGPROXY_CACHE_TAGS_FORMAT: the comma-separated tag headers each CDN reads."""


def tag_headers(
    surrogate_key: str, cache_tags: Sequence[str] = (), tags_format: str = "all"
) -> dict[str, str]:
    """`Surrogate-Key` (Fastly, Varnish: space-separated) always, then the tag headers of
    `tags_format`: the source's key first, then the URL's `cache_tags`."""
    tags = [surrogate_key, *cache_tags]
    headers = {"Surrogate-Key": " ".join(tags)}
    for name in TAG_HEADERS[tags_format]:
        headers[name] = ",".join(tags)
    return headers


def success_headers(
    *,
    media_type: str,
    etag: str | None,
    cache_control_value: str,
    vary: Sequence[str],
    disposition: str,
    last_modified: str | None = None,
    surrogate_key: str | None = None,
    cache_tags: Sequence[str] = (),
    tags_format: str = "all",
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
    if last_modified:
        headers["Last-Modified"] = last_modified
    if vary:
        headers["Vary"] = ", ".join(vary)
    if surrogate_key:
        headers.update(tag_headers(surrogate_key, cache_tags, tags_format))
    return headers


def passthrough_cache_control(
    cache_control_header: str | None, expires_header: str | None, now: float
) -> str | None:
    """IMGPROXY_CACHE_CONTROL_PASSTHROUGH: the origin's Cache-Control as it is, else its
    Expires as the seconds left; None when it sent neither (or an unreadable date)."""
    if cache_control_header:
        return cache_control_header
    if not expires_header:
        return None
    try:
        expires = parsedate_to_datetime(expires_header)
    except (TypeError, ValueError):
        return None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    left = int(expires.timestamp() - now)
    return f"public, max-age={left}" if left > 0 else "no-cache"


def error_headers(status: int, retry_after: int | None, policy: CachePolicy) -> dict[str, str]:
    """Errors are not stored by shared caches, but a missing source may be, briefly."""
    if status == 404 and policy.not_found_ttl > 0:
        headers = {"Cache-Control": f"max-age={policy.not_found_ttl}"}
    else:
        headers = {"Cache-Control": "no-store"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers
