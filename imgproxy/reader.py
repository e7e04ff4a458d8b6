"""A request path to the `Variant` it names, before any I/O: signature, options, Client Hints,
the requested format and the cache key. Both dialects (imgproxy paths, thumbor paths under
their prefix) come out as the same `Variant`, with the same checks and the same key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache

import pyvips

from cache.keys import (
    LATER_OUTPUT_SETTINGS,
    OUTPUT_SETTINGS,
    canonical_options,
    pinned_format_quality,
    settings_version,
    source_key,
    variant_key_of,
)
from config.settings import Settings
from imgproxy.client_hints import ClientHints
from imgproxy.errors import InvalidPath, UnsupportedFormat
from imgproxy.negotiation import Negotiation, negotiated_format
from imgproxy.results import Variant
from imgproxy.signing import Verifier
from imgproxy.thumbor.grammar import parse_path
from imgproxy.thumbor.mapping import ThumborRequest, to_request
from imgproxy.thumbor.signing import ThumborVerifier, split_signature
from imgproxy.url.formats import WRITABLE
from imgproxy.url.options import Asset, ImageFormat, ImageRequest
from imgproxy.url.parser import PathParser
from imgproxy.url.source import SourceRewriter
from imgproxy.verified_paths import REMEMBERED_PATHS, VerifiedPaths

OUTPUT_FORMATS = WRITABLE | {ImageFormat.SVG, ImageFormat.BEST}
DEFAULT_SETTINGS = Settings()


def output_settings(settings: Settings) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(settings, name) for name in OUTPUT_SETTINGS}
    values["format_quality"] = pinned_format_quality(settings.format_quality)
    values.update(
        (name, getattr(settings, name))
        for name in LATER_OUTPUT_SETTINGS
        if getattr(settings, name) != getattr(DEFAULT_SETTINGS, name)
    )
    values["libvips"] = ".".join(str(pyvips.version(part)) for part in range(3))
    return values


def version_of(settings: Settings) -> str:
    """The settings version in every variant key: what changes a result's bytes."""
    return settings_version(output_settings(settings))


def imgproxy_paths(settings: Settings) -> VerifiedPaths:
    verifier = Verifier(
        settings.keys, settings.salts, settings.signature_size, settings.trusted_signatures
    )
    parser = PathParser(
        settings.arguments_separator,
        settings.presets,
        allow_security_options=settings.allow_security_options,
        allow_bypass_cache=settings.allow_bypass_cache,
        max_chained_pipelines=settings.max_chained_pipelines,
        allowed_options=settings.allowed_processing_options,
        only_presets=settings.only_presets,
        # Unsigned encrypted URLs would be a padding oracle: only with signatures.
        encryption_key=settings.source_url_encryption_key if settings.signing_enabled else None,
    )
    rewriter = SourceRewriter(settings.base_url, settings.url_replacements)
    return VerifiedPaths(settings.path_prefix, verifier, parser, rewriter)


class RequestReader:
    def __init__(self, settings: Settings, settings_version: str) -> None:
        self.settings_version = settings_version
        self.client_hints = settings.enable_client_hints
        self.negotiation = Negotiation(
            settings.auto_webp,
            settings.auto_avif,
            settings.enforce_webp,
            settings.enforce_avif,
            settings.auto_jxl,
            settings.enforce_jxl,
        )
        self.best_by_default = settings.best_format_by_default
        self.paths = imgproxy_paths(settings)
        self.thumbor_prefix = settings.thumbor_path_prefix
        self.thumbor_verifier = ThumborVerifier(settings.thumbor_key, settings.thumbor_allow_unsafe)
        self._remembered = lru_cache(maxsize=REMEMBERED_PATHS)(self._read)

    def read(self, raw_path: str, accept: str, headers: Mapping[str, str] | None = None) -> Variant:
        """An imgproxy path; `headers` (lower-case names) carry the Client Hints, when those
        are enabled. Without them the variant is a pure function of the path and `accept`, and
        is remembered as `VerifiedPaths` remembers a path (not when it has an `expires`)."""
        if self.client_hints and headers is not None:
            return self._read(raw_path, accept, headers)
        found = self._remembered(raw_path, accept)
        if found.request.options.expires is not None:
            return self._read(raw_path, accept)
        return found

    def _read(
        self, raw_path: str, accept: str, headers: Mapping[str, str] | None = None
    ) -> Variant:
        read = self.paths.read(raw_path)
        request, canonical = read.request, read.canonical
        if self.client_hints and headers is not None:
            hinted = ClientHints.from_headers(headers).apply(request.options)
            if hinted != request.options:
                request = replace(request, options=hinted)
                canonical = canonical_options(hinted)
        return self.variant(request, accept, canonical)

    def read_thumbor(self, raw_path: str) -> ThumborRequest:
        """A thumbor path under its prefix, its signature checked as libthumbor makes it."""
        if not raw_path.startswith(self.thumbor_prefix + "/"):
            raise InvalidPath(detail=f"outside {self.thumbor_prefix}: {raw_path}")
        signature, rest = split_signature(raw_path[len(self.thumbor_prefix) :])
        self.thumbor_verifier.verify(signature, rest)
        return to_request(parse_path(rest))

    def thumbor_variant(self, parsed: ThumborRequest, accept: str) -> Variant:
        """The assets' URLs are part of the request (and its key); their bytes are fetched
        on a miss."""
        options = parsed.options
        if parsed.asset_urls:
            assets = tuple(Asset(role, url) for role, url in parsed.asset_urls)
            options = replace(options, assets=assets)
        return self.variant(ImageRequest(options, parsed.source), accept)

    def variant(self, request: ImageRequest, accept: str, canonical: str | None = None) -> Variant:
        """`canonical`: `canonical_options(request.options)` when the caller has it already."""
        options = request.options
        explicit = options.format
        if explicit is None and self.best_by_default:
            explicit = ImageFormat.BEST
        if explicit is not None and explicit not in OUTPUT_FORMATS and not options.raw:
            raise UnsupportedFormat(f"Cannot write {explicit.value} images")
        choice = self.negotiation.choose(explicit, accept)
        requested = negotiated_format(self.negotiation, explicit, accept)
        if canonical is None:
            canonical = canonical_options(options)
        key = variant_key_of(canonical, request.source, requested, self.settings_version)
        return Variant(request, choice, key, source_key(request.source))
