"""Path grammar: `/{signature}/{options...}/{plain/source@ext | base64source.ext}`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from imgproxy.errors import ExpiredURL, Forbidden, InvalidOption, InvalidPath
from imgproxy.url.args import ArgumentError, shown
from imgproxy.url.delivery_options import read_format
from imgproxy.url.effect_options import REFUSED_OPTIONS
from imgproxy.url.geometry_options import RESIZING_TYPES
from imgproxy.url.options import ImageRequest
from imgproxy.url.pipelines import PIPELINE_SEPARATOR, Chain
from imgproxy.url.presets import Preset, RawOption, split_options
from imgproxy.url.registry import BY_NAME, PRESET_OPTIONS, SECURITY_OPTIONS
from imgproxy.url.source import PLAIN_MARKER, decode_base64, decode_plain

ENCRYPTED_MARKER = "enc"
COLLAPSED_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):/([^/])")


def split_signature(path: str) -> tuple[str, str]:
    """Split a request path into (signature, rest); `rest` has no leading slash."""
    signature, _, rest = path.removeprefix("/").partition("/")
    if not signature or not rest:
        raise InvalidPath("Invalid URL", detail=f"Path has no signature or no options: {path}")
    return signature, redenormalize(rest)


def redenormalize(path: str) -> str:
    """Undo what CDNs, proxies and frameworks do to paths, before the signature check."""
    if path.startswith(f"{PLAIN_MARKER}/"):
        options, plain, has_plain = "", path[len(PLAIN_MARKER) + 1 :], True
    else:
        options, marker, plain = path.partition(f"/{PLAIN_MARKER}/")
        has_plain = bool(marker)
    options = options.replace("%3A", ":").replace("%3a", ":")
    if not has_plain:
        return options
    match = COLLAPSED_SCHEME.match(plain)
    if match:
        slashes = "///" if match.group(1) == "local" else "//"
        plain = f"{match.group(1)}:{slashes}{match.group(2)}{plain[match.end() :]}"
    return f"{options}/{PLAIN_MARKER}/{plain}".lstrip("/")


@dataclass(frozen=True)
class PathParser:
    """Turns the path after the signature into an `ImageRequest`."""

    separator: str = ":"
    presets: Mapping[str, Preset] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    allow_security_options: bool = False
    allow_bypass_cache: bool = False
    """IMGPROXY_ALLOW_BYPASS_CACHE: otherwise `bypass_cache:1` is refused, even in a preset."""
    max_chained_pipelines: int = 0
    """IMGPROXY_MAX_CHAINED_PIPELINES: pipelines a URL may make (0: any number)."""
    allowed_options: frozenset[str] | None = None
    """None allows every option; presets are exempt either way."""
    only_presets: bool = False
    encryption_key: bytes | None = None
    """Enables `/enc/` sources (AES-CBC, imgproxy's format)."""

    def parse(self, path: str) -> ImageRequest:
        segments = path.lstrip("/").split("/")
        chain = Chain()
        if "default" in self.presets:
            self.read_preset(chain, "default")
        if self.only_presets:
            names = segments[0].split(self.separator) if segments[0] else []
            self.read_all(chain, [("preset", tuple(names))], used=(), checked=False)
            rest = segments[1:]
        else:
            if segments[0] in RESIZING_TYPES:
                raise InvalidPath("The basic URL format is not supported; use processing options")
            raw_options, rest = split_options(segments, self.separator)
            self.check_pipelines(raw_options)
            self.read_all(chain, raw_options, used=(), checked=True)
        options = chain.joined()
        if options.bypass_cache and not self.allow_bypass_cache:
            raise Forbidden("Option bypass_cache is not allowed")
        if not rest:
            raise InvalidPath("Image URL is empty")
        try:
            if rest[0] == PLAIN_MARKER and len(rest) > 1:
                source, extension = decode_plain(rest[1:])
            elif rest[0] == ENCRYPTED_MARKER and len(rest) > 1:
                if not self.encryption_key:
                    raise InvalidPath("Encrypted source URLs are not enabled")
                # cryptography is a server dependency; the signing helper never gets here.
                from imgproxy.security.encryption import decode_encrypted  # noqa: PLC0415

                source, extension = decode_encrypted(rest[1:], self.encryption_key)
            else:
                source, extension = decode_base64(rest)
            if extension and not options.raw:
                options = read_format(options, [extension])
        except ArgumentError as error:
            raise InvalidPath(str(error)) from None
        if options.expires is not None and options.expires < self.clock():
            raise ExpiredURL()
        return ImageRequest(options, source)

    def check_pipelines(self, raw: Sequence[RawOption]) -> None:
        """IMGPROXY_MAX_CHAINED_PIPELINES, on the URL's own pipelines (presets' are free)."""
        limit = self.max_chained_pipelines
        count = 1 + sum(name == PIPELINE_SEPARATOR for name, _ in raw)
        if limit and count > limit:
            raise InvalidOption(
                f"Expected at most {limit} chained pipelines (IMGPROXY_MAX_CHAINED_PIPELINES) "
                f"but received {count}"
            )

    def read_all(
        self, chain: Chain, raw: Sequence[RawOption], used: tuple[str, ...], checked: bool
    ) -> None:
        """Reads `raw` into the chain's current pipeline, moving on at each `-`."""
        for name, values in raw:
            if name == PIPELINE_SEPARATOR:
                chain.next_pipeline()
                continue
            if checked and self.allowed_options is not None and name not in self.allowed_options:
                raise Forbidden(f"Option not allowed: {shown(name)}")
            if name in PRESET_OPTIONS:
                for preset in values:
                    self.read_preset(chain, preset, used)
                continue
            if name in SECURITY_OPTIONS and not self.allow_security_options:
                raise Forbidden(f"Security option {shown(name)} is not allowed")
            row = BY_NAME.get(name)
            if row is None or row.read is None:
                refused = REFUSED_OPTIONS.get(name)
                raise InvalidOption(refused or f"Unknown option: {shown(name)}")
            try:
                chain.current = row.read(chain.current, list(values))
            except ArgumentError as error:
                raise InvalidOption(str(error)) from None

    def read_preset(self, chain: Chain, name: str, used: tuple[str, ...] = ()) -> None:
        """A preset applies to the pipeline it stands in; pipelines it chains merge into the
        URL's next ones, and the URL goes on in the pipeline where the preset stood."""
        if name not in self.presets:
            raise InvalidOption(f"Unknown preset: {shown(name)}")
        if name in used:
            return
        at = chain.at
        self.read_all(chain, self.presets[name], (*used, name), checked=False)
        chain.at = at

    def validate_presets(self) -> None:
        """Read every preset once so a bad one stops the server at start, not a request."""
        for name in self.presets:
            self.read_preset(Chain(), name)
