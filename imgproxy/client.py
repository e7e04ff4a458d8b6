"""URL-signing helper for web apps: typed options in, signed imgproxy URLs and srcsets out.

Standard library only.

    builder = UrlBuilder("https://img.example.com", key="943b...", salt="520f...")
    builder.url("https://cdn.example.com/cat.jpg", width=300, height=200,
                resizing_type=ResizingType.FILL, format=ImageFormat.WEBP)
    builder.srcset("https://cdn.example.com/cat.jpg", widths=[320, 640, 1280])
    builder.url("https://cdn.example.com/cat.jpg", parse_options("rs:fill:300:200", "q:75"))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypedDict, Unpack

from imgproxy.errors import ProxyError
from imgproxy.signing import sign
from imgproxy.url.generator import generate_options, generate_path
from imgproxy.url.info_options import InfoOptions
from imgproxy.url.info_path import InfoRequest, generate_info_path
from imgproxy.url.info_rows import generate_info_options
from imgproxy.url.options import ImageFormat, ImageRequest, Options, ResizingType
from imgproxy.url.parser import PathParser

UNSIGNED = "unsafe"
INFO_PREFIX = "/info"


class InvalidOptions(ValueError):
    """Processing options that the server would refuse; the message is the server's."""


def parse_options(*segments: str, separator: str = ":") -> Options:
    """`Options` from option segments as written in URLs: `parse_options("rs:fill:300:200")`."""
    try:
        return PathParser(separator).parse("/".join([*segments, "plain", "-"])).options
    except ProxyError as error:
        raise InvalidOptions(error.message) from None


class Fields(TypedDict, total=False):
    """Shortcuts for the most used options; they override the same fields of `options`."""

    width: int
    height: int
    resizing_type: ResizingType
    dpr: float
    quality: int
    format: ImageFormat


@dataclass(frozen=True)
class UrlBuilder:
    base_url: str = ""
    key: str = ""
    """Hex, as IMGPROXY_KEY. Empty builds unsigned URLs (`/unsafe/...`)."""
    salt: str = ""
    signature_size: int = 32
    separator: str = ":"
    base64_source: bool = False
    encryption_key: str = ""
    """Hex, as IMGPROXY_SOURCE_URL_ENCRYPTION_KEY: sources go out as `/enc/...` with an IV
    derived from the URL, so one image keeps one URL (and one CDN entry). Needs the
    `cryptography` package (`pip install 'imgproxy-py[encryption]'`)."""

    @classmethod
    def from_env(cls, base_url: str = "", env: Mapping[str, str] | None = None) -> UrlBuilder:
        """Uses the first key/salt pair of IMGPROXY_KEY / IMGPROXY_SALT, as the server does."""
        env = os.environ if env is None else env
        return cls(
            base_url=base_url,
            key=env.get("IMGPROXY_KEY", "").split(",")[0].strip(),
            salt=env.get("IMGPROXY_SALT", "").split(",")[0].strip(),
            signature_size=int(env.get("IMGPROXY_SIGNATURE_SIZE", "32") or 32),
            separator=env.get("IMGPROXY_ARGUMENTS_SEPARATOR", "") or ":",
            encryption_key=env.get("IMGPROXY_SOURCE_URL_ENCRYPTION_KEY", "").strip(),
        )

    def path(self, source: str, options: Options | None = None, **fields: Unpack[Fields]) -> str:
        """The signed path (`/signature/options/source`), without the base URL."""
        chosen = replace(options or Options(), **fields)
        if self.encryption_key:
            unsigned = self._encrypted_path(chosen, source)
        else:
            unsigned = generate_path(
                ImageRequest(chosen, source), self.separator, base64=self.base64_source
            )
        return f"/{self.signature(unsigned)}{unsigned}"

    def _encrypted_path(self, options: Options, source: str) -> str:
        # Only this feature needs cryptography; the rest of the helper is standard library.
        from imgproxy.security.encryption import encode_encrypted  # noqa: PLC0415

        extension = options.format.extension if options.format and not options.raw else ""
        segments = generate_options(options, self.separator, with_format=bool(options.raw))
        encrypted = encode_encrypted(source, bytes.fromhex(self.encryption_key), extension)
        return "/" + "/".join([*segments, encrypted])

    def url(self, source: str, options: Options | None = None, **fields: Unpack[Fields]) -> str:
        return self.base_url.rstrip("/") + self.path(source, options, **fields)

    def info_url(self, source: str, options: InfoOptions | None = None) -> str:
        """The signed `/info/...` URL with these info options (imgproxy Pro's: size, format,
        dimensions, EXIF, IPTC, XMP unless turned off; colours, hashes, ... when asked)."""
        request = InfoRequest(options or InfoOptions(), source)
        if self.encryption_key:
            # Only this feature needs cryptography; the rest of the helper is standard library.
            from imgproxy.security.encryption import encode_encrypted  # noqa: PLC0415

            segments = generate_info_options(request.options, self.separator)
            encrypted = encode_encrypted(source, bytes.fromhex(self.encryption_key), "")
            unsigned = "/" + "/".join([*segments, encrypted])
        else:
            unsigned = generate_info_path(request, self.separator, base64=self.base64_source)
        return f"{self.base_url.rstrip('/')}{INFO_PREFIX}/{self.signature(unsigned)}{unsigned}"

    def signature(self, path: str) -> str:
        if not self.key:
            return UNSIGNED
        return sign(path, bytes.fromhex(self.key), bytes.fromhex(self.salt), self.signature_size)

    def srcset(
        self,
        source: str,
        widths: Sequence[int],
        options: Options | None = None,
        **fields: Unpack[Fields],
    ) -> str:
        """`url 320w, url 640w, ...`: one URL per width, other options unchanged."""
        return ", ".join(
            f"{self.url(source, options, **(fields | {'width': width}))} {width}w"
            for width in widths
        )

    def srcset_dpr(
        self,
        source: str,
        dprs: Sequence[float] = (1, 2, 3),
        options: Options | None = None,
        **fields: Unpack[Fields],
    ) -> str:
        """`url 1x, url 2x, ...`: one URL per device pixel ratio."""
        return ", ".join(
            f"{self.url(source, options, **(fields | {'dpr': float(dpr)}))} {dpr:g}x"
            for dpr in dprs
        )
