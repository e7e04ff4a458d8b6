"""Decoding and encoding of the source-URL part of a path (plain or base64url), and the
server-side rewriting of decoded sources (IMGPROXY_URL_REPLACEMENTS, IMGPROXY_BASE_URL)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from imgproxy.errors import InvalidPath
from imgproxy.url.args import ArgumentError, expected, shown

PLAIN_MARKER = "plain"
PLAIN_SAFE = "/:=&,;+!$'()*~"
HOSTED_SCHEMES = frozenset({"http", "https"})
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def decode_plain(segments: list[str]) -> tuple[str, str]:
    """`segments` follow `plain/`; returns (source, extension or '')."""
    joined = "/".join(segments)
    source, *extensions = joined.split("@")
    if len(extensions) > 1:
        raise ArgumentError(f"Multiple formats are specified: {shown(joined)}")
    if BAD_ESCAPE.search(source):
        raise ArgumentError(f"Invalid percent-encoding in source URL: {shown(source)}")
    try:
        decoded = unquote(source, errors="strict") if source else ""
    except UnicodeDecodeError:
        raise ArgumentError(f"Invalid percent-encoding in source URL: {shown(source)}") from None
    return _nonempty(decoded), extensions[0] if extensions else ""


def decode_base64(segments: list[str]) -> tuple[str, str]:
    joined = "".join(segments)
    encoded, *extensions = joined.split(".")
    if len(extensions) > 1:
        raise ArgumentError(f"Multiple formats are specified: {shown(joined)}")
    encoded = encoded.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if re.search(r"[^A-Za-z0-9_-]", encoded):
            raise binascii.Error
        decoded = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ArgumentError(f"Invalid base64url source URL: {shown(encoded)}") from None
    return _nonempty(decoded), extensions[0] if extensions else ""


def check_source_url(source: str) -> str:
    """`source`, when its host and port can be read (brackets close around an IPv6 address,
    the port is a number 0..65535) and an http(s) URL has a host. Everything that splits a
    source later relies on this."""
    unreadable = expected("a URL with a valid host and port", "source URL", source)
    try:
        parts = urlsplit(source)
        parts.port  # noqa: B018 (reading the port is the check)
    except ValueError:
        raise unreadable from None
    if parts.scheme.lower() in HOSTED_SCHEMES and not parts.hostname:
        raise unreadable
    return source


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


WILDCARD_REFERENCE = re.compile(r"\$\{(\d+)\}")


@dataclass(frozen=True)
class UrlReplacement:
    """One IMGPROXY_URL_REPLACEMENTS rule: a source prefix where `*` matches anything but `/`,
    and its replacement, where `${N}` is the Nth wildcard's text."""

    pattern: str
    replacement: str

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + "([^/]*)".join(re.escape(part) for part in self.pattern.split("*")))

    def apply(self, source: str) -> str:
        def expand(match: re.Match[str]) -> str:
            def wildcard(reference: re.Match[str]) -> str:
                number = int(reference.group(1))
                return (match.group(number) or "") if 0 < number <= len(match.groups()) else ""

            return WILDCARD_REFERENCE.sub(wildcard, self.replacement)

        return self.regex.sub(expand, source, count=1)


@dataclass(frozen=True)
class SourceRewriter:
    """What the server does to every decoded source before fetching it: the replacements in
    order, then `base_url` prefixed unless the source already starts with it, then the check
    that the result can be split."""

    base_url: str = ""
    replacements: tuple[UrlReplacement, ...] = ()

    def rewrite(self, source: str) -> str:
        """The source to fetch; InvalidPath when it fails `check_source_url`."""
        for replacement in self.replacements:
            source = replacement.apply(source)
        if self.base_url and not source.startswith(self.base_url):
            source = self.base_url + source
        try:
            return check_source_url(source)
        except ArgumentError as error:
            raise InvalidPath(str(error)) from None


def parse_url_replacements(raw: str) -> tuple[UrlReplacement, ...]:
    """`pattern=replacement;pattern=replacement`; raises ValueError on a pair without `=`."""
    rules = []
    for pair in filter(None, (part.strip() for part in raw.split(";"))):
        pattern, equals, replacement = pair.partition("=")
        if not equals or not pattern:
            raise ValueError(f"Expected pattern=replacement but received {pair!r}")
        rules.append(UrlReplacement(pattern, replacement))
    return tuple(rules)
