"""`/info` path grammar: `{info_options...}/{plain/source | base64source | enc/encrypted}`, the
path after the signature, as imgproxy Pro reads it. Standard library only."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from imgproxy.errors import ExpiredURL, Forbidden, InvalidOption, InvalidPath
from imgproxy.url.args import ArgumentError, shown
from imgproxy.url.info_options import DEFAULT_INFO_OPTIONS, InfoOptions
from imgproxy.url.info_rows import (
    INFO_PRESET_OPTIONS,
    INFO_SECURITY_OPTIONS,
    generate_info_options,
    read_info_option,
)
from imgproxy.url.presets import Preset, RawOption, split_options
from imgproxy.url.source import (
    PLAIN_MARKER,
    decode_base64,
    decode_plain,
    encode_base64,
    encode_plain,
)

ENCRYPTED_MARKER = "enc"


@dataclass(frozen=True)
class InfoRequest:
    """A parsed `/info` path: what to report (`options`) about which original (`source`)."""

    options: InfoOptions
    source: str


@dataclass(frozen=True)
class InfoPathParser:
    separator: str = ":"
    presets: Mapping[str, Preset] = field(default_factory=dict)
    """Info presets (IMGPROXY_INFO_PRESETS); `default` applies to every URL."""
    clock: Callable[[], float] = time.time
    allow_security_options: bool = False
    allow_bypass_cache: bool = False
    allowed_options: frozenset[str] | None = None
    """None allows every info option; presets are exempt either way."""
    only_presets: bool = False
    encryption_key: bytes | None = None

    def parse(self, path: str) -> InfoRequest:
        segments = path.lstrip("/").split("/")
        options = DEFAULT_INFO_OPTIONS
        if "default" in self.presets:
            options = self.read_preset(options, "default")
        if self.only_presets:
            names = segments[0].split(self.separator) if segments[0] else []
            options = self.read_all(options, [("preset", tuple(names))], (), checked=False)
            rest = segments[1:]
        else:
            raw_options, rest = split_options(segments, self.separator)
            options = self.read_all(options, raw_options, (), checked=True)
        if options.bypass_cache and not self.allow_bypass_cache:
            raise Forbidden("Option bypass_cache is not allowed")
        source = self.source(rest)
        if options.expires is not None and options.expires < self.clock():
            raise ExpiredURL()
        return InfoRequest(options, source)

    def source(self, rest: list[str]) -> str:
        """The source URL; an extension (`@png`) means nothing here and is ignored."""
        if not rest or rest == [""]:
            raise InvalidPath("Image URL is empty")
        try:
            if rest[0] == PLAIN_MARKER and len(rest) > 1:
                source, _ = decode_plain(rest[1:])
            elif rest[0] == ENCRYPTED_MARKER and len(rest) > 1:
                if not self.encryption_key:
                    raise InvalidPath("Encrypted source URLs are not enabled")
                # cryptography is a server dependency; the signing helper never gets here.
                from imgproxy.security.encryption import decode_encrypted  # noqa: PLC0415

                source, _ = decode_encrypted(rest[1:], self.encryption_key)
            else:
                source, _ = decode_base64(rest)
        except ArgumentError as error:
            raise InvalidPath(str(error)) from None
        return source

    def read_all(
        self,
        options: InfoOptions,
        raw: Sequence[RawOption],
        used: tuple[str, ...],
        *,
        checked: bool,
    ) -> InfoOptions:
        for name, values in raw:
            if checked and self.allowed_options is not None and name not in self.allowed_options:
                raise Forbidden(f"Info option not allowed: {shown(name)}")
            if name in INFO_PRESET_OPTIONS:
                for preset in values:
                    options = self.read_preset(options, preset, used)
                continue
            if name in INFO_SECURITY_OPTIONS and not self.allow_security_options:
                raise Forbidden(f"Security option {shown(name)} is not allowed")
            try:
                options = read_info_option(options, name, list(values))
            except ArgumentError as error:
                raise InvalidOption(str(error)) from None
        return options

    def read_preset(
        self, options: InfoOptions, name: str, used: tuple[str, ...] = ()
    ) -> InfoOptions:
        if name not in self.presets:
            raise InvalidOption(f"Unknown info preset: {shown(name)}")
        if name in used:
            return options
        return self.read_all(options, self.presets[name], (*used, name), checked=False)

    def validate_presets(self) -> None:
        """Read every preset once so a bad one stops the server at start, not a request."""
        for name in self.presets:
            self.read_preset(DEFAULT_INFO_OPTIONS, name)


def generate_info_path(request: InfoRequest, separator: str = ":", *, base64: bool = False) -> str:
    """The path after `/info`, without the signature, starting with '/': what gets signed."""
    segments = generate_info_options(request.options, separator)
    source = encode_base64(request.source) if base64 else encode_plain(request.source)
    return "/" + "/".join([*segments, source])
