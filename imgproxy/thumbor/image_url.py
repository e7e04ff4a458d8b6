"""The image part of a thumbor path as a source URL: `host/path` (http), `http://host/path`,
`http%3A%2F%2Fhost%2Fpath`, or any enabled scheme such as `local:///file.jpg`."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from imgproxy.errors import InvalidPath
from imgproxy.url.args import ArgumentError
from imgproxy.url.source import check_source_url

ENCODED_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,15}%3[Aa]")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,15}):(/*)")


def source_url(image: str) -> str:
    source = _normalized(image)
    if _hostless(source):
        raise InvalidPath("Image URL has no host", detail=f"image URL {image!r}")
    try:
        return check_source_url(source)
    except ArgumentError as error:
        raise InvalidPath(str(error)) from None


def _hostless(source: str) -> bool:
    try:
        parts = urlsplit(source)
    except ValueError:
        return False  # unreadable, which `check_source_url` says
    return parts.scheme in ("http", "https") and not parts.hostname


def _normalized(image: str) -> str:
    if ENCODED_SCHEME.match(image):
        image = unquote(image)
    match = SCHEME.match(image)
    if match is None:
        return "http://" + image
    scheme, slashes = match.group(1).lower(), match.group(2)
    rest = image[match.end() :]
    if not rest:
        raise InvalidPath("Image URL is empty")
    if scheme == "local":
        return "local:///" + rest
    if not slashes:
        return "http://" + image  # `host:port/path`
    return f"{scheme}://{rest}"
