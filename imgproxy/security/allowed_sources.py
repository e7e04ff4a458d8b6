"""IMGPROXY_ALLOWED_SOURCES: source URLs must start with one of a list of prefixes.

A prefix is matched against the *canonical* form of the URL, built with the same parser the
http origin fetches with (`httpx.URL`), so what is checked is what is fetched:
`scheme://host[:port]/path[?query]` with scheme and host lower-cased, the host percent-decoded,
IDNA-encoded and without its trailing dot, IP spellings (`2130706433`, `0x7f.1`) written as
dotted quads, default ports dropped, the fragment dropped.

Refused outright, since they are how prefixes get fooled: userinfo (`http://good.com@evil.com/`,
`http://good.com%2F@evil.com/`, `http://good.com\\@evil.com/`), hosts that are neither a DNS
name nor an IP literal, URLs without a scheme and http(s) URLs without a host, and any `.`/`..`
path segment, plain or hidden by percent-encoding or backslashes (`/public/%2e%2e/secret`):
no origin should see a path that means something else than the string that was matched.

In a prefix, `*` matches anything except `/`. A prefix that ends inside the host
(`http://good.com`, no trailing slash) only matches at a host boundary, so it does not match
`http://good.com.evil.com/` (imgproxy's docs warn about exactly that footgun).
An empty list allows every source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

import httpx

from imgproxy.errors import SourceNotAllowed
from imgproxy.security.addresses import is_plain_hostname, parse_host_ip

NOT_ALLOWED = "Source is not allowed"
DEFAULT_PORTS = {"http": 80, "https": 443}
HOSTED_SCHEMES = frozenset(DEFAULT_PORTS)
AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/]*)(.*)$", re.DOTALL)


def _refuse(url: str, why: str) -> SourceNotAllowed:
    return SourceNotAllowed(NOT_ALLOWED, detail=f"{url!r}: {why}")


def _canonical_host(raw: str, url: str) -> str:
    try:
        host = unquote(raw, errors="strict").lower()
    except UnicodeDecodeError:
        raise _refuse(url, "host is not valid percent-encoded UTF-8") from None
    if not host:
        return ""
    address = parse_host_ip(host)
    if address is not None:
        return f"[{address}]" if address.version == 6 else str(address)
    if not is_plain_hostname(host):
        raise _refuse(url, f"host {host!r} is not a DNS name or an IP address")
    return host.removesuffix(".")


def _check_segments(path: str, url: str) -> None:
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise _refuse(url, "path is not valid percent-encoded UTF-8") from None
    if any(part in (".", "..") for part in re.split(r"[/\\]", decoded)):
        raise _refuse(url, "path has dot segments")


def canonical_url(url: str) -> str:
    """`url` in the form prefixes are matched against; raises `SourceNotAllowed` for URLs that
    cannot be matched safely."""
    try:
        parsed = httpx.URL(url)
        split = urlsplit(url)  # the raw parts, before httpx resolves dot segments
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise _refuse(url, f"unparsable: {error}") from None
    if not parsed.scheme:
        raise _refuse(url, "no scheme")
    if parsed.userinfo or "@" in split.netloc:
        raise _refuse(url, "userinfo is not allowed in source URLs")
    host = _canonical_host(parsed.raw_host.decode("ascii"), url)
    if not host and parsed.scheme in HOSTED_SCHEMES:
        raise _refuse(url, "no host")
    _check_segments(split.path, url)
    default = parsed.port in (None, DEFAULT_PORTS.get(parsed.scheme))
    port = "" if default else f":{parsed.port}"
    return f"{parsed.scheme}://{host}{port}{parsed.raw_path.decode('ascii')}"


def _canonical_prefix(prefix: str) -> str:
    match = AUTHORITY.match(prefix.strip())
    if match is None:
        return prefix.strip()
    scheme, authority, rest = match.groups()
    scheme, authority = scheme.lower(), authority.lower()
    host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    if port == str(DEFAULT_PORTS.get(scheme.removesuffix("://"), "")):
        authority = host
    return f"{scheme}{authority}{rest}"


def compile_prefix(prefix: str) -> re.Pattern[str]:
    """The anchored regex of one prefix: `*` is `[^/]*`, everything else literal."""
    canonical = _canonical_prefix(prefix)
    pattern = "^" + "[^/]*".join(re.escape(part) for part in canonical.split("*"))
    match = AUTHORITY.match(canonical)
    if match is not None and not match.group(3):  # the prefix ends inside the authority
        pattern += "(?=[:/?]|$)"
    return re.compile(pattern, re.DOTALL)


class AllowedSources:
    def __init__(self, prefixes: Iterable[str] = ()) -> None:
        self.prefixes = tuple(prefix for prefix in prefixes if prefix.strip())
        self.patterns = tuple(compile_prefix(prefix) for prefix in self.prefixes)

    @property
    def enabled(self) -> bool:
        return bool(self.patterns)

    def check(self, url: str) -> None:
        """Raise `SourceNotAllowed("Source is not allowed")` unless `url` starts with a
        prefix (every URL passes when the list is empty)."""
        if not self.patterns:
            return
        canonical = canonical_url(url)
        if not any(pattern.match(canonical) for pattern in self.patterns):
            raise _refuse(url, f"{canonical} matches no allowed prefix")
